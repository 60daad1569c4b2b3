// The social webhook on the real stack (api/routes/social-webhook.ts, channels/social/):
// signed messages become tickets threaded by the platform's conversation id, bad or stale
// signatures are refused, a replayed message id is one message, a badly shaped body is kept for
// an operator, and the acknowledgement is posted back to the platform (played here by a small
// HTTP server of the test's own on loopback).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { Express } from 'express';
import type { TicketDetail } from '../../api/contract.ts';
import { openTicketChangeFeed, type TicketChangeFeed } from '../../api/ticket-change-feed.ts';
import {
  startSocialReplyRelay,
  type SocialReplyRelay,
} from '../../channels/social/platform-posts.ts';
import { signSocialWebhook } from '../../channels/social/signature.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { signIn, type SignedIn } from '../support/session.ts';
import { eventually } from '../support/stack.ts';
import { enqueueTestMail, outboundMailOf } from './chat-support.ts';

const platform = `testsocial-${randomUUID().slice(0, 8)}`;
const secret = `whsec-${randomUUID()}`;

let testApp: TestApp;
let app: Express;
let alice: SignedIn;
let platformServer: Server;
let relayFeed: TicketChangeFeed;
let relay: SocialReplyRelay;
const posts: { body: Record<string, unknown>; idempotencyKey: string | undefined }[] = [];

beforeAll(async () => {
  testApp = await startTestApp({ name: 'social', channels: { enqueueMail: enqueueTestMail } });
  app = testApp.app;
  alice = await signIn(app, 'alice@casework.example');
  platformServer = await startPlatform();
  const { port } = platformServer.address() as AddressInfo;
  await testApp.stack.orm.em
    .fork()
    .execute('insert into social_platform (platform, secret, post_url) values (?, ?, ?)', [
      platform,
      secret,
      `http://127.0.0.1:${port}/posts`,
    ]);
  relayFeed = await openTicketChangeFeed({
    databaseUrl: testApp.stack.services.databaseUrl,
    log: testApp.stack.log,
  });
  relay = startSocialReplyRelay({
    orm: testApp.stack.orm,
    feed: relayFeed,
    log: testApp.stack.log,
  });
}, 120_000);

afterAll(async () => {
  relay?.stop();
  await relayFeed?.close();
  platformServer?.closeAllConnections();
  await new Promise((resolve) => platformServer?.close(resolve));
  await testApp?.stop();
});

// The external platform's side: it records what we post back into its conversation.
function startPlatform(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        posts.push({
          body: JSON.parse(raw),
          idempotencyKey: req.headers['idempotency-key'] as string,
        });
        res.writeHead(200).end('{}');
      });
    });
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function socialMessage(overrides: Record<string, unknown> = {}) {
  return {
    conversationId: `conv-${randomUUID()}`,
    messageId: `msg-${randomUUID()}`,
    sender: { id: `user-${randomUUID()}`, name: 'Sam Okafor', handle: '@sam' },
    text: 'Hi! My voucher code SPRING24 is refused at checkout.',
    sentAt: new Date().toISOString(),
    ...overrides,
  };
}

function deliver(body: unknown, options: { timestamp?: number; sign?: string } = {}) {
  const raw = JSON.stringify(body);
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = signSocialWebhook({ secret: options.sign ?? secret, timestamp, rawBody: raw });
  return request(app)
    .post(`/api/channels/social/${platform}/messages`)
    .set('content-type', 'application/json')
    .set('x-casework-signature', signature)
    .send(raw);
}

async function ticketDetail(ticketId: number, status = 'open'): Promise<TicketDetail> {
  return eventually(`ticket ${ticketId} ${status}`, async () => {
    const res = await alice.get(`/api/tickets/${ticketId}`);
    return res.status === 200 && res.body.ticket.status === status ? res.body : null;
  });
}

