// Agents' public replies on contact-form tickets (channel `web`) go to the address the customer
// gave in the form: the mail channel mails the replies of email tickets from its activity, and
// this relay does the same for web tickets, through the same function and outbox key
// (channels/email/outbound/ticket-mail.ts, `reply:message-<id>`), so a reply is mailed once
// however many server processes run it. Woken by every ticket change and a slow sweep.
// Tests: tests/channels/web-form-contact.test.ts.
import type { Logger } from 'pino';
import type { TicketChangeFeed } from '../../api/ticket-change-feed.ts';
import type { EntityManager, Orm } from '../../db/orm.ts';
import { mailTicketMessage, type TicketMailSkipped } from '../email/outbound/ticket-mail.ts';
import { startChangeSweeper } from '../change-sweeper.ts';

/** Enqueues one reply's mail, or says why it cannot be sent; tests hand in another sender. */
export type MailReply = (
  em: EntityManager,
  reply: { ticketId: number; messageId: number },
) => Promise<unknown>;

const mailThroughTicketMail: MailReply = (em, reply) =>
  mailTicketMessage(em, { ...reply, kind: 'reply' });

export interface WebFormReplyMailer {
  /** Mails every reply not yet in the outbox; answers how many were enqueued. */
  sweep(): Promise<number>;
  stop(): void;
}

type Row = Record<string, unknown>;

const batchSize = 100;
/** A reply not mailed within a week (the server was down that long) is left alone. */
const mailForDays = 7;

/** Starts relaying replies on web tickets to the outbox; `stop` ends it. */
export function startWebFormReplyMailer(options: {
  orm: Orm;
  feed: TicketChangeFeed;
  log: Logger;
  sweepEveryMs?: number;
  mailReply?: MailReply;
}): WebFormReplyMailer {
  // Replies that can never be mailed (no mailbox to send from) are reported once per process.
  const reported = new Set<number>();
  return startChangeSweeper({
    feed: options.feed,
    log: options.log,
    everyMs: options.sweepEveryMs ?? 30_000,
    failure: 'contact-form replies not mailed',
    sweepOnce: () => mailNewReplies(options, reported),
  });
}

async function mailNewReplies(
  options: { orm: Orm; log: Logger; mailReply?: MailReply },
  reported: Set<number>,
): Promise<number> {
  const rows: Row[] = await options.orm.em.fork().execute(
    `select m.id, m.ticket_id from message m
     where m.kind = 'public_reply' and m.channel = 'web'
       and m.created_at > now() - make_interval(days => ?)
       and not exists (select 1 from outbound_mail o where o.message_row_id = m.id)
     order by m.id limit ?`,
    [mailForDays, batchSize],
  );

  let mailed = 0;
  for (const row of rows) {
    const reply = { ticketId: Number(row.ticket_id), messageId: Number(row.id) };
    if (reported.has(reply.messageId)) continue;
    const mail = options.mailReply ?? mailThroughTicketMail;
    const outcome = await mail(options.orm.em.fork(), reply);
    if (isSkipped(outcome)) {
      reported.add(reply.messageId);
      options.log.warn({ ...reply, skipped: outcome.skipped }, 'contact-form reply not mailed');
      continue;
    }
    mailed += 1;
    options.log.info(reply, 'contact-form reply mailed');
  }
  return mailed;
}

function isSkipped(outcome: unknown): outcome is TicketMailSkipped {
  return typeof outcome === 'object' && outcome !== null && 'skipped' in outcome;
}
