// Mail that the ticket workflow's own activities owe the requester of an email ticket: an
// agent's public reply and a follow-up reminder. Called by activities/ticket-activities.ts
// right after it stores the message row; the outbox key is that row's id, so a retried
// activity enqueues nothing new. The mail answers the customer's newest mail (In-Reply-To,
// References), carries the ticket tag and the reply's attachments, and leaves by the mailbox
// the ticket came in by. Tests: tests/e2e/mail-round-trip.test.ts.
import { log } from '@temporalio/activity';
import type { EntityManager } from '../../../db/orm.ts';
import { normaliseSubject } from '../subject.ts';
import { enqueueOutboundMail, OutboundMailError, type EnqueuedMail } from './outbox.ts';

/** Why a ticket's message was not mailed, when it was not. */
export type TicketMailSkipped = { skipped: 'no-requester-address' | 'unsendable'; detail: string };

type Row = Record<string, unknown>;

/**
 * Enqueues the mail carrying one of our stored messages on an email ticket to its requester.
 * Answers what was skipped, instead of throwing, when there is no address or no mailbox to
 * send from: the reply is stored and shown either way, and retrying could never send it.
 */
export async function mailTicketMessage(
  em: EntityManager,
  options: { ticketId: number; messageId: number; kind: 'reply' | 'reminder' },
): Promise<EnqueuedMail | TicketMailSkipped> {
  const requester = await requesterOf(em, options.ticketId);
  const text = await textOf(em, options.messageId);
  if (requester === null) {
    return { skipped: 'no-requester-address', detail: 'the requester has no email address' };
  }

  try {
    return await enqueueOutboundMail(em, {
      ticketId: options.ticketId,
      kind: options.kind,
      to: [requester.email],
      subject: `Re: ${normaliseSubject(requester.subject) || 'your request'}`,
      text,
      messageId: options.messageId,
      dedupeKey: `${options.kind}:message-${options.messageId}`,
    });
  } catch (error) {
    if (!(error instanceof OutboundMailError)) throw error;
    return { skipped: 'unsendable', detail: error.message };
  }
}

/**
 * The hook for the ticket activities: mails the stored message when the ticket's channel is
 * email, and logs what happened (never the address or the text).
 */
export async function mailEmailTicketMessage(
  em: EntityManager,
  options: { ticketId: number; messageId: number; kind: 'reply' | 'reminder'; channel: string },
): Promise<void> {
  if (options.channel !== 'email') return;

  const outcome = await mailTicketMessage(em, options);
  if ('skipped' in outcome) {
    log.warn('ticket message not mailed', { ticketId: options.ticketId, ...outcome });
    return;
  }
  log.info('ticket message mail enqueued', {
    ticketId: options.ticketId,
    kind: options.kind,
    outboundMailId: outcome.outboundMailId,
    duplicate: outcome.duplicate,
  });
}

async function textOf(em: EntityManager, messageId: number): Promise<string> {
  const rows: Row[] = await em.execute('select text from message where id = ?', [messageId]);
  return String(rows[0]?.text ?? '');
}

/** The address and subject of the customer's first mail on the ticket. */
async function requesterOf(em: EntityManager, ticketId: number) {
  const rows: Row[] = await em.execute(
    `select r.email, m.subject from message m join requester r on r.id = m.requester_id
     where m.ticket_id = ? and m.kind = 'inbound' and r.email is not null
     order by m.id limit 1`,
    [ticketId],
  );
  const row = rows[0];
  if (!row || typeof row.email !== 'string' || !row.email.includes('@')) return null;
  return { email: row.email, subject: String(row.subject ?? '') };
}