describe('social webhook', () => {
  it('opens a social ticket from a signed message and posts the acknowledgement back', async () => {
    const message = socialMessage({
      attachments: [{ url: 'https://cdn.social.example/a/1.png', name: 'checkout.png' }],
    });

    const res = await deliver(message);

    expect(res.status).toBe(201);
    const detail = await ticketDetail(res.body.ticketId);
    expect(detail.ticket.channel).toBe('social');
    expect(detail.messages[0]!.text).toContain('checkout.png <https://cdn.social.example/a/1.png>');
    const post = await eventually('the acknowledgement posted', async () =>
      posts.find((p) => p.body.conversationId === message.conversationId),
    );
    expect(post.body.text).toContain(`ticket number is ${res.body.ticketId}`);
    expect(post.idempotencyKey).toBe(`acknowledgement:${res.body.ticketId}`);
  });

  it("posts an agent's public reply back into the platform conversation, never a note", async () => {
    const message = socialMessage();
    const res = await deliver(message);
    await ticketDetail(res.body.ticketId);

    await alice
      .post(`/api/tickets/${res.body.ticketId}/notes`)
      .send({ body: 'Internal: voucher system flaky today.' })
      .expect(201);
    await alice
      .post(`/api/tickets/${res.body.ticketId}/replies`)
      .send({ body: 'Hi Sam, the voucher works again; please retry.' })
      .expect(201);

    const reply = await eventually('the reply posted to the platform', async () =>
      posts.find(
        (p) =>
          p.body.conversationId === message.conversationId &&
          String(p.body.text).includes('voucher works again'),
      ),
    );
    expect(reply.idempotencyKey).toMatch(/^reply:\d+$/);
    expect(posts.some((p) => String(p.body.text).includes('flaky'))).toBe(false);
  });

  it('mails the acknowledgement too when the sender gave an email address', async () => {
    const email = `${randomUUID()}@customer.example`;
    const res = await deliver(socialMessage({ sender: { id: randomUUID(), email } }));

    const mails = await outboundMailOf(testApp.stack.orm.em.fork(), res.body.ticketId);

    expect(mails).toEqual([expect.objectContaining({ kind: 'acknowledgement', to: [email] })]);
  });

  it('refuses a bad signature with a 401 problem and stores nothing', async () => {
    const message = socialMessage();

    const res = await deliver(message, { sign: 'not-the-secret' });

    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.detail).toMatch(/signature does not match/);
    const stored: unknown[] = await testApp.stack.orm.em
      .fork()
      .execute('select 1 from intake_request where key = ?', [
        `social:${platform}:${message.messageId}`,
      ]);
    expect(stored).toHaveLength(0);
  });

  it('refuses a correctly signed call whose timestamp is more than five minutes old', async () => {
    const res = await deliver(socialMessage(), { timestamp: Math.floor(Date.now() / 1000) - 600 });

    expect(res.status).toBe(401);
    expect(res.body.detail).toMatch(/more than 300 s from our clock/);
  });

  it('answers a replayed message id as a duplicate and keeps one message', async () => {
    const message = socialMessage();

    const first = await deliver(message);
    const replay = await deliver(message);

    expect(first.status).toBe(201);
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ ticketId: first.body.ticketId, duplicate: true });
    const detail = await ticketDetail(first.body.ticketId);
    expect(detail.messages.filter((m) => m.text.startsWith('Hi! My voucher'))).toHaveLength(1);
  });

  it('threads by conversation id, and opens a linked ticket once the first is closed', async () => {
    const conversationId = `conv-${randomUUID()}`;
    const first = await deliver(socialMessage({ conversationId }));
    await ticketDetail(first.body.ticketId);

    const second = await deliver(socialMessage({ conversationId, text: 'Any news?' }));
    await alice
      .post(`/api/tickets/${first.body.ticketId}/status`)
      .send({ status: 'closed' })
      .expect(200);
    await ticketDetail(first.body.ticketId, 'closed');
    const third = await deliver(socialMessage({ conversationId, text: 'It happened again.' }));

    expect(second.body.ticketId).toBe(first.body.ticketId);
    expect(third.status).toBe(201);
    expect(third.body.ticketId).not.toBe(first.body.ticketId);
    expect(third.body.previousTicketId).toBe(first.body.ticketId);
  });

  it('names the bad field with a 422 and keeps the raw body for an operator', async () => {
    const message = socialMessage({ sentAt: 'yesterday', sender: { name: 'No Id' } });

    const res = await deliver(message);

    expect(res.status).toBe(422);
    const fields = res.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['body.sentAt', 'body.sender.id']));
    const kept: Record<string, unknown>[] = await testApp.stack.orm.em
      .fork()
      .execute(
        'select raw_blob_key, reason from rejected_input where source = ? order by id desc limit 1',
        [`social:${platform}`],
      );
    const raw = await testApp.stack.blobs.get(String(kept[0]!.raw_blob_key));
    expect(JSON.parse(raw.toString())).toEqual(message);
    expect(String(kept[0]!.reason)).toContain('body.sentAt');
  });

  it('answers 404 for a platform that is not configured', async () => {
    const res = await request(app)
      .post('/api/channels/social/nowhere-configured/messages')
      .send({});

    expect(res.status).toBe(404);
  });
});
