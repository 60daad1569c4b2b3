// The outbound mail outbox: every mail Casework sends (agent replies, acknowledgements,
// follow-up reminders, notifications, surveys, reports) is first a row in `outbound_mail`,
// written through the caller's EntityManager so it commits or rolls back with the caller's
// own writes (pass the transactional `em` inside `em.transactional`). The sender loop
// (outbox-sender.ts) drains the rows over SMTP with retries and backoff. The same dedupeKey
// is stored once, so it is sent once; its Message-ID is fixed here, at enqueue, so a resend
// after a crash carries the same id and threading never depends on the send.
// Tests: tests/channels/mail-outbox.test.ts, tests/e2e/mail-round-trip.test.ts.
import { createHash } from 'node:crypto';
import type { EntityManager } from '../../../db/orm.ts';

export const OutboundMailKind = {
  Reply: 'reply',
  Acknowledgement: 'acknowledgement',
  Reminder: 'reminder',
  Notification: 'notification',
  Survey: 'survey',
  Report: 'report',
} as const;
export type OutboundMailKind = (typeof OutboundMailKind)[keyof typeof OutboundMailKind];
const outboundMailKinds: string[] = Object.values(OutboundMailKind);

/** What a caller wants sent; the shape agreed between helpers, plus two optional fields. */
export interface OutboundMailRequest {
  ticketId: number | null;
  kind: OutboundMailKind;
  to: string[];
  subject: string;
  text: string;
  html?: string;
  /** Our `message` row this mail answers; its Message-ID becomes In-Reply-To. */
  inReplyToMessageId?: number;
  /** Same key, one mail: a retried caller never sends twice. */
  dedupeKey: string;
  /** Our `message` row this mail carries (a public reply, an acknowledgement): it takes the mail's Message-ID, and its attachments go along. */
  messageId?: number;
  /** The sending mailbox's address; defaults to the ticket's mailbox, then the default mailbox. */
  from?: string;
}

/** The row the request became, new or found again by its dedupeKey. */
export interface EnqueuedMail {
  outboundMailId: number;
  messageIdHeader: string;
  duplicate: boolean;
}

/** Thrown for a request that can never be sent as it is; retrying cannot help. */
export class OutboundMailError extends Error {
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`outbound mail ${field}: ${problem}`);
    this.name = 'OutboundMailError';
    this.field = field;
  }
}

/** Channel that wakes the sender loop when mail is enqueued. */
export const outboundMailChannel = 'outbound_mail';

const maxReferences = 20;
const fallbackDomain = 'casework.invalid';

type Row = Record<string, unknown>;

/**
 * Stores one outbound mail for the sender loop, once per dedupeKey, with its threading headers
 * and the ticket tag in its subject; never sends anything itself. Throws OutboundMailError for a
 * request that can never be sent (no recipient, a header with a line break, no sending mailbox).
 */
export async function enqueueOutboundMail(
  db: EntityManager,
  request: OutboundMailRequest,
): Promise<EnqueuedMail> {
  checkRequest(request);

  const known = await findByDedupeKey(db, request.dedupeKey);
  if (known) return known;

  const from = await senderAddress(db, request);
  const threading = await threadingHeaders(db, request);
  const messageIdHeader = ourMessageId(request, from);
  const attachments = request.messageId ? await attachmentsOf(db, request.messageId) : [];

  const inserted: Row[] = await db.execute(
    `insert into outbound_mail (ticket_id, kind, from_address, to_addresses, subject, text, html,
        message_row_id, message_id_header, in_reply_to_header, references_header, attachments,
        auto_submitted, dedupe_key)
     values (?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?)
     on conflict (dedupe_key) do nothing
     returning id`,
    [
      request.ticketId,
      request.kind,
      from,
      JSON.stringify(request.to.map((address) => address.trim())),
      withTicketTag(request.subject, request.ticketId),
      request.text.replaceAll('\u0000', ''),
      request.html ?? null,
      request.messageId ?? null,
      messageIdHeader,
      threading.inReplyTo,
      JSON.stringify(threading.references),
      JSON.stringify(attachments),
      isSentAutomatically(request.kind),
      request.dedupeKey,
    ],
  );
  // A concurrent caller with the same key committed first: its row is the one mail.
  const row = inserted[0];
  if (row === undefined) return (await findByDedupeKey(db, request.dedupeKey))!;

  await stampOurMessage(db, { request, messageIdHeader, from });
  await db.execute('select pg_notify(?, ?)', [outboundMailChannel, '']);
  return { outboundMailId: Number(row.id), messageIdHeader, duplicate: false };
}

/**
 * Mail a person did not write at that moment carries `Auto-Submitted: auto-replied` or
 * `auto-generated` (RFC 3834), so well-behaved auto-responders never answer it.
 */
export function isSentAutomatically(kind: OutboundMailKind): boolean {
  return kind !== OutboundMailKind.Reply;
}

