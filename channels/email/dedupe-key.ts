// Idempotency keys for inbound email, so a message fetched twice (a failed \Seen flag update,
// two workers on one UID) makes one ticket per mailbox, not two (C15). The key is per mailbox:
// the same message sent to Support and Billing rightly makes one ticket in each.
import { createHash } from 'node:crypto';
import type { ParsedEmail } from './parse-email.ts';

/** What intake already stored under this key, when anything. */
export interface KnownMessage {
  bodyHash: string;
}

/**
 * Returns `email:<mailbox>:<message-id>`, or a hash key when there is no Message-ID. When the
 * same Message-ID was stored with another body, a sender is reusing ids: the key gains the body
 * hash so the message is kept as new, and a problem is added to `parsed.problems`.
 */
export function emailIdempotencyKey(
  mailbox: string,
  parsed: ParsedEmail,
  raw: Buffer,
  known: KnownMessage | null = null,
): string {
  const box = mailbox.trim().toLowerCase();
  if (parsed.messageId === null) return `email:${box}:sha256:${fallbackHash(box, parsed, raw)}`;

  const key = `email:${box}:${parsed.messageId}`;
  if (!known || known.bodyHash === bodyHash(parsed)) return key;

  parsed.problems.push('message-id: reused with a different body; kept as a new message');
  return `${key}:${bodyHash(parsed).slice(0, 16)}`;
}

/** SHA-256 of the normalised body text and the attachments' bytes, to compare two messages. */
export function bodyHash(parsed: ParsedEmail): string {
  const hash = createHash('sha256').update(normaliseBody(parsed.text));

  for (const attachment of parsed.attachments) {
    hash.update('\0').update(attachment.filename).update('\0').update(attachment.content);
  }
  return hash.digest('hex');
}

function fallbackHash(mailbox: string, parsed: ParsedEmail, raw: Buffer): string {
  const fields = [
    mailbox,
    parsed.from?.address.toLowerCase() ?? '',
    parsed.date ?? '',
    parsed.subject,
  ];
  const hash = createHash('sha256').update(fields.join('\0')).update('\0').update(bodyHash(parsed));

  // With nothing to tell two messages apart, only the raw bytes can.
  if (fields.slice(1).every((field) => field === '') && parsed.text.trim() === '') hash.update(raw);
  return hash.digest('hex');
}

function normaliseBody(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
