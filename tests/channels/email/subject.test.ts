import { describe, expect, it } from '@jest/globals';
import {
  extractTicketTag,
  normaliseSubject,
  subjectPrefixDepth,
} from '../../../channels/email/subject.ts';

describe('normaliseSubject', () => {
  it('strips stacked prefixes in several languages and our ticket tag', () => {
    expect(normaliseSubject('Re: AW: Fwd: [#1042] Printer jams')).toBe('Printer jams');
  });

  it('strips a prefix written without a following space', () => {
    expect(normaliseSubject('AW:Installation [Ticket#11392]')).toBe('Installation [Ticket#11392]');
  });

  it('leaves prefixes that are not at the start alone', () => {
    expect(normaliseSubject('Printer says Re: error, Fwd: to vendor')).toBe(
      'Printer says Re: error, Fwd: to vendor',
    );
  });

  it('does not mistake a word that starts like a prefix for one', () => {
    expect(normaliseSubject('Rechnung: März')).toBe('Rechnung: März');
  });
});

describe('subjectPrefixDepth', () => {
  it('counts stacked prefixes and numbered ones', () => {
    expect(subjectPrefixDepth('Re[3]: Fwd: RE: x')).toBe(5);
  });
});

describe('extractTicketTag', () => {
  it('reads our [#n] tag anywhere in the subject', () => {
    expect(extractTicketTag('Re: Printer jams [#1042]')).toBe(1042);
  });

  it('returns null when the subject carries no tag', () => {
    expect(extractTicketTag('Re: Printer jams #1042')).toBeNull();
  });
});
