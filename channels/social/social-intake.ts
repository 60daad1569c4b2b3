// Social and messaging platforms into tickets: one verified webhook message becomes one
// message on one ticket. The message is keyed by the platform's message id, so a replayed or
// retried call is the same message again; it threads by the platform's conversation id
// (social_thread): the same conversation lands on the same ticket while that ticket is not
// closed, and opens a new ticket linked to the previous one after it is. The sender's social
// id, phone and email become the requester's identities (channels/identity), so the same person
// writing by mail is one requester. Tests: tests/channels/social-*.test.ts.
import type { EntityManager } from '../../db/orm.ts';
import { IdentityKind, socialIdentityKind, type Identity } from '../identity/identities.ts';
import { plainInboundMessage, type Intake, type IntakeOutcome } from '../intake.ts';
import { Channel, TicketStatus } from '../../workflows/ticket/vocabulary.ts';

/** The documented body of POST /api/channels/social/:platform/messages (docs/channels.md). */
export interface SocialMessage {
  conversationId: string;
  messageId: string;
  sender: {
    id: string;
    name?: string;
    handle?: string;
    phone?: string;
    email?: string;
  };
  text: string;
  sentAt: string;
  attachments?: { url: string; name?: string; contentType?: string }[];
}

export interface SocialIntakeOutcome extends IntakeOutcome {
  /** The closed ticket this conversation was on before, when this message opened a new one. */
  previousTicketId: number | null;
}

type Row = Record<string, unknown>;

const subjectLength = 80;

/** Stores the message once on its conversation's ticket (or a new one) and records the thread. */
export async function acceptSocialMessage(
  deps: { intake: Intake; em: () => EntityManager },
  options: { platform: string; message: SocialMessage },
): Promise<SocialIntakeOutcome> {
  const { platform, message } = options;
  const thread = await latestThread(deps.em(), platform, message.conversationId);
  const appendTo = thread !== null && !thread.closed ? thread.ticketId : null;

  const outcome = await deps.intake.accept(
    plainInboundMessage({
      channel: Channel.Social,
      idempotencyKey: `social:${platform}:${message.messageId}`,
      requester: {
        email: message.sender.email ?? null,
        name: message.sender.name ?? message.sender.handle ?? null,
        identities: identitiesOf(platform, message.sender),
      },
      subject: subjectOf(platform, message),
      text: textOf(message),
      html: null,
      receivedAt: new Date(message.sentAt),
      appendToTicketId: appendTo,
      // The platform's message id is the key; a retry with other text is the same message.
      refuseChangedContentOnRetry: false,
    }),
  );

  // Intake also opens a new ticket when the one we appended to ended meanwhile: link it too.
  const linked = outcome.createdTicket ? (thread?.ticketId ?? null) : null;
  await recordThread(deps.em(), {
    platform,
    conversationId: message.conversationId,
    ticketId: outcome.ticketId,
    previousTicketId: linked === outcome.ticketId ? null : linked,
  });
  return { ...outcome, previousTicketId: linked === outcome.ticketId ? null : linked };
}

/** The tickets a platform conversation has been on, newest first. */
export async function listThreadTickets(
  em: EntityManager,
  options: { platform: string; conversationId: string },
): Promise<{ ticketId: number; previousTicketId: number | null }[]> {
  const rows: Row[] = await em.execute(
    `select ticket_id, previous_ticket_id from social_thread
     where platform = ? and conversation_id = ? order by created_at desc, ticket_id desc`,
    [options.platform, options.conversationId],
  );
  return rows.map((row) => ({
    ticketId: Number(row.ticket_id),
    previousTicketId: row.previous_ticket_id === null ? null : Number(row.previous_ticket_id),
  }));
}

async function latestThread(
  em: EntityManager,
  platform: string,
  conversationId: string,
): Promise<{ ticketId: number; closed: boolean } | null> {
  const rows: Row[] = await em.execute(
    `select s.ticket_id, t.status from social_thread s left join ticket t on t.id = s.ticket_id
     where s.platform = ? and s.conversation_id = ?
     order by s.created_at desc, s.ticket_id desc limit 1`,
    [platform, conversationId],
  );
  const row = rows[0];
  if (row === undefined) return null;
  // A ticket not yet projected is brand new, so open.
  return { ticketId: Number(row.ticket_id), closed: row.status === TicketStatus.Closed };
}

async function recordThread(
  em: EntityManager,
  thread: {
    platform: string;
    conversationId: string;
    ticketId: number;
    previousTicketId: number | null;
  },
): Promise<void> {
  await em.execute(
    `insert into social_thread (platform, conversation_id, ticket_id, previous_ticket_id)
     values (?, ?, ?, ?) on conflict do nothing`,
    [thread.platform, thread.conversationId, thread.ticketId, thread.previousTicketId],
  );
}

function identitiesOf(platform: string, sender: SocialMessage['sender']): Identity[] {
  const identities: Identity[] = [{ kind: socialIdentityKind(platform), address: sender.id }];
  if (sender.phone) identities.push({ kind: IdentityKind.Phone, address: sender.phone });
  return identities;
}

// Attachments stay on the platform: their addresses are kept as text, never fetched.
function textOf(message: SocialMessage): string {
  const links = (message.attachments ?? []).map(
    (a) => `Attachment: ${a.name ? `${a.name} ` : ''}<${a.url}>`,
  );
  return [message.text, ...links].join('\n');
}

function subjectOf(platform: string, message: SocialMessage): string {
  const firstLine = message.text.trim().split('\n')[0]!.trim();
  const short =
    firstLine.length > subjectLength ? `${firstLine.slice(0, subjectLength - 1)}…` : firstLine;
  return `${platform}: ${short}`;
}
