// Intake: where every channel's inbound message becomes exactly one stored message on
// exactly one ticket. The ledger row (intake_request) is written in the same transaction
// as the message, keyed by the channel's idempotency key (mailbox + Message-ID, an API
// Idempotency-Key, a webhook id), and the ticket workflow id is the ticket's business key,
// so a retry — after a crash, a lost connection, a re-fetched mail — finds its first
// answer and at most re-sends the same start or signal, which Temporal deduplicates.
import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { Logger } from 'pino';
import type { BlobStore } from '../db/blob-store.ts';
import type { EntityManager, Orm } from '../db/orm.ts';
import { customerMessageSignal } from '../workflows/ticket/messages.ts';
import type { TicketWorkflowInput } from '../workflows/ticket/ticket-workflow.ts';
import { MessageKind, type Channel } from '../workflows/ticket/vocabulary.ts';
import { ticketWorkflowId } from '../workflows/ticket/workflow-id.ts';
import { normaliseContentId } from './email/inline-images.ts';
import { sanitizeMessageHtml } from './html-sanitizer.ts';
import { mergeTargetOf } from '../db/repositories/ticket-collab.ts';
import type { Identity } from './identity/identities.ts';
import { resolveRequesterByIdentities } from './identity/requesters.ts';

export interface InboundAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
  contentId: string | null;
  inline: boolean;
}

export interface InboundMessage {
  channel: Channel;
  /** Same key, same outcome: the first intake's ticket and message are returned again. */
  idempotencyKey: string;
  /**
   * Who wrote. `identities` are the sender's other addresses on this channel (phone, social
   * id); any that a known requester already has makes this message theirs (channels/identity).
   */
  requester: { email: string | null; name: string | null; identities?: Identity[] };
  subject: string;
  text: string;
  /** Untrusted HTML as received; intake sanitises it before storing. */
  html: string | null;
  receivedAt: Date;
  mailbox: string | null;
  messageIdHeader: string | null;
  inReplyTo: string[];
  references: string[];
  bodyHash: string | null;
  /** Why this is automated mail (auto-reply, bounce), or null for a person writing. */
  automatedReason: string | null;
  rawBlobKey: string | null;
  attachments: InboundAttachment[];
  /** The ticket a channel's threading decided this message belongs to, or null for a new one. */
  appendToTicketId: number | null;
  /**
   * Refuse a repeated key whose content differs (API callers' Idempotency-Key). Email leaves it
   * off: its keys already encode what makes two mails the same (C15).
   */
  refuseChangedContentOnRetry?: boolean;
}

/** What a channel without mail headers (API, chat, phone, web form) says about a message. */
export type PlainInboundMessage = Pick<
  InboundMessage,
  'channel' | 'idempotencyKey' | 'requester' | 'subject' | 'text'
> &
  Partial<
    Pick<InboundMessage, 'appendToTicketId' | 'receivedAt' | 'html' | 'refuseChangedContentOnRetry'>
  >;

/**
 * An inbound message from a channel that has no raw mail, threading headers or attachments:
 * the mail-only fields empty, received now, a new ticket unless one is named, and a reused
 * idempotency key with other content refused, since these callers choose their own keys.
 */
export function plainInboundMessage(message: PlainInboundMessage): InboundMessage {
  return {
    html: null,
    receivedAt: new Date(),
    mailbox: null,
    messageIdHeader: null,
    inReplyTo: [],
    references: [],
    bodyHash: null,
    automatedReason: null,
    rawBlobKey: null,
    attachments: [],
    appendToTicketId: null,
    refuseChangedContentOnRetry: true,
    ...message,
  };
}

export interface IntakeOutcome {
  ticketId: number;
  messageId: number;
  createdTicket: boolean;
  /** True when this key was seen before and nothing new was stored. */
  duplicate: boolean;
}

export interface Intake {
  /** Stores the message once and starts or signals its ticket workflow. */
  accept(message: InboundMessage): Promise<IntakeOutcome>;
}

export interface IntakeDeps {
  orm: Orm;
  temporal: Client;
  taskQueue: string;
  blobs: BlobStore;
  log: Logger;
}

const triageTextLimit = 2_000;

/** Builds the intake used by the API, the email ingest and every other channel. */
export function createIntake(deps: IntakeDeps): Intake {
  return {
    async accept(message) {
      const known = await findLedger(deps.orm.em.fork(), message.idempotencyKey);
      if (known !== null) {
        refuseChangedContent(message, known);
        await redeliver(deps, message, known);
        deps.log.debug({ ticketId: known.ticketId }, 'intake repeated');
        return { ...known, duplicate: true };
      }

      const stored = await storeOnce(deps, message);
      const delivered = await deliver(deps, message, stored);
      deps.log.info(
        {
          ticketId: delivered.ticketId,
          channel: message.channel,
          created: delivered.createdTicket,
        },
        'message received',
      );
      return delivered;
    },
  };
}

