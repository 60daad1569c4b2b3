// The chat widget's public endpoints, mounted before sign-in is required: a customer starts a
// conversation (POST /chat/conversations → a ticket on the `chat` channel and a token only
// they hold), writes more (POST …/:token/messages), reads the history (GET …/:token) and
// listens (GET …/:token/stream, server-sent events) for agents' public replies as they are
// stored. The stream shows only what channels/chat/conversations.ts lets a customer see —
// never internal notes, never agents' presence or typing — and while it is open it counts as
// the customer being here; when it closes (or POST …/:token/leave), replies go by email
// (channels/chat/away-mailer.ts). Bodies are small and rate-limited per IP address and per
// conversation. Tests: tests/channels/chat-*.test.ts.
import express, { Router, type Request } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { acknowledgeNewTicket } from '../../channels/acknowledgement/acknowledge.ts';
import type { EnqueueMail } from '../../channels/acknowledgement/outbound-mail.ts';
import {
  findChatByToken,
  listChatEntries,
  markDeliveredLive,
  markLeft,
  markSeen,
  postChatMessage,
  startChat,
  type ChatConversation,
  type ChatEntry,
} from '../../channels/chat/conversations.ts';
import { IntakeKeyReusedError, type Intake } from '../../channels/intake.ts';
import { takeRateLimitedHit, type RateLimit } from '../../channels/web-form/rate-limit.ts';
import type { Orm } from '../../db/orm.ts';
import { ProblemError } from '../errors.ts';
import { rejectNulCharacters } from '../middleware/reject-control-characters.ts';
import type { TicketChangeFeed } from '../ticket-change-feed.ts';
import { parse } from '../request-input.ts';
import { refuseWhenLimited } from './contact.ts';

export interface ChatRouteDeps {
  orm: Orm;
  intake: Intake;
  feed: TicketChangeFeed;
  enqueueMail: EnqueueMail;
  log: Logger;
  options?: Partial<ChatOptions>;
}

export interface ChatOptions {
  /** A customer without an open stream for this long has left; replies then go by email. */
  awayAfterMs: number;
  /** How often an open stream records that the customer is still here. */
  heartbeatMs: number;
  startsPerIp: RateLimit;
  messagesPerConversation: RateLimit;
}

export const defaultChatOptions: ChatOptions = {
  awayAfterMs: 60_000,
  heartbeatMs: 15_000,
  startsPerIp: { limit: 10, windowSeconds: 600 },
  messagesPerConversation: { limit: 30, windowSeconds: 60 },
};

const clientId = z.string().trim().min(8).max(100);
const chatText = z.string().trim().min(1, 'please write a message').max(5_000);
const startBody = z.object({
  name: z.string().trim().min(1, 'please tell us your name').max(200),
  email: z.email('please give an email address, or leave it empty').optional(),
  text: chatText,
  clientId,
});
const messageBody = z.object({ text: chatText, clientMessageId: clientId });
const tokenParam = z.string().min(20).max(100);
const maxStreamsPerChat = 5;

