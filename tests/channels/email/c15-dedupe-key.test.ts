import { describe, expect, it } from '@jest/globals';
import { bodyHash, emailIdempotencyKey } from '../../../channels/email/dedupe-key.ts';
import { parseEmail } from '../../../channels/email/parse-email.ts';
import { readCase, replacing } from './cases-helpers.ts';

const file = 'C15-same-message-twice.eml';

describe('C15 the same email fetched twice', () => {
  it('gives the same key both times it is fetched into one mailbox', async () => {
    const raw = readCase(file);
    const first = await parseEmail(raw);
    const second = await parseEmail(raw);

    const keys = [
      emailIdempotencyKey('support', first, raw),
      emailIdempotencyKey('support', second, raw, { bodyHash: bodyHash(first) }),
    ];

    expect(keys).toEqual([
      'email:support:dup-2025-203@mail.example.com',
      'email:support:dup-2025-203@mail.example.com',
    ]);
    expect(second.problems).toEqual([]);
  });

  it('gives each monitored mailbox its own key', async () => {
    const raw = readCase(file);
    const parsed = await parseEmail(raw);

    expect(emailIdempotencyKey('Support', parsed, raw)).not.toBe(
      emailIdempotencyKey('billing', parsed, raw),
    );
  });

  it('keeps a reused Message-ID with a different body as a new message and says so', async () => {
    const raw = readCase(file);
    const original = await parseEmail(raw);
    const reusedRaw = replacing(
      raw,
      'charged twice for invoice',
      'charged three times for invoice',
    );
    const reused = await parseEmail(reusedRaw);

    const key = emailIdempotencyKey('support', reused, reusedRaw, { bodyHash: bodyHash(original) });

    expect(key).not.toBe(emailIdempotencyKey('support', original, raw));
    expect(reused.problems).toContain(
      'message-id: reused with a different body; kept as a new message',
    );
  });

  it('falls back to a stable hash key when there is no Message-ID', async () => {
    const raw = replacing(readCase(file), /Message-ID: <dup-2025-203@mail\.example\.com>\r?\n/, '');
    const once = await parseEmail(raw);
    const again = await parseEmail(raw);

    const key = emailIdempotencyKey('support', once, raw);

    expect(key).toMatch(/^email:support:sha256:[0-9a-f]{64}$/);
    expect(emailIdempotencyKey('support', again, raw)).toBe(key);
    expect(emailIdempotencyKey('billing', again, raw)).not.toBe(key);
  });

  it('ignores white-space differences in the body hash', async () => {
    const raw = readCase(file);
    const parsed = await parseEmail(raw);
    const rewrapped = await parseEmail(replacing(raw, 'Please refund', '  Please\n refund'));

    expect(bodyHash(rewrapped)).toBe(bodyHash(parsed));
  });
});
