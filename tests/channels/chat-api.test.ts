// The chat channel end to end on the real stack (api/routes/chat.ts, channels/chat/): a
// customer's first message opens a ticket, agents' public replies reach the customer's live
// stream, internal notes never do, and once the customer has left a reply goes out by email.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import request from 'supertest';
import type { Express } from 'express';
import type { TicketDetail } from '../../api/contract.ts';
import { openTicketChangeFeed, type TicketChangeFeed } from '../../api/ticket-change-feed.ts';
import { startChatAwayMailer, type ChatAwayMailer } from '../../channels/chat/away-mailer.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { signIn, type SignedIn } from '../support/session.ts';
import { eventually } from '../support/stack.ts';
import {
  enqueueTestMail,
  listenOnLoopback,
  openEventStream,
  outboundMailOf,
  type Listening,
} from './chat-support.ts';

const awayAfterMs = 1_500;

let testApp: TestApp;
let app: Express;
let server: Listening;
let alice: SignedIn;
let awayMailer: ChatAwayMailer;
let awayFeed: TicketChangeFeed;

beforeAll(async () => {
  testApp = await startTestApp({
    name: 'chat',
    channels: {
      enqueueMail: enqueueTestMail,
      // Every test here starts chats from loopback: the per-IP limit is not what is tested.
      chat: { awayAfterMs, heartbeatMs: 300, startsPerIp: { limit: 1_000, windowSeconds: 60 } },
    },
  });
  app = testApp.app;
  server = await listenOnLoopback(app);
  alice = await signIn(app, 'alice@casework.example');
  awayMailer = startChatAwayMailer({
    orm: testApp.stack.orm,
    feed: (awayFeed = await openTicketChangeFeed({
      databaseUrl: testApp.stack.services.databaseUrl,
      log: testApp.stack.log,
    })),
    enqueueMail: enqueueTestMail,
    log: testApp.stack.log,
    awayAfterMs,
  });
}, 120_000);

afterAll(async () => {
  awayMailer?.stop();
  fromOwnAddress.destroy();
  await awayFeed?.close();
  await server?.close();
  await testApp?.stop();
});

// Chats start from 127.0.0.3, so this file's starts never count against the per-IP limit
// the browser test (from 127.0.0.1) meets in the shared database.
const fromOwnAddress = new http.Agent({ localAddress: '127.0.0.3' });

async function startChat(options: { email?: string; text?: string } = {}) {
  const res = await request(server.url)
    .post('/api/chat/conversations')
    .agent(fromOwnAddress)
    .send({
      name: 'Robin Meyer',
      email: options.email,
      text: options.text ?? 'My parcel tracking page shows an error since yesterday.',
      clientId: randomUUID(),
    });
  expect(res.status).toBe(201);
  return res.body as { token: string; ticketId: number };
}

async function openTicket(ticketId: number): Promise<TicketDetail> {
  return eventually(`ticket ${ticketId} opened`, async () => {
    const res = await alice.get(`/api/tickets/${ticketId}`);
    return res.status === 200 && res.body.ticket.status === 'open' ? res.body : null;
  });
}

describe('chat channel', () => {
  it('opens a chat ticket from the first message and acknowledges it in the chat', async () => {
    const chat = await startChat();

    const detail = await openTicket(chat.ticketId);
    expect(detail.ticket.channel).toBe('chat');
    const history = await request(app).get(`/api/chat/conversations/${chat.token}`);
    expect(history.status).toBe(200);
    expect(history.body.entries.map((e: { from: string }) => e.from)).toEqual([
      'customer',
      'system',
    ]);
    expect(history.body.entries[1].text).toContain(`ticket number is ${chat.ticketId}`);
  });

  it("adds the customer's later messages to the same ticket, once per message id", async () => {
    const chat = await startChat();
    const clientMessageId = randomUUID();
    const send = () =>
      request(app)
        .post(`/api/chat/conversations/${chat.token}/messages`)
        .send({ text: 'The order number is 55-1820.', clientMessageId });

    const first = await send();
    const retry = await send();

    expect(first.status).toBe(201);
    expect(retry.status).toBe(200);
    expect(retry.body.messageId).toBe(first.body.messageId);
    const detail = await openTicket(chat.ticketId);
    const texts = detail.messages.map((m) => m.text);
    expect(texts.filter((t) => t === 'The order number is 55-1820.')).toHaveLength(1);
  });

  it("shows an agent's public reply live on the customer's stream, never an internal note, and does not mail what was seen", async () => {
    const chat = await startChat({ email: `${randomUUID()}@customer.example` });
    await openTicket(chat.ticketId);
    const stream = await openEventStream(
      `${server.url}/api/chat/conversations/${chat.token}/stream`,
    );

    await alice
      .post(`/api/tickets/${chat.ticketId}/notes`)
      .send({ body: 'Internal: check the carrier outage board first.' })
      .expect(201);
    await alice
      .post(`/api/tickets/${chat.ticketId}/replies`)
      .send({ body: 'Thanks Robin, the carrier has an outage; your parcel is safe.' })
      .expect(201);

    const reply = await stream.waitFor('the public reply on the stream', (e) =>
      e.data.includes('your parcel is safe'),
    );
    stream.close();
    expect(JSON.parse(reply.data)).toMatchObject({ from: 'agent', authorName: 'Alice' });
    expect(stream.events.some((e) => e.data.includes('carrier outage board'))).toBe(false);
    const history = await request(app).get(`/api/chat/conversations/${chat.token}`);
    expect(JSON.stringify(history.body)).not.toContain('carrier outage board');
    await new Promise((resolve) => setTimeout(resolve, awayAfterMs + 500));
    await awayMailer.sweep();
    expect(await outboundMailOf(testApp.stack.orm.em.fork(), chat.ticketId)).toEqual([]);
  });

  it('mails a reply to the address the customer gave once they have left, and shows it when they come back', async () => {
    const email = `${randomUUID()}@customer.example`;
    const chat = await startChat({ email });
    await openTicket(chat.ticketId);
    await request(app).post(`/api/chat/conversations/${chat.token}/leave`).expect(204);

    await alice
      .post(`/api/tickets/${chat.ticketId}/replies`)
      .send({ body: 'We re-sent the parcel today.' })
      .expect(201);

    const mails = await eventually('the reply in the outbox', async () => {
      const rows = await outboundMailOf(testApp.stack.orm.em.fork(), chat.ticketId);
      return rows.length > 0 ? rows : null;
    });
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ kind: 'reply', to: [email] });
    expect(mails[0]!.text).toContain('We re-sent the parcel today.');
    const back = await openEventStream(`${server.url}/api/chat/conversations/${chat.token}/stream`);
    await back.waitFor('the history on return', (e) => e.data.includes('re-sent the parcel'));
    back.close();
  });

  it('refuses a sixth open stream of one chat, so a token cannot pin the server', async () => {
    const chat = await startChat();
    const url = `${server.url}/api/chat/conversations/${chat.token}/stream`;
    const streams = await Promise.all(Array.from({ length: 5 }, () => openEventStream(url)));

    const sixth = await fetch(url);

    expect(sixth.status).toBe(429);
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(0);
    for (const stream of streams) stream.close();
  });

  it('refuses an unknown token without saying whether it ever existed', async () => {
    const res = await request(app).get(`/api/chat/conversations/${'x'.repeat(43)}`);

    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('names the missing field when a chat is started without a message', async () => {
    const res = await request(app)
      .post('/api/chat/conversations')
      .send({ name: 'Robin', clientId: randomUUID() });

    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain('body.text');
  });
});
