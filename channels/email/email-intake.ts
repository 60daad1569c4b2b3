// Email intake: one raw email in, and it ends in exactly one place — a ticket (new, or
// appended by threading) or a logged rejection an admin can inspect. It wires the pure email
// rules (parse, automation, idempotency key, threading) to the database and to channels/intake.ts,
// which stores the message once and starts or signals the ticket workflow. Used by
// `npm run ingest` and, later, the mailbox pollers. Tests: tests/channels/email/ingest.test.ts.
import type { Logger } from 'pino';
import type { BlobStore } from '../../db/blob-store.ts';
import type { EntityManager, Orm } from '../../db/orm.ts';
import { Channel } from '../../workflows/ticket/vocabulary.ts';
import type { InboundMessage, Intake } from '../intake.ts';
import { classifyAutomation, type AutomationVerdict } from './automation.ts';
import { bodyHash, emailIdempotencyKey, type KnownMessage } from './dedupe-key.ts';
import { EmailParseError, parseEmail, type ParsedEmail } from './parse-email.ts';
import { createThreadLookups } from './thread-lookups.ts';
import { decideThread, type ThreadDecision } from './threading.ts';

/** One raw email, the mailbox it arrived in, and where it came from (a file path, an IMAP UID). */
export interface EmailIngestInput {
  raw: Buffer;
  mailbox: string;
  source: string;
  /** When the mailbox received it; defaults to now. The Date header is the sender's clock. */
  receivedAt?: Date;
}

export interface EmailIngestDeps {
  orm: Orm;
  intake: Intake;
  blobs: BlobStore;
  log: Logger;
}

export type EmailIngestOutcome = 'created' | 'appended' | 'duplicate' | 'rejected';

/** Where the email ended up, and what was noticed on the way. */
export interface EmailIngestResult {
  outcome: EmailIngestOutcome;
  ticketId?: number;
  /** The threading rule that appended the email to an existing ticket. */
  via?: 'in-reply-to' | 'references' | 'subject-tag';
  /** Why the email opened a new ticket, or why it was rejected. */
  reason?: string;
  automated: boolean;
  /** Repairs and oddities found in the email (parse-email.ts lists them). */
  problems: string[];
}

const unknownSenderName = 'Unknown sender';

/** Files one raw email as a ticket or a logged rejection; throws only when a service is down. */
export async function ingestRawEmail(
  input: EmailIngestInput,
  deps: EmailIngestDeps,
): Promise<EmailIngestResult> {
  const mailbox = input.mailbox.trim().toLowerCase();

  const parsed = await parseOrError(input.raw);
  if (parsed instanceof EmailParseError) return reject(input, parsed.reason, deps);
  if (carriesNothing(parsed)) return reject(input, nothingReadable, deps);

  const rawBlob = await deps.blobs.put(input.raw);
  const verdict = await classify(deps.orm, parsed);
  const keyed = await idempotencyKeyFor(deps.orm, mailbox, parsed, input.raw);
  const decision = await decideThread(
    { mailbox, parsed },
    createThreadLookups(deps.orm, { mailbox }),
  );

  const message = toInboundMessage({ input, mailbox, parsed, verdict, decision, rawBlob, keyed });
  return deliver({ input, message, decision, verdict, keyed, parsed }, deps);
}

async function parseOrError(raw: Buffer): Promise<ParsedEmail | EmailParseError> {
  try {
    return await parseEmail(raw);
  } catch (error) {
    // Anything the parser throws is about these bytes, not about our services: keep them.
    if (error instanceof EmailParseError) return error;
    return new EmailParseError(`the parser failed (${describe(error)})`, { cause: error });
  }
}

const nothingReadable =
  'nothing in it reads as an email: no sender, recipient, subject, date, Message-ID or body';

/**
 * The parser reads any bytes with a line break as headers (binary garbage becomes header lines
 * without names), so a message with not one recognisable field is rejected here: as a ticket it
 * would show an empty mail from nobody, and an admin could not tell what arrived.
 */
function carriesNothing(parsed: ParsedEmail): boolean {
  const hasAddress = parsed.from !== null || parsed.to.length > 0 || parsed.cc.length > 0;
  const hasField = parsed.messageId !== null || parsed.date !== null || parsed.subject !== '';
  const hasContent = parsed.text.trim() !== '' || parsed.attachments.length > 0;
  return !hasAddress && !hasField && !hasContent;
}

/**
 * Our own auto-generated mail (acknowledgements, notifications) is stored as an automated
 * message written by the system; a mail answering one of those is a machine answering ours
 * (C13). The classifier asks synchronously, so the ids are looked up first.
 */
async function classify(orm: Orm, parsed: ParsedEmail): Promise<AutomationVerdict> {
  const ids = [...new Set([...parsed.inReplyTo, ...parsed.references])];
  const ours = await ourAutomatedMessageIds(orm.em.fork(), ids);

  return classifyAutomation(parsed, {
    ourAutoMessageIds: (candidates) => candidates.some((id) => ours.has(id)),
  });
}

async function ourAutomatedMessageIds(em: EntityManager, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();

  const rows: Record<string, unknown>[] = await em.execute(
    `select message_id_header from message
     where kind = 'automated' and author_kind = 'system'
       and message_id_header in (${ids.map(() => '?').join(', ')})`,
    ids,
  );
  return new Set(rows.map((row) => String(row.message_id_header)));
}

interface KeyedMessage {
  key: string;
  hash: string;
  /** True when a sender reused this Message-ID for another body in this mailbox (C15). */
  reusedMessageId: boolean;
}

