// The sender side of the outbound mail outbox (outbox.ts): drains due `outbound_mail` rows over
// SMTP with nodemailer, through the sending mailbox's own SMTP account. A transient failure
// (connection refused, 4xx) is retried with exponential backoff; a permanent one (5xx) or
// running out of attempts marks the row failed and records it on the ticket as an internal
// note the agent sees. Rows are claimed with `for update skip locked`, so several senders
// never send one row twice. A crash between the server's "250 queued" and our commit can send
// a mail a second time, with the same Message-ID; that is the one duplicate SMTP allows.
// Runs in the mail process on the shared outbox loop (search/outbox-loop.ts).
// Tests: tests/channels/mail-outbox.test.ts, tests/e2e/mail-round-trip.test.ts.
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { BlobStore } from '../../../db/blob-store.ts';
import type { EntityManager, Orm } from '../../../db/orm.ts';
import { ticketChangedChannel } from '../../../activities/ticket-activities.ts';
import { runOutboxLoop, type OutboxLoop } from '../../../search/outbox-loop.ts';
import { outboundMailChannel } from './outbox.ts';

/** How often and how patiently a mail is retried. */
export interface RetryPolicy {
  firstDelayMs: number;
  maxDelayMs: number;
  maxAttempts: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  firstDelayMs: 30_000,
  maxDelayMs: 60 * 60_000,
  maxAttempts: 10,
};

/** One SMTP account, as the mailbox table holds it. */
export interface SmtpAccount {
  host: string;
  port: number;
  user: string | null;
  password: string | null;
  tls: boolean;
}

export interface OutboxSenderDeps {
  orm: Orm;
  blobs: BlobStore;
  log: Logger;
  retry?: RetryPolicy;
  /** Builds a transport for an account; tests may hand in another. */
  transportFor?: (account: SmtpAccount) => Transporter;
  /** Sends only mail from these addresses (tests sharing one database); default: all. */
  onlyFrom?: () => string[];
}

/** What one drain did. */
export interface DrainResult {
  sent: number;
  retrying: number;
  failed: number;
}

interface OutboundRow {
  id: number;
  ticketId: number | null;
  kind: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string | null;
  messageIdHeader: string;
  inReplyTo: string | null;
  references: string[];
  attachments: {
    filename: string;
    contentType: string;
    blobKey: string;
    contentId: string | null;
  }[];
  autoSubmitted: boolean;
  attempts: number;
}

type Outcome = { ok: true } | { ok: false; permanent: boolean; reason: string };

const batchSize = 10;

/** Builds the drain: send every due row once, record each outcome, return the counts. */
export function createOutboxSender(deps: OutboxSenderDeps) {
  const retry = deps.retry ?? defaultRetryPolicy;
  const transports = new Map<string, Transporter>();
  const transportFor = deps.transportFor ?? smtpTransport;

  const transportOf = (account: SmtpAccount) => {
    const key = `${account.host}:${account.port}:${account.user ?? ''}`;
    let transport = transports.get(key);
    if (!transport) {
      transport = transportFor(account);
      transports.set(key, transport);
    }
    return transport;
  };

  const drainBatch = () =>
    deps.orm.em.fork().transactional(async (em) => {
      const rows = await claimDueRows(em, deps.onlyFrom?.() ?? null);
      const result: DrainResult = { sent: 0, retrying: 0, failed: 0 };

      for (const row of rows) {
        const outcome = await sendRow({ row, em, deps, transportOf });
        const status = await recordOutcome({ em, row, outcome, retry, log: deps.log });
        result[status] += 1;
      }
      return { result, claimed: rows.length };
    });

  return {
    /** Sends every due row; throws only when the database cannot be reached. */
    async drain(): Promise<DrainResult> {
      const total: DrainResult = { sent: 0, retrying: 0, failed: 0 };
      for (;;) {
        const { result, claimed } = await drainBatch();
        total.sent += result.sent;
        total.retrying += result.retrying;
        total.failed += result.failed;
        if (claimed < batchSize) return total;
      }
    },

    close(): void {
      for (const transport of transports.values()) transport.close();
      transports.clear();
    },
  };
}

