// Side effects of the mailbox poller workflow (workflows/mail/mailbox-poller.ts): one poll reads
// a mailbox's new mail over IMAP by UID, keeps each raw message in the blob store, hands it to
// the email intake (exactly once: the intake ledger and Message-ID dedupe hold across any
// retry), connects bounces to the mail we sent, acknowledges new tickets, remembers the last
// UID and UIDVALIDITY in PostgreSQL, then marks the mail \Seen and moves it to the processed
// folder. Order matters for restarts: intake first, position second, move last, so a crash at
// any point re-reads at most a few mails, which intake answers as duplicates; mail already
// processed but not yet moved is moved on the next poll. A UIDVALIDITY change re-scans the
// folder from UID 1, again without duplicates. Mails of a batch are filed several at a time,
// a reply after the mail it answers (channels/email/batch-order.ts). Tests: tests/channels/mail-imap-intake.test.ts.
import { createHash } from 'node:crypto';
import { Context, log } from '@temporalio/activity';
import { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import type { BlobStore } from '../db/blob-store.ts';
import type { Orm } from '../db/orm.ts';
import type { Intake } from '../channels/intake.ts';
import { acknowledgeEmailTicket } from '../channels/email/acknowledge-email.ts';
import { batchDependencies, runInDependencyOrder } from '../channels/email/batch-order.ts';
import { recordBounce } from '../channels/email/bounces.ts';
import { ingestRawEmail, type EmailIngestResult } from '../channels/email/email-intake.ts';
import { findMailbox, recordMailboxPosition, type Mailbox } from '../channels/email/mailboxes.ts';

/** Input of one poll; one options object, so fields can be added without breaking histories. */
export interface PollMailboxInput {
  mailboxId: number;
  /** At most this many mails per poll, so one activity stays short and heartbeats often. */
  batchSize?: number;
}

/** What one poll did; the workflow polls again at once while `hasMore`. */
export interface PollMailboxResult {
  mailboxGone: boolean;
  fetched: number;
  created: number;
  appended: number;
  duplicates: number;
  rejected: number;
  automated: number;
  bounces: number;
  acknowledged: number;
  hasMore: boolean;
  uidValidityChanged: boolean;
}

export interface MailActivityDeps {
  orm: Orm;
  intake: Intake;
  blobs: BlobStore;
  /** The intake's logger (pino); activity lines go through Temporal's activity log. */
  log: Logger;
  /** A mail larger than this is kept raw and rejected with a clear reason, not filed. */
  maxMessageBytes?: number;
  /** Mails of one batch filed at a time (replies still wait for what they answer). */
  concurrency?: number;
}

export type MailActivities = ReturnType<typeof createMailActivities>;

const defaultBatchSize = 50;
const defaultConcurrency = 8;
export const defaultMaxMessageBytes = 25 * 1024 * 1024;

/** Builds the mail activities over one ORM and intake. */
export function createMailActivities(deps: MailActivityDeps) {
  return {
    /** Files the mailbox's new mail as tickets once each, then files the mail away on the server. */
    async pollMailbox(input: PollMailboxInput): Promise<PollMailboxResult> {
      const mailbox = await findMailbox(deps.orm.em.fork(), input.mailboxId);
      if (mailbox === null) return { ...emptyResult(), mailboxGone: true };

      const client = connectImap(mailbox);
      await client.connect();
      try {
        return await pollOpenMailbox({ client, mailbox, deps, batchSize: input.batchSize });
      } finally {
        await client.logout().catch(() => client.close());
      }
    },
  };
}

function connectImap(mailbox: Mailbox): ImapFlow {
  return new ImapFlow({
    host: mailbox.imap.host,
    port: mailbox.imap.port,
    secure: mailbox.imap.tls && mailbox.imap.port === 993,
    // Credentials never cross the wire in clear when the mailbox asks for TLS.
    doSTARTTLS: mailbox.imap.tls && mailbox.imap.port !== 993 ? true : undefined,
    auth: { user: mailbox.imap.user ?? mailbox.address, pass: mailbox.imap.password ?? '' },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: 15_000,
    socketTimeout: 120_000,
  });
}

async function pollOpenMailbox(options: {
  client: ImapFlow;
  mailbox: Mailbox;
  deps: MailActivityDeps;
  batchSize?: number;
}): Promise<PollMailboxResult> {
  const { client, mailbox, deps } = options;
  const result = emptyResult();

  await ensureFolder(client, mailbox.processedFolder);
  const lock = await client.getMailboxLock(mailbox.folder);
  try {
    const uidValidity = currentUidValidity(client);
    const start = startingUid(mailbox, uidValidity);
    result.uidValidityChanged = start.changed;
    if (start.changed) warnUidValidityChanged(mailbox, uidValidity);

    await fileAwayProcessed({ client, mailbox, upToUid: start.lastUid });
    const pending = await newUids(client, start.lastUid);
    const batch = pending.slice(0, options.batchSize ?? defaultBatchSize);
    result.hasMore = pending.length > batch.length;

    await fileBatch({ client, mailbox, deps, uidValidity, batch, result });

    // The whole batch is filed before the position moves: a crash re-reads at most one batch,
    // which intake answers as duplicates.
    const lastUid = Math.max(start.lastUid, ...batch);
    if (start.changed || batch.length > 0) {
      const position = { mailboxId: mailbox.id, uidValidity, lastUid };
      await recordMailboxPosition(deps.orm.em.fork(), position);
    }
    await fileAwayProcessed({ client, mailbox, upToUid: lastUid });
  } finally {
    lock.release();
  }

  if (result.fetched > 0) log.info('mailbox polled', { mailboxId: mailbox.id, ...result });
  return result;
}

/** Fetches a batch and files its mails several at a time, replies after what they answer. */
async function fileBatch(options: {
  client: ImapFlow;
  mailbox: Mailbox;
  deps: MailActivityDeps;
  uidValidity: bigint;
  batch: number[];
  result: PollMailboxResult;
}): Promise<void> {
  const { client, mailbox, deps, uidValidity, batch, result } = options;
  if (batch.length === 0) return;

  const query = { uid: true, source: true, internalDate: true } as const;
  const messages = await client.fetchAll(batch, query, { uid: true });
  const ordered = await withMissingRefetched({ client, batch, messages });
  result.fetched = ordered.length;

  const outcomes = await runInDependencyOrder({
    dependencies: batchDependencies(ordered.map((m) => m.source!)),
    concurrency: deps.concurrency ?? defaultConcurrency,
    work: async (index) => {
      const message = ordered[index]!;
      const outcome = await fileOne({ deps, mailbox, uidValidity, message });
      Context.current().heartbeat({ uid: message.uid });
      return outcome;
    },
  });
  for (const outcome of outcomes) tally(result, outcome);
}

function warnUidValidityChanged(mailbox: Mailbox, uidValidity: bigint): void {
  log.warn('mailbox UIDVALIDITY changed; re-scanning the folder', {
    mailboxId: mailbox.id,
    from: mailbox.uidValidity?.toString() ?? null,
    to: uidValidity.toString(),
  });
}

function currentUidValidity(client: ImapFlow): bigint {
  const opened = client.mailbox;
  if (!opened) throw new Error('the IMAP server opened no folder');
  return BigInt(opened.uidValidity);
}

/** Under a new UIDVALIDITY every UID means another mail: start again from the first. */
function startingUid(mailbox: Mailbox, uidValidity: bigint): { lastUid: number; changed: boolean } {
  if (mailbox.uidValidity === null) return { lastUid: 0, changed: false };
  if (mailbox.uidValidity !== uidValidity) return { lastUid: 0, changed: true };
  return { lastUid: mailbox.lastUid, changed: false };
}

type FetchedMail = { uid: number; source?: Buffer; internalDate?: Date | string };

/**
 * A mail the bulk fetch did not return (another client expunged it meanwhile, or the server
 * skipped it) is asked for once more on its own; one that is still missing is logged with its
 * UID, never silently passed over, and stays on the server (filed away with its batch).
 */
async function withMissingRefetched(options: {
  client: ImapFlow;
  batch: number[];
  messages: FetchedMail[];
}): Promise<FetchedMail[]> {
  const byUid = new Map(options.messages.filter((m) => m.source).map((m) => [m.uid, m]));

  for (const uid of options.batch.filter((candidate) => !byUid.has(candidate))) {
    const query = { uid: true, source: true, internalDate: true } as const;
    const again = await options.client.fetchOne(String(uid), query, { uid: true });
    if (again && again.source) byUid.set(uid, again);
    else log.warn('mail not returned by the IMAP server; not filed', { uid });
  }
  return [...byUid.values()].sort((a, b) => a.uid - b.uid);
}

/** UIDs above `lastUid`; `n:*` also answers the last mail when none is newer, so filter. */
async function newUids(client: ImapFlow, lastUid: number): Promise<number[]> {
  const found = await client.search({ uid: `${lastUid + 1}:*` }, { uid: true });
  return (found || []).filter((uid) => uid > lastUid).sort((a, b) => a - b);
}

async function ensureFolder(client: ImapFlow, folder: string): Promise<void> {
  const folders = await client.list();
  if (folders.some((entry) => entry.path === folder)) return;
  await client.mailboxCreate(folder);
}

/** Marks filed mail \Seen and moves it to the processed folder; safe to repeat. */
async function fileAwayProcessed(options: {
  client: ImapFlow;
  mailbox: Mailbox;
  upToUid: number;
}): Promise<void> {
  if (options.upToUid < 1) return;

  const range = `1:${options.upToUid}`;
  const present = await options.client.search({ uid: range }, { uid: true });
  const uids = (present || []).filter((uid) => uid <= options.upToUid);
  if (uids.length === 0) return;

  await options.client.messageFlagsAdd(uids, ['\\Seen'], { uid: true });
  await options.client.messageMove(uids, options.mailbox.processedFolder, { uid: true });
}

type Outcome = EmailIngestResult & { bounces: number; acknowledged: boolean };

async function fileOne(options: {
  deps: MailActivityDeps;
  mailbox: Mailbox;
  uidValidity: bigint;
  message: { uid: number; source?: Buffer; internalDate?: Date | string };
}): Promise<Outcome> {
  const { deps, mailbox, message } = options;
  const raw = message.source!;
  const source = `imap://${mailbox.address}/${mailbox.folder};UIDVALIDITY=${options.uidValidity};UID=${message.uid}`;

  const limit = deps.maxMessageBytes ?? defaultMaxMessageBytes;
  if (raw.length > limit)
    return {
      ...(await rejectOversized({ deps, raw, source, limit })),
      bounces: 0,
      acknowledged: false,
    };

  const receivedAt = message.internalDate ? new Date(message.internalDate) : undefined;
  const result = await ingestRawEmail(
    { raw, mailbox: mailbox.address, source, receivedAt },
    { orm: deps.orm, intake: deps.intake, blobs: deps.blobs, log: deps.log },
  );

  // The status and the note on the ticket change together.
  const bounced = result.automated
    ? await deps.orm.em.fork().transactional((em) => recordBounce(em, raw))
    : [];
  // A mail re-read after a crash is a duplicate; if it opened its ticket, the ack may still be owed.
  const mayOpen = result.outcome === 'created' || result.outcome === 'duplicate';
  const acknowledged =
    mayOpen && !result.automated
      ? (
          await acknowledgeEmailTicket(deps.orm, {
            ticketId: result.ticketId!,
            mailbox,
            onlyIfOpenedBy: result.outcome === 'duplicate' ? sha256Of(raw) : undefined,
          })
        ).sent
      : false;
  return { ...result, bounces: bounced.length, acknowledged };
}

/** Keeps the bytes and says why, in the same place every other rejected mail is listed. */
async function rejectOversized(options: {
  deps: MailActivityDeps;
  raw: Buffer;
  source: string;
  limit: number;
}): Promise<EmailIngestResult> {
  const { deps, raw, source, limit } = options;
  const blob = await deps.blobs.put(raw);
  const reason =
    `the mail is ${megabytes(raw.length)} MB, over the ${megabytes(limit)} MB limit for one mail; ` +
    `its raw bytes are kept as blob ${blob.key}`;

  await deps.orm.em.fork().execute(
    `insert into rejected_input (source, raw_blob_key, reason)
     select ?, ?, ?
     where not exists (select 1 from rejected_input where source = ? and raw_blob_key = ?)`,
    [source, blob.key, reason, source, blob.key],
  );
  log.warn('email rejected: too large', { source, bytes: raw.length, limit });
  return { outcome: 'rejected', reason, automated: false, problems: [] };
}

/** The blob store's key of these bytes (content-addressed by SHA-256). */
function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function megabytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

function tally(result: PollMailboxResult, outcome: Outcome): void {
  if (outcome.outcome === 'created') result.created += 1;
  if (outcome.outcome === 'appended') result.appended += 1;
  if (outcome.outcome === 'duplicate') result.duplicates += 1;
  if (outcome.outcome === 'rejected') result.rejected += 1;
  if (outcome.automated) result.automated += 1;
  result.bounces += outcome.bounces;
  if (outcome.acknowledged) result.acknowledged += 1;
}

function emptyResult(): PollMailboxResult {
  return {
    mailboxGone: false,
    fetched: 0,
    created: 0,
    appended: 0,
    duplicates: 0,
    rejected: 0,
    automated: 0,
    bounces: 0,
    acknowledged: 0,
    hasMore: false,
    uidValidityChanged: false,
  };
}
