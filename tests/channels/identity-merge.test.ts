// One person across channels is one requester (channels/identity/, api/routes/requesters.ts):
// the same email or phone arriving on another channel lands on the known requester; a message
// carrying identities of two requesters merges them; agents merge by hand, recorded, and the
// tickets follow the survivor.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { Express } from 'express';
import { signSocialWebhook } from '../../channels/social/signature.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { signIn, type SignedIn } from '../support/session.ts';
import { eventually } from '../support/stack.ts';
import { enqueueTestMail } from './chat-support.ts';

const platform = `testidentity-${randomUUID().slice(0, 8)}`;
const secret = `whsec-${randomUUID()}`;

let testApp: TestApp;
let app: Express;
let alice: SignedIn;

interface RequesterView {
  id: number;
  mergedFrom?: number;
  identities: { kind: string; address: string }[];
  tickets: { id: number; channel: string }[];
  merges: { fromRequesterId: number; byAgentId: number | null; reason: string }[];
}

beforeAll(async () => {
  testApp = await startTestApp({ name: 'identity', channels: { enqueueMail: enqueueTestMail } });
  app = testApp.app;
  alice = await signIn(app, 'alice@casework.example');
  await testApp.stack.orm.em
    .fork()
    .execute('insert into social_platform (platform, secret) values (?, ?)', [platform, secret]);
}, 120_000);

afterAll(async () => {
  await testApp?.stop();
});

function randomNumber(): string {
  return `+44 20 ${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
}

async function apiTicket(email: string): Promise<number> {
  const res = await request(app)
    .post('/api/tickets')
    .send({ requester: { email, name: 'Jo Park' }, subject: 'Order 7781', body: 'Late again.' });
  expect(res.status).toBe(201);
  return res.body.ticketId;
}

async function loggedCall(number: string): Promise<number> {
  const res = await alice
    .post('/api/calls')
    .send({ direction: 'in', number, durationSeconds: 30, requester: { name: 'Jo Park' } });
  expect(res.status).toBe(201);
  return res.body.ticketId;
}

async function socialMessage(sender: Record<string, string>): Promise<number> {
  const raw = JSON.stringify({
    conversationId: randomUUID(),
    messageId: randomUUID(),
    sender: { id: randomUUID(), ...sender },
    text: 'Is my order 7781 lost?',
    sentAt: new Date().toISOString(),
  });
  const timestamp = Math.floor(Date.now() / 1000);
  const res = await request(app)
    .post(`/api/channels/social/${platform}/messages`)
    .set('content-type', 'application/json')
    .set('x-casework-signature', signSocialWebhook({ secret, timestamp, rawBody: raw }))
    .send(raw);
  expect(res.status).toBe(201);
  return res.body.ticketId;
}

async function requesterOfTicket(ticketId: number): Promise<number> {
  return eventually(`ticket ${ticketId} projected`, async () => {
    const res = await alice.get(`/api/tickets/${ticketId}`);
    return res.status === 200 ? (res.body.ticket.requester.id as number) : null;
  });
}

async function requester(id: number): Promise<RequesterView> {
  const res = await alice.get(`/api/requesters/${id}`);
  expect(res.status).toBe(200);
  return res.body;
}

describe('requester identities', () => {
  it('puts a social message from a known email address on the same requester', async () => {
    const email = `${randomUUID()}@customer.example`;
    const byApi = await requesterOfTicket(await apiTicket(email));

    const bySocial = await requesterOfTicket(await socialMessage({ email: email.toUpperCase() }));

    expect(bySocial).toBe(byApi);
    const view = await requester(byApi);
    expect(view.identities.map((i) => i.kind)).toEqual(
      expect.arrayContaining(['email', `social:${platform}`]),
    );
    expect(view.tickets.map((t) => t.channel).sort()).toEqual(['api', 'social']);
  });

  it('puts a message from a known phone number on the same requester, however it is written', async () => {
    const number = randomNumber();
    const byCall = await requesterOfTicket(await loggedCall(number));

    const bySocial = await requesterOfTicket(
      await socialMessage({ phone: number.replace('+', '00').replaceAll(' ', '-') }),
    );

    expect(bySocial).toBe(byCall);
  });

  it('merges two requesters when one message carries the email of one and the phone of the other', async () => {
    const email = `${randomUUID()}@customer.example`;
    const number = randomNumber();
    const older = await requesterOfTicket(await loggedCall(number));
    const younger = await requesterOfTicket(await apiTicket(email));

    const joined = await requesterOfTicket(await socialMessage({ email, phone: number }));

    expect(joined).toBe(older);
    const view = await requester(younger);
    expect(view.id).toBe(older);
    expect(view.mergedFrom).toBe(younger);
    expect(view.tickets).toHaveLength(3);
    expect(view.merges).toEqual([
      expect.objectContaining({ fromRequesterId: younger, byAgentId: null }),
    ]);
    expect(view.merges[0]!.reason).toBe(`same email ${email}`);
  });

  it('lets an agent merge two requesters by hand, recorded, with the tickets following', async () => {
    const from = await requesterOfTicket(await apiTicket(`${randomUUID()}@customer.example`));
    const into = await requesterOfTicket(await apiTicket(`${randomUUID()}@customer.example`));

    const res = await alice
      .post(`/api/requesters/${from}/merge`)
      .send({ intoRequesterId: into, reason: 'same person, new employer' });

    expect(res.status).toBe(200);
    expect(res.body.tickets).toHaveLength(2);
    expect(res.body.identities).toHaveLength(2);
    expect(res.body.merges).toEqual([
      expect.objectContaining({
        fromRequesterId: from,
        byAgentId: alice.agent.id,
        reason: 'same person, new employer',
      }),
    ]);
    const again = await alice.post(`/api/requesters/${from}/merge`).send({ intoRequesterId: into });
    expect(again.status).toBe(409);
    const itself = await alice
      .post(`/api/requesters/${into}/merge`)
      .send({ intoRequesterId: into });
    expect(itself.status).toBe(422);
  });
});