/** Runs the drain whenever mail is enqueued (NOTIFY) and every `idleMs` for due retries. */
export function startOutboundMailSender(deps: OutboxSenderDeps & { idleMs?: number }): OutboxLoop {
  const sender = createOutboxSender(deps);
  const loop = runOutboxLoop({
    orm: deps.orm,
    log: deps.log,
    channel: outboundMailChannel,
    activity: 'outbound mail',
    drain: () => sender.drain(),
    idleMs: deps.idleMs ?? 5_000,
  });
  return {
    async stop() {
      await loop.stop();
      sender.close();
    },
  };
}

function smtpTransport(account: SmtpAccount): Transporter {
  return nodemailer.createTransport({
    host: account.host,
    port: account.port,
    // Port 465 speaks TLS from the first byte; others upgrade with STARTTLS when tls is on.
    secure: account.tls && account.port === 465,
    requireTLS: account.tls && account.port !== 465,
    ignoreTLS: !account.tls,
    auth: account.user ? { user: account.user, pass: account.password ?? '' } : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
}

async function claimDueRows(em: EntityManager, onlyFrom: string[] | null): Promise<OutboundRow[]> {
  const rows: Record<string, unknown>[] = await em.execute(
    `select id, ticket_id, kind, from_address, to_addresses, subject, text, html,
        message_id_header, in_reply_to_header, references_header, attachments, auto_submitted,
        attempts
     from outbound_mail
     where status = 'pending' and next_attempt_at <= now()
       and (?::jsonb is null or jsonb_exists(?::jsonb, from_address))
     order by next_attempt_at, id
     limit ${batchSize}
     for update skip locked`,
    [onlyFrom && JSON.stringify(onlyFrom), onlyFrom && JSON.stringify(onlyFrom)],
  );
  return rows.map((row) => ({
    id: Number(row.id),
    ticketId: row.ticket_id === null ? null : Number(row.ticket_id),
    kind: String(row.kind),
    from: String(row.from_address),
    to: (row.to_addresses as string[]).map(String),
    subject: String(row.subject),
    text: String(row.text),
    html: row.html === null ? null : String(row.html),
    messageIdHeader: String(row.message_id_header),
    inReplyTo: row.in_reply_to_header === null ? null : String(row.in_reply_to_header),
    references: (row.references_header as string[]).map(String),
    attachments: row.attachments as OutboundRow['attachments'],
    autoSubmitted: Boolean(row.auto_submitted),
    attempts: Number(row.attempts),
  }));
}

async function sendRow(options: {
  row: OutboundRow;
  em: EntityManager;
  deps: OutboxSenderDeps;
  transportOf: (account: SmtpAccount) => Transporter;
}): Promise<Outcome> {
  const { row } = options;

  const account = await smtpAccountOf(options.em, row.from);
  if (account === null) {
    return { ok: false, permanent: true, reason: `no mailbox ${row.from} is configured` };
  }

  try {
    const attachments = await Promise.all(
      row.attachments.map(async (attachment) => ({
        filename: attachment.filename,
        contentType: attachment.contentType,
        content: await options.deps.blobs.get(attachment.blobKey),
        cid: attachment.contentId ?? undefined,
      })),
    );
    const info = await options.transportOf(account).sendMail({
      from: row.from,
      to: row.to,
      subject: row.subject,
      text: row.text,
      html: row.html ?? htmlOf(row.text),
      messageId: row.messageIdHeader,
      inReplyTo: row.inReplyTo === null ? undefined : bracketed(row.inReplyTo),
      references: row.references.length > 0 ? row.references.map(bracketed) : undefined,
      headers: automationHeaders(row),
      attachments,
    });
    const rejected = (info.rejected ?? []).map(String);
    if (rejected.length > 0) {
      return { ok: false, permanent: true, reason: `refused for ${rejected.length} recipient(s)` };
    }
    return { ok: true };
  } catch (error) {
    return classifyFailure(error);
  }
}

/** RFC 3834: what we send without a person writing it says so, and asks for no auto-answer. */
function automationHeaders(row: OutboundRow): Record<string, string> {
  if (!row.autoSubmitted) return {};

  const value = row.kind === 'acknowledgement' ? 'auto-replied' : 'auto-generated';
  return { 'Auto-Submitted': value, 'X-Auto-Response-Suppress': 'All', Precedence: 'bulk' };
}

/** An SMTP 5xx answer is final; a refused connection, a timeout or a 4xx is worth a retry. */
function classifyFailure(error: unknown): Outcome {
  const failure = error as { responseCode?: unknown; code?: unknown; message?: unknown };
  const responseCode = typeof failure.responseCode === 'number' ? failure.responseCode : null;
  const summary = String(failure.message ?? error).slice(0, 300);

  if (responseCode !== null && responseCode >= 500 && responseCode < 600) {
    return { ok: false, permanent: true, reason: summary };
  }
  const code = typeof failure.code === 'string' ? `${failure.code}: ` : '';
  return { ok: false, permanent: false, reason: `${code}${summary}` };
}

async function smtpAccountOf(em: EntityManager, address: string): Promise<SmtpAccount | null> {
  const rows: Record<string, unknown>[] = await em.execute(
    `select smtp_host, smtp_port, smtp_user, smtp_password, smtp_tls from mailbox
     where address = ?`,
    [address],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    host: String(row.smtp_host),
    port: Number(row.smtp_port),
    user: row.smtp_user === null ? null : String(row.smtp_user),
    password: row.smtp_password === null ? null : String(row.smtp_password),
    tls: Boolean(row.smtp_tls),
  };
}

async function recordOutcome(options: {
  em: EntityManager;
  row: OutboundRow;
  outcome: Outcome;
  retry: RetryPolicy;
  log: Logger;
}): Promise<keyof DrainResult> {
  const { em, row, outcome, retry, log } = options;
  const attempts = row.attempts + 1;

  if (outcome.ok) {
    await em.execute(
      `update outbound_mail set status = 'sent', attempts = ?, sent_at = now(), last_error = null
       where id = ?`,
      [attempts, row.id],
    );
    log.info({ ticketId: row.ticketId, outboundMailId: row.id, kind: row.kind }, 'mail sent');
    return 'sent';
  }

  if (!outcome.permanent && attempts < retry.maxAttempts) {
    const delayMs = Math.min(retry.firstDelayMs * 2 ** (attempts - 1), retry.maxDelayMs);
    await em.execute(
      `update outbound_mail set attempts = ?, last_error = ?,
          next_attempt_at = now() + (? * interval '1 millisecond')
       where id = ?`,
      [attempts, outcome.reason, delayMs, row.id],
    );
    log.warn(
      { ticketId: row.ticketId, outboundMailId: row.id, attempts, retryInMs: delayMs },
      'mail not sent; retrying',
    );
    return 'retrying';
  }

  await em.execute(
    `update outbound_mail set status = 'failed', attempts = ?, last_error = ? where id = ?`,
    [attempts, outcome.reason, row.id],
  );
  await recordDeliveryProblem(em, {
    ticketId: row.ticketId,
    outboundMailId: row.id,
    text:
      `Our ${row.kind} email "${row.subject}" could not be delivered ` +
      `(${outcome.permanent ? 'refused' : `gave up after ${attempts} attempts`}): ${outcome.reason}`,
  });
  log.error(
    { ticketId: row.ticketId, outboundMailId: row.id, attempts, reason: outcome.reason },
    'mail delivery failed',
  );
  return 'failed';
}

/**
 * Puts a delivery problem on the ticket as an internal note by the system, once per outbound
 * mail, and wakes live views: the agent sees that the customer did not get the answer.
 */
export async function recordDeliveryProblem(
  em: EntityManager,
  problem: { ticketId: number | null; outboundMailId: number; text: string },
): Promise<void> {
  if (problem.ticketId === null) return;

  await em.execute(
    `insert into message (ticket_id, kind, channel, author_kind, text, idempotency_key, created_at)
     values (?, 'internal_note', 'email', 'system', ?, ?, now())
     on conflict (idempotency_key) do nothing`,
    [problem.ticketId, problem.text, `mail-delivery-problem:${problem.outboundMailId}`],
  );
  const version: Record<string, unknown>[] = await em.execute(
    'select version from ticket where id = ?',
    [problem.ticketId],
  );
  const payload = JSON.stringify({
    ticketId: problem.ticketId,
    version: Number(version[0]?.version ?? 0),
  });
  await em.execute('select pg_notify(?, ?)', [ticketChangedChannel, payload]);
}

/** Stored ids are bare (parse-email.ts); on the wire a Message-ID has its angle brackets. */
function bracketed(id: string): string {
  return id.startsWith('<') ? id : `<${id}>`;
}

function htmlOf(text: string): string {
  const escaped = text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
  const paragraphs = escaped.split(/\n{2,}/).map((p) => `<p>${p.replaceAll('\n', '<br>')}</p>`);
  return `<!doctype html><html><body>${paragraphs.join('\n')}</body></html>`;
}
