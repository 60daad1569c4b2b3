// When a chat customer has left (their page closed, or no stream open for `awayAfterMs`), an
// agent's public reply that they have not seen live is mailed to the address they gave, so
// the conversation goes on by email. Woken by every ticket change (the same LISTEN feed the
// live views use) and by a slow sweep for customers who left after the reply. A reply is
// delivered once, live or by mail: chat_delivery's primary key decides, in the transaction
// that enqueues the mail, so any number of server processes may run this at once.
// Tests: tests/channels/chat-*.test.ts.
import type { Logger } from 'pino';
import type { Orm } from '../../db/orm.ts';
import type { TicketChangeFeed } from '../../api/ticket-change-feed.ts';
import { isUnsendableMail, type EnqueueMail } from '../acknowledgement/outbound-mail.ts';
import { startChangeSweeper } from '../change-sweeper.ts';

export interface ChatAwayMailerOptions {
  orm: Orm;
  feed: TicketChangeFeed;
  enqueueMail: EnqueueMail;
  log: Logger;
  awayAfterMs: number;
}

export interface ChatAwayMailer {
  /** Mails every reply owed to a customer who has left; answers how many were enqueued. */
  sweep(): Promise<number>;
  stop(): void;
}

type Row = Record<string, unknown>;

const batchSize = 100;
/** A reply not mailed within a week (the server was down that long) is left to the history. */
const owedForDays = 7;

/** Starts listening and sweeping; `stop` ends both. */
export function startChatAwayMailer(options: ChatAwayMailerOptions): ChatAwayMailer {
  // Replies that cannot be mailed (no mailbox to send from) are reported once per process.
  const reported = new Set<number>();
  return startChangeSweeper({
    feed: options.feed,
    log: options.log,
    everyMs: Math.max(250, options.awayAfterMs / 2),
    failure: 'chat replies not mailed',
    sweepOnce: () => mailOwedReplies(options, reported),
  });
}

async function mailOwedReplies(
  options: ChatAwayMailerOptions,
  reported: Set<number>,
): Promise<number> {
  const owed = await findOwedReplies(options);
  let mailed = 0;
  for (const reply of owed) {
    if (reported.has(reply.messageId)) continue;
    try {
      if (await mailOnce(options, reply)) mailed += 1;
    } catch (error) {
      // No mailbox to send from: the reply waits in the chat's history; a restart after an
      // operator has configured a mailbox mails it.
      if (!isUnsendableMail(error)) throw error;
      reported.add(reply.messageId);
      options.log.warn(
        { ticketId: reply.ticketId, messageId: reply.messageId, err: error },
        'chat reply not mailed: it cannot be sent as asked',
      );
    }
  }
  return mailed;
}

interface OwedReply {
  messageId: number;
  ticketId: number;
  email: string;
  name: string;
  text: string;
  subject: string;
}

async function findOwedReplies(options: ChatAwayMailerOptions): Promise<OwedReply[]> {
  // Read through the partial index on chat replies (migration 2026-12-05d2): only replies
  // of the last week are looked at, so the sweep stays cheap however many chats there were.
  const rows: Row[] = await options.orm.em.fork().execute(
    `select m.id, m.ticket_id, m.text, c.email, c.name, coalesce(t.subject, 'Your chat') as subject
     from message m
     join chat_conversation c on c.ticket_id = m.ticket_id
     left join chat_delivery d on d.message_id = m.id
     left join ticket t on t.id = m.ticket_id
     where m.kind = 'public_reply' and m.channel = 'chat'
       and m.created_at > now() - make_interval(days => ?)
       and d.message_id is null and c.email is not null
       and c.last_seen_at < now() - make_interval(secs => ?)
       and not exists (select 1 from outbound_mail o where o.message_row_id = m.id)
     order by m.id limit ?`,
    [owedForDays, options.awayAfterMs / 1000, batchSize],
  );
  return rows.map((row) => ({
    messageId: Number(row.id),
    ticketId: Number(row.ticket_id),
    email: String(row.email),
    name: String(row.name),
    text: String(row.text),
    subject: String(row.subject),
  }));
}

async function mailOnce(options: ChatAwayMailerOptions, reply: OwedReply): Promise<boolean> {
  const claimed = await options.orm.em.fork().transactional(async (em) => {
    const rows: Row[] = await em.execute(
      `insert into chat_delivery (message_id, ticket_id, via) values (?, ?, 'email')
       on conflict (message_id) do nothing returning message_id`,
      [reply.messageId, reply.ticketId],
    );
    if (rows.length === 0) return false;

    await options.enqueueMail(em, {
      ticketId: reply.ticketId,
      kind: 'reply',
      to: [reply.email],
      subject: reply.subject,
      text: `${reply.text}\n\n— You left our chat, so we answered by email. Reply to this mail to continue.`,
      messageId: reply.messageId,
      dedupeKey: `chat-reply:${reply.messageId}`,
    });
    return true;
  });
  if (claimed) {
    options.log.info(
      { ticketId: reply.ticketId, messageId: reply.messageId },
      'chat reply mailed to a customer who left',
    );
  }
  return claimed;
}