async function storeOnce(deps: IntakeDeps, message: InboundMessage): Promise<IntakeOutcome> {
  const blobs = await Promise.all(message.attachments.map((a) => deps.blobs.put(a.content)));
  try {
    return await deps.orm.em.fork().transactional(async (em) => {
      const requesterId = await resolveRequester(em, message.requester);
      const createdTicket = message.appendToTicketId === null;
      // A message for a ticket merged into another lands on the one it was merged into.
      const ticketId =
        message.appendToTicketId === null
          ? await nextTicketId(em)
          : await mergeTargetOf(em, message.appendToTicketId);
      const messageId = await insertMessage(em, { message, ticketId, requesterId });
      const attachmentIds = await insertAttachments(em, messageId, message.attachments, blobs);
      await storeSanitizedHtml(em, messageId, message, attachmentIds);
      await em.execute(
        `insert into intake_request (key, ticket_id, message_id, created_ticket, fingerprint)
         values (?, ?, ?, ?, ?)`,
        [
          message.idempotencyKey,
          ticketId,
          messageId,
          createdTicket,
          message.refuseChangedContentOnRetry ? fingerprintOf(message) : null,
        ],
      );
      return { ticketId, messageId, createdTicket, duplicate: false };
    });
  } catch (error) {
    // A concurrent intake of the same key won the race: answer with its outcome.
    if (!isUniqueViolation(error)) throw error;
    const winner = await findLedger(deps.orm.em.fork(), message.idempotencyKey);
    if (winner === null) throw error;
    refuseChangedContent(message, winner);
    return { ...winner, duplicate: true };
  }
}

/** Starts the new ticket's workflow, or signals the existing one; both are idempotent. */
async function deliver(
  deps: IntakeDeps,
  message: InboundMessage,
  outcome: IntakeOutcome,
): Promise<IntakeOutcome> {
  if (outcome.createdTicket) {
    await startTicketWorkflow(deps, message, outcome);
    return outcome;
  }

  try {
    await deps.temporal.workflow
      .getHandle(ticketWorkflowId(outcome.ticketId))
      .signal(customerMessageSignal, {
        messageId: outcome.messageId,
        receivedAt: message.receivedAt.getTime(),
        automated: message.automatedReason !== null,
      });
    return outcome;
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
    return openFollowUpTicket(deps, message, outcome);
  }
}

/**
 * A repeated intake re-sends the start or signal in case the first attempt crashed before
 * it; both are no-ops when they already happened. A ticket closed since then stays closed:
 * its first message is already stored on it.
 */
