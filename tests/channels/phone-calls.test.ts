// Phone calls logged by agents on the real stack (api/routes/phone.ts, channels/phone/): on an
// existing ticket and as a new ticket, each a call entry in the conversation on the `phone`
// channel, once per Idempotency-Key, with the number kept as the requester's phone identity.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { Express } from 'express';
import type { TicketDetail } from '../../api/contract.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { signIn, type SignedIn } from '../support/session.ts';
import { eventually } from '../support/stack.ts';
import { enqueueTestMail } from './chat-support.ts';

let testApp: TestApp;
let app: Express;
let alice: SignedIn;

beforeAll(async () => {
  testApp = await startTestApp({ name: 'phone', channels: { enqueueMail: enqueueTestMail } });
  app = testApp.app;
  alice = await signIn(app, 'alice@casework.example');
}, 120_000);

afterAll(async () => {
  await testApp?.stop();
});

async function ticketDetail(ticketId: number): Promise<TicketDetail> {
  return eventually(`ticket ${ticketId} open`, async () => {
    const res = await alice.get(`/api/tickets/${ticketId}`);
    return res.status === 200 && res.body.ticket.status === 'open' ? res.body : null;
  });
}

/** A random number in +49 30 …, so files running in parallel never share a caller. */
function randomNumber(): string {
  return `+49 30 ${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
}

describe('phone calls', () => {
  it('logs a call as a new phone ticket with the call in its conversation', async () => {
    const number = randomNumber();

    const res = await alice.post('/api/calls').send({
      direction: 'in',
      number,
      durationSeconds: 245,
      notes: 'Customer cannot log in after the password reset.',
      requester: { name: 'Kim Laine' },
    });

    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      direction: 'in',
      durationSeconds: 245,
      agentId: alice.agent.id,
    });
    const detail = await ticketDetail(res.body.ticketId);
    expect(detail.ticket.channel).toBe('phone');
    expect(detail.messages[0]!.text).toMatch(
      /^Incoming call from \+4930\d{8} \(4 min 5 s, logged by Alice[^)]*\)\n\nCustomer cannot log in/,
    );
    const calls = await alice.get(`/api/tickets/${res.body.ticketId}/calls`);
    expect(calls.body).toHaveLength(1);
  });

  it("logs an outgoing call on an existing ticket, once per Idempotency-Key, as the ticket's requester", async () => {
    const email = `${randomUUID()}@customer.example`;
    const created = await request(app)
      .post('/api/tickets')
      .send({
        requester: { email, name: 'Ana Ruiz' },
        subject: 'Invoice address',
        body: 'Wrong city.',
      });
    const ticketId = created.body.ticketId as number;
    await ticketDetail(ticketId);
    const key = randomUUID();
    const call = {
      direction: 'out',
      number: randomNumber(),
      durationSeconds: 62,
      notes: 'Confirmed.',
    };
    const log = () =>
      alice.post(`/api/tickets/${ticketId}/calls`).set('Idempotency-Key', key).send(call);

    const first = await log();
    const retry = await log();

    expect(first.status).toBe(201);
    expect(retry.status).toBe(200);
    expect(retry.body.messageId).toBe(first.body.messageId);
    const detail = await ticketDetail(ticketId);
    const callEntries = detail.messages.filter((m) => m.channel === 'phone');
    expect(callEntries).toHaveLength(1);
    expect(callEntries[0]!.text).toMatch(/^Outgoing call to \+4930/);
    const requester = await alice.get(`/api/requesters/${detail.ticket.requester.id}`);
    expect(requester.body.identities).toEqual(
      expect.arrayContaining([
        { kind: 'email', address: email },
        expect.objectContaining({ kind: 'phone' }),
      ]),
    );
  });

  it('names each invalid field of a call', async () => {
    const res = await alice
      .post('/api/calls')
      .send({ direction: 'sideways', number: 'call me', durationSeconds: -1 });

    expect(res.status).toBe(422);
    const fields = res.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining(['body.direction', 'body.number', 'body.durationSeconds']),
    );
  });

  it('refuses to log a call without a signed-in agent', async () => {
    const res = await request(app)
      .post('/api/calls')
      .send({ direction: 'in', number: randomNumber(), durationSeconds: 5 });

    expect(res.status).toBe(401);
  });
});
