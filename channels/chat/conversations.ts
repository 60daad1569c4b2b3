// The chat channel: a customer's conversation with us, held by an unguessable token that only
// the customer's browser knows (we keep its SHA-256). The first message opens a ticket through
// the intake (channel `chat`); later ones join it. What the customer may see of the ticket is
// decided here and only here: their own messages, agents' public replies and system messages
// (acknowledgement, reminders) — never internal notes, never agents' data beyond a first name.
// Tests: tests/channels/chat-*.test.ts.
import { createHash, randomBytes } from 'node:crypto';
import {
  plainInboundMessage,
  type Intake,
  type IntakeOutcome,
  type InboundMessage,
} from '../intake.ts';
import type { EntityManager } from '../../db/orm.ts';
import { Channel, MessageKind } from '../../workflows/ticket/vocabulary.ts';

export interface ChatConversation {
  id: number;
  ticketId: number;
  requesterId: number;
  name: string;
  email: string | null;
  lastSeenAt: Date;
}

/** One entry of the conversation as the customer sees it. */
export interface ChatEntry {
  id: number;
  from: 'customer' | 'agent' | 'system';
  /** The agent's first name for agent replies; null otherwise. */
  authorName: string | null;
  text: string;
  at: string;
}

export interface StartedChat {
  token: string;
  conversation: ChatConversation;
  outcome: IntakeOutcome;
}

type Row = Record<string, unknown>;

const subjectLength = 80;

/** A fresh conversation token: 32 random bytes, URL-safe. */
export function newChatToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What we store and look tokens up by; the token itself is never stored. */
export function hashChatToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Opens a ticket from the customer's first message and the conversation that holds it. A retry
 * with the same client id lands on the same ticket and hands out a new token (the old one stops
 * working), because the first token was never stored and cannot be given again.
 */
export async function startChat(
  deps: { intake: Intake; em: () => EntityManager },
  start: { name: string; email: string | null; text: string; clientId: string },
): Promise<StartedChat> {
  const outcome = await deps.intake.accept(
    chatMessage({
      key: `chat:start:${start.clientId}`,
      name: start.name,
      email: start.email,
      text: start.text,
      subject: subjectOf(start.text),
      appendToTicketId: null,
    }),
  );

  const token = newChatToken();
  const rows: Row[] = await deps.em().execute(
    `insert into chat_conversation (token_hash, ticket_id, requester_id, name, email)
     select ?, ?, requester_id, ?, ? from message where id = ?
     on conflict (ticket_id) do update set token_hash = excluded.token_hash, last_seen_at = now()
     returning id`,
    [hashChatToken(token), outcome.ticketId, start.name, start.email, outcome.messageId],
  );
  const conversation = await findChatById(deps.em(), Number(rows[0]!.id));
  return { token, conversation: conversation!, outcome };
}

/** Adds a customer's message to their conversation's ticket, once per client message id. */
export async function postChatMessage(
  deps: { intake: Intake; em: () => EntityManager },
  options: { conversation: ChatConversation; text: string; clientMessageId: string },
): Promise<IntakeOutcome> {
  const { conversation } = options;
  const outcome = await deps.intake.accept(
    chatMessage({
      key: `chat:${conversation.id}:${options.clientMessageId}`,
      name: conversation.name,
      email: conversation.email,
      text: options.text,
      subject: subjectOf(options.text),
      appendToTicketId: conversation.ticketId,
    }),
  );

  // The ticket was closed, so intake opened a follow-up one: the chat continues there.
  if (outcome.ticketId !== conversation.ticketId) {
    await deps
      .em()
      .execute('update chat_conversation set ticket_id = ? where id = ?', [
        outcome.ticketId,
        conversation.id,
      ]);
  }
  await markSeen(deps.em(), conversation.id);
  return outcome;
}

/** The conversation a token opens, or null for an unknown token. */
export async function findChatByToken(
  em: EntityManager,
  token: string,
): Promise<ChatConversation | null> {
  const rows: Row[] = await em.execute(
    `select id, ticket_id, requester_id, name, email, last_seen_at from chat_conversation
     where token_hash = ?`,
    [hashChatToken(token)],
  );
  return rows[0] === undefined ? null : toConversation(rows[0]);
}

