// Verifying a social platform's webhook call: `X-Casework-Signature: t=<unix seconds>,v1=<hex>`
// where v1 is HMAC-SHA256 over `<t>.<raw body>` with the platform's secret. The digest is
// compared in constant time, and a timestamp more than five minutes from our clock is refused,
// so a captured call cannot be replayed later (a replay inside the window is caught by its
// message id). Pure; tests in tests/channels/social-*.test.ts.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const signatureHeader = 'x-casework-signature';
export const signatureToleranceSeconds = 300;

export type SignatureVerdict =
  | { ok: true; timestamp: number }
  | { ok: false; reason: 'missing' | 'malformed' | 'mismatch' | 'stale'; detail: string };

/** The header value a sender puts on `rawBody` at `timestamp` (unix seconds). */
export function signSocialWebhook(options: {
  secret: string;
  timestamp: number;
  rawBody: Buffer | string;
}): string {
  return `t=${options.timestamp},v1=${digestOf(options.secret, options.timestamp, options.rawBody)}`;
}

/** Checks the signature header against the raw body, the secret and the clock. */
export function verifySocialWebhook(options: {
  header: string | undefined;
  secret: string;
  rawBody: Buffer;
  nowSeconds: number;
}): SignatureVerdict {
  if (options.header === undefined || options.header.trim() === '') {
    return { ok: false, reason: 'missing', detail: `the ${signatureHeader} header is missing` };
  }
  const parsed = parseHeader(options.header);
  if (parsed === null) {
    return {
      ok: false,
      reason: 'malformed',
      detail: `the ${signatureHeader} header must read t=<unix seconds>,v1=<hex HMAC-SHA256>`,
    };
  }

  const expected = Buffer.from(digestOf(options.secret, parsed.timestamp, options.rawBody), 'hex');
  const given = Buffer.from(parsed.v1, 'hex');
  const matches = given.length === expected.length && timingSafeEqual(given, expected);
  if (!matches) {
    return {
      ok: false,
      reason: 'mismatch',
      detail:
        'the signature does not match the body: sign `<t>.<raw body>` with the platform secret',
    };
  }
  if (Math.abs(options.nowSeconds - parsed.timestamp) > signatureToleranceSeconds) {
    return {
      ok: false,
      reason: 'stale',
      detail: `the signature's timestamp is more than ${signatureToleranceSeconds} s from our clock; sign each call when sending it`,
    };
  }
  return { ok: true, timestamp: parsed.timestamp };
}

function digestOf(secret: string, timestamp: number, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

function parseHeader(header: string): { timestamp: number; v1: string } | null {
  const parts = new Map<string, string>();
  for (const part of header.split(',')) {
    const [key, ...value] = part.trim().split('=');
    if (key !== undefined && value.length > 0) parts.set(key, value.join('='));
  }
  const t = parts.get('t');
  const v1 = parts.get('v1');
  if (t === undefined || v1 === undefined) return null;
  if (!/^\d{1,12}$/.test(t) || !/^[0-9a-f]{64}$/i.test(v1)) return null;
  return { timestamp: Number(t), v1 };
}