/** Routes under /chat/conversations; every one is public and answers only its token's chat. */
export function chatRoutes(deps: ChatRouteDeps): Router {
  const router = Router();
  const options = { ...defaultChatOptions, ...deps.options };
  const em = () => deps.orm.em.fork();
  const json = [express.json({ limit: '16kb' }), rejectNulCharacters];

  router.post('/chat/conversations', ...json, async (req, res) => {
    const body = parse(startBody, req.body);
    const verdict = await takeRateLimitedHit(em(), [
      { bucket: `chat-start:${req.ip ?? 'unknown'}`, limit: options.startsPerIp },
    ]);
    refuseWhenLimited(res, verdict, 'new chats');

    const started = await refuseReusedKey(() =>
      startChat(
        { intake: deps.intake, em },
        { name: body.name, email: body.email ?? null, text: body.text, clientId: body.clientId },
      ),
    );
    // Also on a retry: a crash after the intake must not lose the acknowledgement, and
    // acknowledgement_sent keeps it to one per ticket.
    if (started.outcome.createdTicket) {
      await acknowledgeNewTicket(deps, {
        ticketId: started.outcome.ticketId,
        channel: 'chat',
        subject: body.text,
        requester: { name: body.name, email: body.email ?? null },
      });
    }
    req.log.info({ ticketId: started.outcome.ticketId }, 'chat started');
    res.status(started.outcome.duplicate ? 200 : 201).json({
      token: started.token,
      ticketId: started.conversation.ticketId,
      name: started.conversation.name,
    });
  });

  router.get('/chat/conversations/:token', async (req, res) => {
    const chat = await chatOf(deps, req);
    res.json({
      ticketId: chat.ticketId,
      name: chat.name,
      entries: await listChatEntries(em(), { ticketId: chat.ticketId }),
    });
  });

  router.post('/chat/conversations/:token/messages', ...json, async (req, res) => {
    const chat = await chatOf(deps, req);
    const body = parse(messageBody, req.body);
    const verdict = await takeRateLimitedHit(em(), [
      { bucket: `chat-message:${chat.id}`, limit: options.messagesPerConversation },
    ]);
    refuseWhenLimited(res, verdict, 'messages in this chat');

    const outcome = await refuseReusedKey(() =>
      postChatMessage(
        { intake: deps.intake, em },
        { conversation: chat, text: body.text, clientMessageId: body.clientMessageId },
      ),
    );
    req.log.info({ ticketId: outcome.ticketId, duplicate: outcome.duplicate }, 'chat message');
    res.status(outcome.duplicate ? 200 : 201).json({ messageId: outcome.messageId });
  });

  router.post('/chat/conversations/:token/leave', async (req, res) => {
    const chat = await chatOf(deps, req);
    await markLeft(em(), { conversationId: chat.id, awayAfterMs: options.awayAfterMs });
    req.log.info({ ticketId: chat.ticketId }, 'chat customer left');
    res.status(204).end();
  });

  // A customer has a tab or two open, never hundreds: a token holder cannot pin this
  // process's connections by opening stream after stream.
  const openStreams = new Map<number, number>();
  router.get('/chat/conversations/:token/stream', async (req, res) => {
    const chat = await chatOf(deps, req);
    const open = openStreams.get(chat.id) ?? 0;
    if (open >= maxStreamsPerChat) {
      refuseWhenLimited(
        res,
        { allowed: false, retryAfterSeconds: 10 },
        'open streams of this chat',
      );
    }
    openStreams.set(chat.id, open + 1);
    req.on('close', () => {
      const left = (openStreams.get(chat.id) ?? 1) - 1;
      if (left <= 0) openStreams.delete(chat.id);
      else openStreams.set(chat.id, left);
    });
    streamChat(deps, { chat, req, res, heartbeatMs: options.heartbeatMs });
  });

  return router;
}

/**
 * Sends every visible entry after the client's Last-Event-ID (all of them on first connect),
 * then each new one as it is stored. Agent replies sent here count as delivered live.
 */
function streamChat(
  deps: ChatRouteDeps,
  options: { chat: ChatConversation; req: Request; res: express.Response; heartbeatMs: number },
): void {
  const { chat, req, res } = options;
  const em = () => deps.orm.em.fork();
  let lastId = Number(req.get('last-event-id') ?? 0) || 0;
  let ticketId = chat.ticketId;
  let sending = Promise.resolve();

  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 2000\n\n');

  const sendNew = async () => {
    ticketId = await currentTicketOf(deps.orm, chat.id, ticketId);
    const entries = await listChatEntries(em(), { ticketId, afterId: lastId });
    for (const entry of entries) writeEntry(res, entry);
    if (entries.length === 0) return;
    lastId = entries.at(-1)!.id;
    const replies = entries.filter((e) => e.from === 'agent').map((e) => e.id);
    await markDeliveredLive(em(), { ticketId, messageIds: replies });
  };
  const queueSend = () => {
    sending = sending
      .then(sendNew)
      .catch((error: unknown) => req.log.warn({ err: error, ticketId }, 'chat stream send failed'));
  };

  const unsubscribe = deps.feed.subscribe((change) => {
    if (change.ticketId === ticketId) queueSend();
  });
  const heartbeat = setInterval(() => {
    res.write(': here\n\n');
    void markSeen(em(), chat.id).catch(() => undefined);
  }, options.heartbeatMs);
  void markSeen(em(), chat.id).catch(() => undefined);
  queueSend();

  req.on('close', () => {
    clearInterval(heartbeat);
    unsubscribe();
  });
}

function writeEntry(res: express.Response, entry: ChatEntry): void {
  res.write(`id: ${entry.id}\nevent: entry\ndata: ${JSON.stringify(entry)}\n\n`);
}

// A customer writing after the ticket closed moved the chat to a follow-up ticket.
async function currentTicketOf(orm: Orm, chatId: number, known: number): Promise<number> {
  const rows: Record<string, unknown>[] = await orm.em
    .fork()
    .execute('select ticket_id from chat_conversation where id = ?', [chatId]);
  return rows[0] === undefined ? known : Number(rows[0].ticket_id);
}

async function chatOf(deps: ChatRouteDeps, req: Request): Promise<ChatConversation> {
  const token = tokenParam.safeParse(req.params.token);
  const chat = token.success ? await findChatByToken(deps.orm.em.fork(), token.data) : null;
  // One answer for a malformed and an unknown token: a caller learns nothing by guessing.
  if (chat === null) throw ProblemError.notFound('this chat (the link may be out of date)');
  return chat;
}

async function refuseReusedKey<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof IntakeKeyReusedError)) throw error;
    throw ProblemError.unprocessable(
      'this message id was already used for another message; send it with a new id',
      error,
    );
  }
}