async function findChatById(em: EntityManager, id: number): Promise<ChatConversation | null> {
  const rows: Row[] = await em.execute(
    `select id, ticket_id, requester_id, name, email, last_seen_at from chat_conversation
     where id = ?`,
    [id],
  );
  return rows[0] === undefined ? null : toConversation(rows[0]);
}

/**
 * The entries the customer may see, after `afterId`, oldest first. A whitelist of kinds, so an
 * internal note — or any kind added later — never reaches a customer by default.
 */
export async function listChatEntries(
  em: EntityManager,
  options: { ticketId: number; afterId?: number },
): Promise<ChatEntry[]> {
  const rows: Row[] = await em.execute(
    `select m.id, m.kind, m.author_kind, m.text, m.created_at, a.name as agent_name
     from message m left join agent a on a.id = m.agent_id
     where m.ticket_id = ? and m.id > ? and m.kind in (?, ?, ?)
     order by m.id`,
    [
      options.ticketId,
      options.afterId ?? 0,
      MessageKind.Inbound,
      MessageKind.PublicReply,
      MessageKind.Automated,
    ],
  );
  return rows.map(toEntry);
}

/** The customer is here now: their open stream or their message keeps the chat live. */
export async function markSeen(em: EntityManager, conversationId: number): Promise<void> {
  await em.execute('update chat_conversation set last_seen_at = now() where id = ?', [
    conversationId,
  ]);
}

/** The customer closed the page: replies from now on go by email, without waiting. */
export async function markLeft(
  em: EntityManager,
  options: { conversationId: number; awayAfterMs: number },
): Promise<void> {
  await em.execute(
    `update chat_conversation set last_seen_at = now() - make_interval(secs => ?)
     where id = ?`,
    [options.awayAfterMs / 1000 + 1, options.conversationId],
  );
}

/** Records that agent replies were shown live, so they are not mailed as well. */
export async function markDeliveredLive(
  em: EntityManager,
  options: { ticketId: number; messageIds: number[] },
): Promise<void> {
  for (const messageId of options.messageIds) {
    await em.execute(
      `insert into chat_delivery (message_id, ticket_id, via) values (?, ?, 'live')
       on conflict (message_id) do nothing`,
      [messageId, options.ticketId],
    );
  }
}

function chatMessage(options: {
  key: string;
  name: string;
  email: string | null;
  text: string;
  subject: string;
  appendToTicketId: number | null;
}): InboundMessage {
  return plainInboundMessage({
    channel: Channel.Chat,
    idempotencyKey: options.key,
    requester: { email: options.email, name: options.name },
    subject: options.subject,
    text: options.text,
    appendToTicketId: options.appendToTicketId,
  });
}

/** The ticket's subject: the first line of the first message, shortened. */
function subjectOf(text: string): string {
  const firstLine = text.trim().split('\n')[0]!.trim();
  const short =
    firstLine.length > subjectLength ? `${firstLine.slice(0, subjectLength - 1)}…` : firstLine;
  return `Chat: ${short}`;
}

function toConversation(row: Row): ChatConversation {
  return {
    id: Number(row.id),
    ticketId: Number(row.ticket_id),
    requesterId: Number(row.requester_id),
    name: String(row.name),
    email: (row.email as string | null) ?? null,
    lastSeenAt: new Date(row.last_seen_at as string),
  };
}

function toEntry(row: Row): ChatEntry {
  const from =
    row.kind === MessageKind.PublicReply
      ? 'agent'
      : row.author_kind === 'requester'
        ? 'customer'
        : 'system';
  const agentName = typeof row.agent_name === 'string' ? row.agent_name.split(/\s+/)[0]! : null;
  return {
    id: Number(row.id),
    from,
    authorName: from === 'agent' ? agentName : null,
    text: String(row.text),
    at: new Date(row.created_at as string).toISOString(),
  };
}