async function redeliver(
  deps: IntakeDeps,
  message: InboundMessage,
  known: IntakeOutcome,
): Promise<void> {
  if (known.createdTicket) {
    await startTicketWorkflow(deps, message, known);
    return;
  }
  try {
    await deps.temporal.workflow
      .getHandle(ticketWorkflowId(known.ticketId))
      .signal(customerMessageSignal, {
        messageId: known.messageId,
        receivedAt: message.receivedAt.getTime(),
        automated: message.automatedReason !== null,
      });
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
}

async function startTicketWorkflow(
  deps: IntakeDeps,
  message: InboundMessage,
  outcome: IntakeOutcome,
): Promise<void> {
  const requesterId = await requesterOfMessage(deps.orm.em.fork(), outcome.messageId);
  const input: TicketWorkflowInput = {
    ticketId: outcome.ticketId,
    subject: message.subject,
    channel: message.channel,
    requester: { id: requesterId, email: message.requester.email },
    mailbox: message.mailbox,
    firstMessageId: outcome.messageId,
    receivedAt: message.receivedAt.getTime(),
    triageText: `${message.subject}\n${message.text}`.slice(0, triageTextLimit),
    automated: message.automatedReason !== null,
  };
  try {
    await deps.temporal.workflow.start('ticketWorkflow', {
      workflowId: ticketWorkflowId(outcome.ticketId),
      taskQueue: deps.taskQueue,
      args: [input],
      // A ticket id runs once: a retried start must never revive a closed ticket.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

/**
 * The ticket this message answers is closed (its workflow has ended): the message opens a
 * new ticket instead, and the ledger points at it, so a retry lands in the same place.
 */
async function openFollowUpTicket(
  deps: IntakeDeps,
  message: InboundMessage,
  outcome: IntakeOutcome,
): Promise<IntakeOutcome> {
  const moved = await deps.orm.em.fork().transactional(async (em) => {
    const ticketId = await nextTicketId(em);
    await em.execute('update message set ticket_id = ? where id = ?', [
      ticketId,
      outcome.messageId,
    ]);
    await em.execute(
      'update intake_request set ticket_id = ?, created_ticket = true where message_id = ?',
      [ticketId, outcome.messageId],
    );
    return { ...outcome, ticketId, createdTicket: true };
  });
  deps.log.info(
    { ticketId: moved.ticketId, previousTicketId: outcome.ticketId },
    'follow-up ticket opened for a closed ticket',
  );
  await startTicketWorkflow(deps, message, moved);
  return moved;
}

type Row = Record<string, unknown>;

interface LedgerEntry extends IntakeOutcome {
  fingerprint: string | null;
}

async function findLedger(em: EntityManager, key: string): Promise<LedgerEntry | null> {
  const rows: Row[] = await em.execute(
    'select ticket_id, message_id, created_ticket, fingerprint from intake_request where key = ?',
    [key],
  );
  const row = rows[0];
  if (row === undefined) return null;
  return {
    ticketId: Number(row.ticket_id),
    messageId: Number(row.message_id),
    createdTicket: Boolean(row.created_ticket),
    duplicate: false,
    fingerprint: (row.fingerprint as string | null) ?? null,
  };
}

/** What identifies a request's content, whatever its key: channel, sender, subject, text. */
function fingerprintOf(message: InboundMessage): string {
  const content = [message.channel, message.requester.email, message.subject, message.text];
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}

function refuseChangedContent(message: InboundMessage, known: LedgerEntry): void {
  if (!message.refuseChangedContentOnRetry || known.fingerprint === null) return;
  if (known.fingerprint === fingerprintOf(message)) return;
  throw IntakeKeyReusedError.forKey(message.idempotencyKey, known.ticketId);
}

/** The same idempotency key came back with different content: a caller's bug, never a retry. */
export class IntakeKeyReusedError extends Error {
  readonly ticketId: number;

  constructor(message: string, ticketId: number) {
    super(message);
    this.name = 'IntakeKeyReusedError';
    this.ticketId = ticketId;
  }

  /** Names the key and the ticket the first request made. */
  static forKey(key: string, ticketId: number): IntakeKeyReusedError {
    const shown = key.replace(/^api:/, '');
    return new IntakeKeyReusedError(
      `idempotency key "${shown}" was already used for a different request (ticket ${ticketId}); use a new key for new content`,
      ticketId,
    );
  }
}

async function nextTicketId(em: EntityManager): Promise<number> {
  const rows: Row[] = await em.execute("select nextval('ticket_number_seq') as id");
  return Number(rows[0]!.id);
}

async function requesterOfMessage(em: EntityManager, messageId: number): Promise<number> {
  const rows: Row[] = await em.execute('select requester_id from message where id = ?', [
    messageId,
  ]);
  return Number(rows[0]!.requester_id);
}

/**
 * Finds the requester by any of their identities (email, phone, social id) or creates one;
 * identities that prove two requesters are one person merge them (channels/identity).
 */
async function resolveRequester(
  em: EntityManager,
  requester: InboundMessage['requester'],
): Promise<number> {
  const email = requester.email === null ? [] : [{ kind: 'email', address: requester.email }];
  return resolveRequesterByIdentities(em, {
    name: requester.name,
    identities: [...email, ...(requester.identities ?? [])],
  });
}

async function insertMessage(
  em: EntityManager,
  options: { message: InboundMessage; ticketId: number; requesterId: number },
): Promise<number> {
  const m = options.message;
  const kind = m.automatedReason === null ? MessageKind.Inbound : MessageKind.Automated;
  const rows: Row[] = await em.execute(
    `insert into message (ticket_id, kind, channel, author_kind, requester_id, subject, text,
        mailbox, message_id_header, in_reply_to, "references", raw_blob_key, body_hash,
        automated_reason, idempotency_key, created_at)
     values (?, ?, ?, 'requester', ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?, ?, ?)
     returning id`,
    [
      options.ticketId,
      kind,
      m.channel,
      options.requesterId,
      m.subject,
      m.text,
      m.mailbox,
      m.messageIdHeader,
      JSON.stringify(m.inReplyTo),
      JSON.stringify(m.references),
      m.rawBlobKey,
      m.bodyHash,
      m.automatedReason,
      m.idempotencyKey,
      m.receivedAt,
    ],
  );
  return Number(rows[0]!.id);
}

async function insertAttachments(
  em: EntityManager,
  messageId: number,
  attachments: InboundAttachment[],
  blobs: { key: string; sha256: string; size: number }[],
): Promise<Map<string, number>> {
  const idsByContentId = new Map<string, number>();
  for (const [index, attachment] of attachments.entries()) {
    const blob = blobs[index]!;
    const rows: Row[] = await em.execute(
      `insert into attachment (message_id, filename, content_type, size, content_id, inline,
          blob_key, sha256)
       values (?, ?, ?, ?, ?, ?, ?, ?) returning id`,
      [
        messageId,
        attachment.filename,
        attachment.contentType,
        blob.size,
        attachment.contentId,
        attachment.inline,
        blob.key,
        blob.sha256,
      ],
    );
    if (attachment.contentId !== null) {
      idsByContentId.set(normaliseContentId(attachment.contentId), Number(rows[0]!.id));
    }
  }
  return idsByContentId;
}

async function storeSanitizedHtml(
  em: EntityManager,
  messageId: number,
  message: InboundMessage,
  attachmentIds: Map<string, number>,
): Promise<void> {
  if (message.html === null) return;
  const html = sanitizeMessageHtml({
    html: message.html,
    inlineImageUrl: (contentId) => {
      const id = attachmentIds.get(contentId);
      return id === undefined ? null : `/api/attachments/${id}`;
    },
  });
  await em.execute('update message set html = ? where id = ?', [html, messageId]);
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  const name = (error as { name?: string } | null)?.name;
  return code === '23505' || name === 'UniqueConstraintViolationException';
}
