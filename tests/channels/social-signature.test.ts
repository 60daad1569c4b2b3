// Pure tests of the social webhook signature (channels/social/signature.ts): HMAC-SHA256 over
// `<t>.<raw body>`, compared in constant time, refused outside a five-minute window.
import { describe, expect, it } from '@jest/globals';
import { signSocialWebhook, verifySocialWebhook } from '../../channels/social/signature.ts';

const secret = 'whsec_test_8b1f';
const body = Buffer.from('{"conversationId":"c-1","text":"Hallo"}');
const now = 1_800_000_000;

function verify(header: string | undefined, rawBody = body, nowSeconds = now) {
  return verifySocialWebhook({ header, secret, rawBody, nowSeconds });
}

describe('social webhook signature', () => {
  it('accepts a body signed with the platform secret just now', () => {
    const header = signSocialWebhook({ secret, timestamp: now - 3, rawBody: body });

    expect(verify(header)).toEqual({ ok: true, timestamp: now - 3 });
  });

  it('refuses a body changed after signing, even by one byte', () => {
    const header = signSocialWebhook({ secret, timestamp: now, rawBody: body });
    const changed = Buffer.from(body.toString().replace('Hallo', 'Hallo!'));

    expect(verify(header, changed)).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('refuses a signature made with another secret', () => {
    const header = signSocialWebhook({ secret: 'another', timestamp: now, rawBody: body });

    expect(verify(header)).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('refuses a correctly signed call replayed more than five minutes later', () => {
    const header = signSocialWebhook({ secret, timestamp: now - 301, rawBody: body });

    expect(verify(header)).toMatchObject({ ok: false, reason: 'stale' });
    expect(
      verify(signSocialWebhook({ secret, timestamp: now + 301, rawBody: body })),
    ).toMatchObject({ ok: false, reason: 'stale' });
  });

  it('says how the header must look when it is missing or malformed', () => {
    expect(verify(undefined)).toMatchObject({ ok: false, reason: 'missing' });
    expect(verify('sha256=abc')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(verify(`t=${now},v1=zz`)).toMatchObject({ ok: false, reason: 'malformed' });
  });
});