/**
 * The key compares the body with the first message stored under the same Message-ID in this
 * mailbox: the same body is the same mail fetched again; another body is a sender reusing ids,
 * kept as a new message under a key that carries its body hash (so a refetch of it is, again,
 * one message).
 */
async function idempotencyKeyFor(
  orm: Orm,
  mailbox: string,
  parsed: ParsedEmail,
  raw: Buffer,
): Promise<KeyedMessage> {
  const hash = bodyHash(parsed);
  const known = await firstStoredWithMessageId(orm.em.fork(), mailbox, parsed.messageId);

  return {
    key: emailIdempotencyKey(mailbox, parsed, raw, known),
    hash,
    reusedMessageId: known !== null && known.bodyHash !== hash,
  };
}

async function firstStoredWithMessageId(
  em: EntityManager,
  mailbox: string,
  messageId: string | null,
): Promise<KnownMessage | null> {
  if (messageId === null) return null;

  const rows: Record<string, unknown>[] = await em.execute(
    `select body_hash from message
     where message_id_header = ? and lower(mailbox) = ? and body_hash is not null
     order by id limit 1`,
    [messageId, mailbox],
  );
  const row = rows[0];
  return row ? { bodyHash: String(row.body_hash) } : null;
}

function toInboundMessage(options: {
  input: EmailIngestInput;
  mailbox: string;
  parsed: ParsedEmail;
  verdict: AutomationVerdict;
  decision: ThreadDecision;
  rawBlob: { key: string };
  keyed: KeyedMessage;
}): InboundMessage {
  const { parsed, verdict, decision } = options;

  return {
    channel: Channel.Email,
    idempotencyKey: options.keyed.key,
    requester: requesterOf(parsed),
    subject: storable(parsed.subject),
    text: storable(parsed.text),
    html: parsed.html === null ? null : storable(parsed.html),
    receivedAt: options.input.receivedAt ?? new Date(),
    mailbox: options.mailbox,
    messageIdHeader: parsed.messageId,
    inReplyTo: parsed.inReplyTo,
    references: parsed.references,
    bodyHash: options.keyed.hash,
    automatedReason: verdict.automated ? `${verdict.kind}: ${verdict.reason}` : null,
    rawBlobKey: options.rawBlob.key,
    attachments: parsed.attachments.map((attachment) => ({
      filename: storable(attachment.filename),
      contentType: attachment.contentType,
      content: attachment.content,
      contentId: attachment.contentId,
      inline: attachment.inline,
    })),
    appendToTicketId: decision.action === 'append' ? decision.ticketId : null,
  };
}

/** A mail without any From still gets a requester, with no address to answer to. */
function requesterOf(parsed: ParsedEmail): InboundMessage['requester'] {
  if (parsed.from === null) return { email: null, name: unknownSenderName };

  return {
    email: parsed.from.address.trim() || null,
    name: storable(parsed.from.name).trim() || null,
  };
}

/** PostgreSQL text cannot hold NUL characters; a mail that carries them must still be stored. */
function storable(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '') : text;
}

async function deliver(
  options: {
    input: EmailIngestInput;
    message: InboundMessage;
    decision: ThreadDecision;
    verdict: AutomationVerdict;
    keyed: KeyedMessage;
    parsed: ParsedEmail;
  },
  deps: EmailIngestDeps,
): Promise<EmailIngestResult> {
  const { decision, parsed } = options;
  const automated = options.verdict.automated;

  let outcome;
  try {
    outcome = await deps.intake.accept(options.message);
  } catch (error) {
    const code = unstorableCode(error);
    if (code === null) throw error;
    // The driver's message quotes the statement and its values; the SQLSTATE is enough to act on.
    return reject(options.input, `the database cannot store it (SQLSTATE ${code})`, deps);
  }

  const base = { ticketId: outcome.ticketId, automated, problems: parsed.problems };
  if (outcome.duplicate) return { outcome: 'duplicate', ...base };

  if (options.keyed.reusedMessageId) {
    deps.log.warn(
      { ticketId: outcome.ticketId, source: options.input.source },
      'message-id reused with a different body; kept as a new message',
    );
  }
  if (outcome.createdTicket) {
    const reason =
      decision.action === 'new-ticket' ? decision.reason : 'the threaded ticket is closed';
    return { outcome: 'created', reason, ...base };
  }
  return {
    outcome: 'appended',
    via: decision.action === 'append' ? decision.via : undefined,
    ...base,
  };
}

/**
 * Input the database can never store (class 22: data exceptions such as bad encodings or
 * oversized values; class 54: program limits such as an index row too large). Retrying cannot
 * help, so the mail becomes a rejection instead of failing forever.
 */
function unstorableCode(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(?:22|54)[0-9A-Z]{3}$/.test(code) ? code : null;
}

/** Keeps the raw bytes and logs the rejection once per source and content. */
async function reject(
  input: EmailIngestInput,
  reason: string,
  deps: EmailIngestDeps,
): Promise<EmailIngestResult> {
  const blob = await deps.blobs.put(input.raw);

  // A batch run twice must not log the same bad file twice.
  await deps.orm.em.fork().execute(
    `insert into rejected_input (source, raw_blob_key, reason)
     select ?, ?, ?
     where not exists (select 1 from rejected_input where source = ? and raw_blob_key = ?)`,
    [input.source, blob.key, reason, input.source, blob.key],
  );
  deps.log.warn({ source: input.source, rawBlobKey: blob.key, reason }, 'email rejected');

  return { outcome: 'rejected', reason, automated: false, problems: [] };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
