// Pure tests of how requester identities are normalised before they are compared
// (channels/identity/identities.ts): the same person must match across channels however
// their address or number was written.
import { describe, expect, it } from '@jest/globals';
import {
  normaliseEmail,
  normaliseIdentities,
  normalisePhone,
  socialIdentityKind,
} from '../../channels/identity/identities.ts';

describe('identity normalisation', () => {
  it('reads an email address the same whatever its case and surrounding spaces', () => {
    expect(normaliseEmail('  Pat.Doe@Example.COM ')).toBe('pat.doe@example.com');
  });

  it('writes international phone numbers in one E.164-like form', () => {
    const written = ['+49 (30) 1234-567', '0049 30 1234567', '+49.30.1234567', '+4930/1234567'];

    const normalised = written.map(normalisePhone);

    expect(new Set(normalised)).toEqual(new Set(['+49301234567']));
  });

  it('keeps a national number as its digits, and refuses what is not a phone number', () => {
    expect(normalisePhone('030 123 4567')).toBe('0301234567');
    expect(normalisePhone('call me')).toBeNull();
    expect(normalisePhone('123')).toBeNull();
    expect(normalisePhone('+1234567890123456')).toBeNull();
  });

  it('drops duplicates and invalid identities, keeping the first of each', () => {
    const identities = normaliseIdentities([
      { kind: 'email', address: 'Pat@Example.com' },
      { kind: 'email', address: 'pat@example.com' },
      { kind: 'phone', address: 'not a number' },
      { kind: 'phone', address: '0044 20 7946 0018' },
      { kind: socialIdentityKind('Mastodon'), address: ' @pat@social.example ' },
    ]);

    expect(identities).toEqual([
      { kind: 'email', address: 'pat@example.com' },
      { kind: 'phone', address: '+442079460018' },
      { kind: 'social:mastodon', address: '@pat@social.example' },
    ]);
  });
});