/** Puts our `[#n]` ticket tag in front of the subject unless it already carries it. */
export function withTicketTag(subject: string, ticketId: number | null): string {
  const clean = subject.replace(/[\r\n]+/g, ' ').trim();
  if (ticketId === null || clean.includes(`[#${ticketId}]`)) return clean;
  return `[#${ticketId}] ${clean}`;
}

function checkRequest(request: OutboundMailRequest): void {
  if (!outboundMailKinds.includes(request.kind)) {
    throw new OutboundMailError('kind', `"${request.kind}" is not one of ${outboundMailKinds}`);
  }
  if (request.dedupeKey.trim() === '') throw new OutboundMailError('dedupeKey', 'is empty');
  if (request.to.length === 0) throw new OutboundMailError('to', 'names no recipient');

  for (const [index, address] of request.to.entries()) {
    if (!isPlainAddress(address)) {
      throw new OutboundMailError(`to[${index}]`, 'is not a plain email address');
    }
  }
  if (request.from !== undefined && !isPlainAddress(request.from)) {
    throw new OutboundMailError('from', 'is not a plain email address');
  }
}

/** One address without a display name, and nothing that could start another header. */
function isPlainAddress(address: string): boolean {
  return /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$/.test(address.trim());
}

async function findByDedupeKey(db: EntityManager, key: string): Promise<EnqueuedMail | null> {
  const rows: Row[] = await db.execute(
    'select id, message_id_header from outbound_mail where dedupe_key = ?',
    [key],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    outboundMailId: Number(row.id),
    messageIdHeader: String(row.message_id_header),
    duplicate: true,
  };
}

/**
 * The explicit sender, else the enabled mailbox the ticket came in by, else the default mailbox
 * (the configured one). Never another team's mailbox: a reply leaves by the address it came to.
 */
async function senderAddress(db: EntityManager, request: OutboundMailRequest): Promise<string> {
  if (request.from) return request.from.trim().toLowerCase();

  const rows: Row[] = await db.execute(
    `select address from mailbox
     where enabled and (is_default or address = coalesce((
       select lower(mailbox) from message
       where ticket_id = ? and mailbox is not null order by id limit 1), ''))
     order by is_default, id
     limit 1`,
    [request.ticketId],
  );
  const address = rows[0]?.address;
  if (typeof address !== 'string') {
    throw new OutboundMailError(
      'from',
      "neither the ticket's mailbox nor a default mailbox is configured to send from",
    );
  }
  return address;
}

/** In-Reply-To is the message answered (or the ticket's newest mail); References its chain. */
async function threadingHeaders(
  db: EntityManager,
  request: OutboundMailRequest,
): Promise<{ inReplyTo: string | null; references: string[] }> {
  const rows: Row[] =
    request.inReplyToMessageId !== undefined
      ? await db.execute(
          `select message_id_header, "references" from message
           where id = ? and message_id_header is not null`,
          [request.inReplyToMessageId],
        )
      : await db.execute(
          `select message_id_header, "references" from message
           where ticket_id = ? and message_id_header is not null
             and kind in ('inbound', 'public_reply')
           order by id desc limit 1`,
          [request.ticketId],
        );
  const row = rows[0];
  if (!row) return { inReplyTo: null, references: [] };

  const answered = String(row.message_id_header);
  const earlier = Array.isArray(row.references) ? row.references.map(String) : [];
  const chain = [...earlier.filter((id) => id !== answered), answered];
  return { inReplyTo: answered, references: chain.slice(-maxReferences) };
}

/** Stable per dedupeKey, so a resend is recognisably the same mail. */
function ourMessageId(request: OutboundMailRequest, from: string): string {
  const digest = createHash('sha256').update(request.dedupeKey).digest('hex').slice(0, 24);
  const domain = from.split('@')[1] ?? fallbackDomain;
  return `<casework.${request.kind}.${digest}@${domain}>`;
}

async function attachmentsOf(
  db: EntityManager,
  messageId: number,
): Promise<{ filename: string; contentType: string; blobKey: string; contentId: string | null }[]> {
  const rows: Row[] = await db.execute(
    `select filename, content_type, blob_key, content_id from attachment
     where message_id = ? order by id`,
    [messageId],
  );
  return rows.map((row) => ({
    filename: String(row.filename),
    contentType: String(row.content_type),
    blobKey: String(row.blob_key),
    contentId: row.content_id === null ? null : String(row.content_id),
  }));
}

/**
 * Our message row takes the mail's Message-ID and mailbox, so the customer's answer threads by
 * In-Reply-To (thread-lookups.ts reads every message row) and an auto-reply to our automated
 * mail is recognised as one (automation.ts, C13).
 */
async function stampOurMessage(
  db: EntityManager,
  options: { request: OutboundMailRequest; messageIdHeader: string; from: string },
): Promise<void> {
  if (options.request.messageId === undefined) return;

  await db.execute(
    `update message set message_id_header = ?, mailbox = coalesce(mailbox, ?)
     where id = ? and message_id_header is null`,
    // Message rows keep ids without angle brackets, as parse-email.ts reads them from headers.
    [options.messageIdHeader.replace(/^<|>$/g, ''), options.from, options.request.messageId],
  );
}
