// Auto-acknowledgement for the chat, web-form and social channels (email's is the mail
// channel's): when a customer's first message opens a ticket, they are told it arrived and
// its number, from the channel's template in acknowledgement_template. Chat gets a message in
// the conversation; the web form gets a mail; social gets a mail when we know an address and
// a post back into the platform's conversation (recorded in social_post and sent to the
// platform's post_url when it has one: channels/social/platform-posts.ts). Each ticket is
// acknowledged at most once (acknowledgement_sent), and never for automated messages.
// Tests: tests/channels/acknowledgement-*.test.ts and the channel tests.
import type { Logger } from 'pino';
import type { EntityManager, Orm } from '../../db/orm.ts';
import { MessageKind } from '../../workflows/ticket/vocabulary.ts';
import { sendRecordedPosts } from '../social/platform-posts.ts';
import { isUnsendableMail, type EnqueueMail } from './outbound-mail.ts';

export interface AcknowledgementDeps {
  orm: Orm;
  enqueueMail: EnqueueMail;
  log: Logger;
}

export interface AcknowledgementRequest {
  ticketId: number;
  channel: 'chat' | 'web' | 'social';
  subject: string;
  requester: { name: string | null; email: string | null };
  /** Where a social acknowledgement is posted back. */
  social?: { platform: string; conversationId: string };
}

export interface Acknowledgement {
  channel: string;
  sentVia: 'chat' | 'email' | 'social_post' | 'email+social_post' | 'nothing';
  text: string;
}

interface Template {
  subject: string;
  body: string;
}

type Row = Record<string, unknown>;

/** Fills `{{requester.name}}`, `{{ticket.number}}` and `{{ticket.subject}}`; leaves others visible. */
export function renderAcknowledgement(
  template: string,
  values: { requesterName: string | null; ticketId: number; subject: string },
): string {
  const known: Record<string, string> = {
    'requester.name': values.requesterName?.trim() || 'there',
    'ticket.number': String(values.ticketId),
    'ticket.subject': values.subject,
  };
  return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (whole, name: string) => known[name] ?? whole);
}

/**
 * Acknowledges a new ticket once on its channel; answers what was sent, or null when the
 * ticket was acknowledged before or the channel's template is disabled.
 */
export async function acknowledgeNewTicket(
  deps: AcknowledgementDeps,
  request: AcknowledgementRequest,
): Promise<Acknowledgement | null> {
  const sent = await deps.orm.em.fork().transactional(async (em) => {
    const template = await loadTemplate(em, request.channel);
    if (template === null) return null;
    if (!(await claimAcknowledgement(em, request))) return null;

    const values = {
      requesterName: request.requester.name,
      ticketId: request.ticketId,
      subject: request.subject,
    };
    const text = renderAcknowledgement(template.body, values);
    const subject = renderAcknowledgement(template.subject, values);
    const sentVia = await sendOnChannel(deps, em, { request, text, subject });
    await em.execute('update acknowledgement_sent set sent_via = ? where ticket_id = ?', [
      sentVia,
      request.ticketId,
    ]);
    return { channel: request.channel, sentVia, text };
  });

  if (sent === null) return null;
  deps.log.info(
    { ticketId: request.ticketId, channel: request.channel, sentVia: sent.sentVia },
    'acknowledgement sent',
  );
  if (request.social !== undefined) {
    await sendRecordedPosts(deps, { dedupeKey: `acknowledgement:${request.ticketId}` });
  }
  return sent;
}

async function sendOnChannel(
  deps: AcknowledgementDeps,
  em: EntityManager,
  options: { request: AcknowledgementRequest; text: string; subject: string },
): Promise<Acknowledgement['sentVia']> {
  const { request, text, subject } = options;
  if (request.channel === 'chat') {
    await insertChatMessage(em, request.ticketId, text);
    return 'chat';
  }

  const mailed = await mailIfPossible(deps, em, { request, text, subject });
  if (request.social === undefined) return mailed ? 'email' : 'nothing';

  await em.execute(
    `insert into social_post (platform, conversation_id, ticket_id, text, status, dedupe_key)
     values (?, ?, ?, ?, 'recorded', ?) on conflict (dedupe_key) do nothing`,
    [
      request.social.platform,
      request.social.conversationId,
      request.ticketId,
      text,
      `acknowledgement:${request.ticketId}`,
    ],
  );
  return mailed ? 'email+social_post' : 'social_post';
}

// No address, or no mailbox to send from: the customer is not mailed, and an operator can see
// why in the log; the ticket itself is never refused for it.
async function mailIfPossible(
  deps: AcknowledgementDeps,
  em: EntityManager,
  options: { request: AcknowledgementRequest; text: string; subject: string },
): Promise<boolean> {
  const { request } = options;
  if (request.requester.email === null) return false;
  try {
    await deps.enqueueMail(em, {
      ticketId: request.ticketId,
      kind: 'acknowledgement',
      to: [request.requester.email],
      subject: options.subject,
      text: options.text,
      dedupeKey: `acknowledgement:${request.ticketId}`,
    });
    return true;
  } catch (error) {
    if (!isUnsendableMail(error)) throw error;
    deps.log.warn(
      { ticketId: request.ticketId, err: error },
      'acknowledgement not mailed: it can never be sent as asked',
    );
    return false;
  }
}

async function loadTemplate(em: EntityManager, channel: string): Promise<Template | null> {
  const rows: Row[] = await em.execute(
    'select subject, body from acknowledgement_template where channel = ? and enabled',
    [channel],
  );
  const row = rows[0];
  return row === undefined ? null : { subject: String(row.subject), body: String(row.body) };
}

async function claimAcknowledgement(
  em: EntityManager,
  request: AcknowledgementRequest,
): Promise<boolean> {
  const rows: Row[] = await em.execute(
    `insert into acknowledgement_sent (ticket_id, channel, sent_via) values (?, ?, 'pending')
     on conflict (ticket_id) do nothing returning ticket_id`,
    [request.ticketId, request.channel],
  );
  return rows.length > 0;
}

// Shown in the chat and on the agent's ticket page as a system message, never as the
// customer's or an agent's words; its key makes a retried acknowledgement one message.
async function insertChatMessage(em: EntityManager, ticketId: number, text: string) {
  await em.execute(
    `insert into message (ticket_id, kind, channel, author_kind, text, idempotency_key, created_at)
     values (?, ?, 'chat', 'system', ?, ?, now())
     on conflict (idempotency_key) do nothing`,
    [ticketId, MessageKind.Automated, text, `acknowledgement:${ticketId}`],
  );
}
