// The email channel's auto-acknowledgement: when a person's mail opens a ticket, they get one
// mail saying it arrived, with the ticket number and tag, from the `email` row of
// acknowledgement_template. Never to automated mail (auto-replies, bounces: the ticket's first
// message carries its automated reason), at most N per sender per hour per mailbox (the
// mailbox's acknowledgements_per_sender_per_hour), once per ticket (acknowledgement_sent).
// The acknowledgement is stored as the system's automated message and takes the mail's
// Message-ID, so an auto-responder answering it is recognised as a machine (C13) and a
// person answering it threads into the ticket. Tests: tests/channels/mail-imap-intake.test.ts.
import type { EntityManager, Orm } from '../../db/orm.ts';
import { renderAcknowledgement } from '../acknowledgement/acknowledge.ts';
import { MessageKind } from '../../workflows/ticket/vocabulary.ts';
import type { Mailbox } from './mailboxes.ts';
import { enqueueOutboundMail } from './outbound/outbox.ts';

/** What happened to the acknowledgement of one new ticket. */
export type EmailAcknowledgement =
  | { sent: true; outboundMailId: number }
  | {
      sent: false;
      reason: 'automated' | 'no-address' | 'rate-limited' | 'no-template' | 'already';
    };

type Row = Record<string, unknown>;

/** Acknowledges a ticket that an email just opened, in one transaction with its outbox row. */
export async function acknowledgeEmailTicket(
  orm: Orm,
  options: {
    ticketId: number;
    mailbox: Mailbox;
    /** Acknowledge only if the ticket's first mail has these raw bytes (a re-read after a crash). */
    onlyIfOpenedBy?: string;
  },
): Promise<EmailAcknowledgement> {
  return orm.em.fork().transactional(async (em) => {
    const first = await firstMessage(em, options.ticketId);
    if (first === null || first.automated) return { sent: false, reason: 'automated' };
    const isOpener =
      options.onlyIfOpenedBy === undefined || first.rawBlobKey === options.onlyIfOpenedBy;
    if (!isOpener) return { sent: false, reason: 'already' };
    if (first.email === null) return { sent: false, reason: 'no-address' };

    const template = await emailTemplate(em);
    if (template === null) return { sent: false, reason: 'no-template' };
    // One sender's mails are filed several at a time: count and claim under one lock each.
    await em.execute('select pg_advisory_xact_lock(hashtext(?))', [
      `acknowledgement:${options.mailbox.address}:${first.email.toLowerCase()}`,
    ]);
    if (await isOverRateLimit(em, { mailbox: options.mailbox, email: first.email })) {
      return { sent: false, reason: 'rate-limited' };
    }
    if (!(await claim(em, options.ticketId))) return { sent: false, reason: 'already' };

    const values = {
      requesterName: first.name,
      ticketId: options.ticketId,
      subject: first.subject,
    };
    const text = renderAcknowledgement(template.body, values);
    const messageId = await storeAcknowledgement(em, options.ticketId, text);
    const enqueued = await enqueueOutboundMail(em, {
      ticketId: options.ticketId,
      kind: 'acknowledgement',
      to: [first.email],
      subject: renderAcknowledgement(template.subject, values),
      text,
      inReplyToMessageId: first.id,
      messageId,
      from: options.mailbox.address,
      dedupeKey: `acknowledgement:${options.ticketId}`,
    });
    return { sent: true, outboundMailId: enqueued.outboundMailId };
  });
}

async function firstMessage(em: EntityManager, ticketId: number) {
  const rows: Row[] = await em.execute(
    `select m.id, m.subject, m.automated_reason, m.raw_blob_key, r.email, r.name from message m
     left join requester r on r.id = m.requester_id
     where m.ticket_id = ? and m.kind = 'inbound' order by m.id limit 1`,
    [ticketId],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    id: Number(row.id),
    subject: String(row.subject ?? ''),
    automated: row.automated_reason !== null,
    rawBlobKey: row.raw_blob_key === null ? null : String(row.raw_blob_key),
    email: typeof row.email === 'string' && row.email.includes('@') ? row.email : null,
    name: typeof row.name === 'string' ? row.name : null,
  };
}

async function emailTemplate(em: EntityManager) {
  const rows: Row[] = await em.execute(
    `select subject, body from acknowledgement_template where channel = 'email' and enabled`,
  );
  const row = rows[0];
  return row ? { subject: String(row.subject), body: String(row.body) } : null;
}

/** A sender who opens many tickets (or a loop we failed to spot) gets a few acks, not a flood. */
async function isOverRateLimit(
  em: EntityManager,
  options: { mailbox: Mailbox; email: string },
): Promise<boolean> {
  const rows: Row[] = await em.execute(
    `select count(*) as n from outbound_mail
     where kind = 'acknowledgement' and from_address = ? and lower(to_addresses ->> 0) = lower(?)
       and created_at > now() - interval '1 hour'`,
    [options.mailbox.address, options.email],
  );
  return Number(rows[0]?.n ?? 0) >= options.mailbox.acknowledgementsPerSenderPerHour;
}

async function claim(em: EntityManager, ticketId: number): Promise<boolean> {
  const rows: Row[] = await em.execute(
    `insert into acknowledgement_sent (ticket_id, channel, sent_via) values (?, 'email', 'email')
     on conflict (ticket_id) do nothing returning ticket_id`,
    [ticketId],
  );
  return rows.length > 0;
}

async function storeAcknowledgement(
  em: EntityManager,
  ticketId: number,
  text: string,
): Promise<number> {
  const rows: Row[] = await em.execute(
    `insert into message (ticket_id, kind, channel, author_kind, text, idempotency_key, created_at)
     values (?, ?, 'email', 'system', ?, ?, now())
     returning id`,
    [ticketId, MessageKind.Automated, text, `acknowledgement:${ticketId}`],
  );
  return Number(rows[0]!.id);
}
