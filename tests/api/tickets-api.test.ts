import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import type { Express } from 'express';
import { randomUUID } from 'node:crypto';
import type { TicketDetail, TicketList, TicketSummary } from '../../api/contract.ts';
import { signIn, type SignedIn } from '../support/session.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { eventually, type TestStack } from '../support/stack.ts';

let stack: TestStack;
let testApp: TestApp;
let app: Express;
let alice: SignedIn;

beforeAll(async () => {
  testApp = await startTestApp({ name: 'api' });
  ({ stack, app } = testApp);
  alice = await signIn(app, 'alice@casework.example');
}, 120_000);

afterAll(async () => {
  await testApp?.stop();
});

async function createTicket(subject: string, body: string, key = randomUUID()) {
  return request(app)
    .post('/api/tickets')
    .set('Idempotency-Key', key)
    .send({
      requester: { email: `${randomUUID()}@customer.example`, name: 'Pat Doe' },
      subject,
      body,
    });
}

async function openedTicket(ticketId: number): Promise<TicketSummary> {
  return eventually(`ticket ${ticketId} triaged and assigned`, async () => {
    const res = await alice.get(`/api/tickets/${ticketId}`);
    const ticket = (res.body as TicketDetail).ticket;
    return res.status === 200 && ticket.status === 'open' ? ticket : null;
  });
}

describe('ticket intake over the API', () => {
  it('opens a ticket that is triaged into the billing queue and assigned to an agent with the skill', async () => {
    const res = await createTicket(
      'Refund for invoice 2024-118',
      'I was charged twice this month.',
    );

    expect(res.status).toBe(201);
    const ticket = await openedTicket(res.body.ticketId);
    expect(ticket.queue?.name).toBe('Billing');
    expect(ticket.assignee).not.toBeNull();
    expect(ticket.firstResponseDueAt).not.toBeNull();
    const agents = (await alice.get('/api/agents')).body as {
      id: number;
      skills: string[];
    }[];
    expect(agents.find((a) => a.id === ticket.assignee!.id)!.skills).toContain('billing');
  });

  it('creates one ticket however often the same Idempotency-Key is retried', async () => {
    const key = randomUUID();
    const payload = {
      requester: { email: `${randomUUID()}@customer.example`, name: 'Pat Doe' },
      subject: 'Printer offline',
      body: 'It shows error 41.',
    };
    const send = () => request(app).post('/api/tickets').set('Idempotency-Key', key).send(payload);

    const first = await send();
    const retries = await Promise.all([send(), send(), send()]);

    expect(first.status).toBe(201);
    for (const retry of retries) {
      expect(retry.status).toBe(200);
      expect(retry.body).toMatchObject({ ticketId: first.body.ticketId, duplicate: true });
    }
    await openedTicket(first.body.ticketId);
    const detail = (await alice.get(`/api/tickets/${first.body.ticketId}`)).body;
    expect(detail.messages).toHaveLength(1);
  });

  it('refuses an Idempotency-Key reused for different content instead of dropping it', async () => {
    const key = randomUUID();

    const first = await createTicket('Scanner offline', 'Since this morning.', key);
    const reused = await createTicket('Completely different', 'Another request.', key);

    expect(first.status).toBe(201);
    expect(reused.status).toBe(422);
    expect(reused.body.type).toBe('idempotency-key-reused');
    expect(reused.body.detail).toContain(`ticket ${first.body.ticketId}`);
  });

  it('names the field and the problem when the body is invalid, and stores nothing', async () => {
    const res = await request(app)
      .post('/api/tickets')
      .send({ requester: { email: 'not-an-address' }, subject: '', body: 'hello' });

    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    const fields = (res.body.errors as { field: string }[]).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['body.requester.email', 'body.subject']));
  });

  it('answers a malformed JSON body with 400 and says it is not valid JSON', async () => {
    const res = await request(app)
      .post('/api/tickets')
      .set('content-type', 'application/json')
      .send('{"requester": ');

    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/not valid JSON/);
  });

  it('refuses a NUL character with a 422 naming the field, before anything is stored', async () => {
    const res = await request(app)
      .post('/api/tickets')
      .send({
        requester: { email: 'nul@customer.example' },
        subject: 'Hello\u0000World',
        body: 'x',
      });

    expect(res.status).toBe(422);
    expect(res.body.errors[0].field).toBe('body.subject');
  });

  it("keeps the body reader's own client errors: 413 for an oversized body, 400 for bad gzip", async () => {
    const huge = await request(app)
      .post('/api/tickets')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ body: 'x'.repeat(3 * 1024 * 1024) }));
    const badGzip = await request(app)
      .post('/api/tickets')
      .set('content-type', 'application/json')
      .set('content-encoding', 'gzip')
      .send('{"not":"gzip"}');

    expect(huge.status).toBe(413);
    expect(huge.headers['content-type']).toMatch(/problem\+json/);
    expect(badGzip.status).toBe(400);
  });

  it('answers unknown tickets and unknown API paths with a JSON 404', async () => {
    const ticket = await alice.get('/api/tickets/987654321');
    const path = await alice.get('/api/no-such-thing');

    expect(ticket.status).toBe(404);
    expect(ticket.body.detail).toBe('ticket 987654321 does not exist');
    expect(path.status).toBe(404);
    expect(path.headers['content-type']).toMatch(/problem\+json/);
  });

  it('takes a ticket id in digits only, so no other spelling names the same ticket', async () => {
    const created = await createTicket('Spelled ids', 'Which ticket is 0x3E9?');
    const ticketId = (created.body as { ticketId: number }).ticketId;
    const hex = `0x${ticketId.toString(16)}`;

    const answers = await Promise.all(
      [hex, `${ticketId}.0`, `%20${ticketId}`, '1e3', '-5'].map((id) =>
        alice.get(`/api/tickets/${id}`),
      ),
    );

    for (const answer of answers) {
      expect(answer.status).toBe(422);
      expect(answer.body.errors[0]).toEqual({
        field: 'path.id',
        problem: 'must be a positive whole number in digits, like 1001',
      });
    }
    expect((await openedTicket(ticketId)).id).toBe(ticketId);
  });
});

describe('agent actions over the API', () => {
  it('refuses a reply drafted before a colleague replied, and accepts it after reloading', async () => {
    const created = await createTicket('Cannot export report', 'The export button does nothing.');
    const ticket = await openedTicket(created.body.ticketId);
    const bob = await signIn(app, 'bob@casework.example');

    const first = await alice
      .post(`/api/tickets/${ticket.id}/replies`)
      .send({ body: 'We are on it.', expectedVersion: ticket.version });
    const stale = await bob
      .post(`/api/tickets/${ticket.id}/replies`)
      .send({ body: 'Looking now!', expectedVersion: ticket.version });
    const reloaded = first.body.ticket as TicketSummary;
    const retried = await bob
      .post(`/api/tickets/${ticket.id}/replies`)
      .send({ body: 'Adding: try Firefox.', expectedVersion: reloaded.version });

    expect(first.status).toBe(201);
    expect(reloaded.firstRespondedAt).not.toBeNull();
    expect(stale.status).toBe(409);
    expect(stale.body.detail).toMatch(/conversation changed/);
    expect(retried.status).toBe(201);
  });

  it('keeps notes internal, records status changes and shows them in the timeline in order', async () => {
    const created = await createTicket('VPN drops every hour', 'Since Monday.');
    const ticket = await openedTicket(created.body.ticketId);
    const carol = await signIn(app, 'carol@casework.example');

    await carol
      .post(`/api/tickets/${ticket.id}/notes`)
      .send({ agentId: carol.agent.id, body: 'Same as last week, check the gateway.' })
      .expect(201);
    await carol.post(`/api/tickets/${ticket.id}/status`).send({ status: 'pending' }).expect(200);
    const detail = (await carol.get(`/api/tickets/${ticket.id}`)).body as TicketDetail;

    expect(detail.ticket.status).toBe('pending');
    expect(detail.messages.map((m) => m.kind)).toEqual(['inbound', 'internal_note']);
    // SLA clock entries interleave as the business-time policy arms and pauses its targets;
    // this test is about the agent's actions, so it reads the timeline without them.
    const actions = detail.timeline.filter((e) => !e.kind.startsWith('sla_'));
    expect(actions.map((e) => e.kind)).toEqual([
      'created',
      'triaged',
      'assigned',
      'internal_note',
      'status_changed',
    ]);
    const seqs = detail.timeline.map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, index) => index + 1));
    expect(detail.messages[1]!.author.name).toBe('Carol Nguyen');
  });

  it('refuses a no-op status change and a handoff to an unknown agent with 422', async () => {
    const created = await createTicket('Password reset mail never arrives', 'Checked spam.');
    const ticket = await openedTicket(created.body.ticketId);

    const same = await alice.post(`/api/tickets/${ticket.id}/status`).send({ status: 'open' });
    const ghost = await alice
      .post(`/api/tickets/${ticket.id}/assignment`)
      .send({ agentId: 999_999 });

    expect(same.status).toBe(422);
    expect(same.body.detail).toBe('the ticket is already open');
    expect(ghost.status).toBe(422);
    expect(ghost.body.errors[0].field).toBe('body.agentId');
  });

  it('refuses with 403 a note that names another agent as its author, and stores nothing', async () => {
    const created = await createTicket('Wrong VAT on invoice', 'It says 19 %, should be 7 %.');
    const ticket = await openedTicket(created.body.ticketId);
    const bob = await signIn(app, 'bob@casework.example');

    const forged = await bob
      .post(`/api/tickets/${ticket.id}/notes`)
      .send({ agentId: alice.agent.id, body: 'Signed, Alice' });

    expect(forged.status).toBe(403);
    expect(forged.body.detail).toMatch(/cannot act as agent/);
    const detail = (await bob.get(`/api/tickets/${ticket.id}`)).body as TicketDetail;
    expect(detail.messages.map((m) => m.kind)).toEqual(['inbound']);
  });

  it('hands a ticket off to another agent and counts the reassignment', async () => {
    const created = await createTicket('Laptop will not boot', 'Black screen after update.');
    const ticket = await openedTicket(created.body.ticketId);
    const agents = (await alice.get('/api/agents')).body as { id: number; email: string }[];
    const owner = await signIn(app, agents.find((a) => a.id === ticket.assignee?.id)!.email);
    const other = (await alice.get('/api/agents')).body.find(
      (a: { id: number }) => a.id !== ticket.assignee?.id,
    );

    const res = await owner
      .post(`/api/tickets/${ticket.id}/assignment`)
      .send({ agentId: other.id, note: 'You know this model.' });

    expect(res.status).toBe(200);
    expect(res.body.ticket.assignee.id).toBe(other.id);
    const detail = (await alice.get(`/api/tickets/${ticket.id}`)).body as TicketDetail;
    const handoff = detail.timeline.at(-1)!;
    expect(handoff.kind).toBe('assigned');
    expect(handoff.detail).toMatchObject({ note: 'You know this model.', agent: other.name });
  });

  it('reopens a resolved ticket when the customer writes again', async () => {
    const created = await createTicket('Invoice address wrong', 'Please fix the street name.');
    const ticket = await openedTicket(created.body.ticketId);
    await alice.post(`/api/tickets/${ticket.id}/status`).send({ status: 'resolved' }).expect(200);

    await stack.intake.accept({
      channel: 'email',
      idempotencyKey: `test:${randomUUID()}`,
      requester: { email: ticket.requester.email, name: null },
      subject: 'Re: Invoice address wrong',
      text: 'It is still wrong on the new invoice.',
      html: null,
      receivedAt: new Date(),
      mailbox: null,
      messageIdHeader: null,
      inReplyTo: [],
      references: [],
      bodyHash: null,
      automatedReason: null,
      rawBlobKey: null,
      attachments: [],
      appendToTicketId: ticket.id,
    });

    const reopened = await eventually('ticket reopened', async () => {
      const detail = (await alice.get(`/api/tickets/${ticket.id}`)).body as TicketDetail;
      return detail.ticket.status === 'open' ? detail : null;
    });
    expect(reopened.timeline.map((e) => e.kind)).toContain('reopened');
  });
});

describe('queue lists', () => {
  it('filters by status and assignee and sorts by SLA due', async () => {
    const created = await createTicket('Dashboard slow', 'Takes a minute to load.');
    const ticket = await openedTicket(created.body.ticketId);

    const mine = await alice
      .get('/api/tickets')
      .query({ status: 'open', assigneeId: ticket.assignee!.id, sort: 'sla_due', pageSize: 200 })
      .expect(200);
    const badSort = await alice.get('/api/tickets').query({ sort: 'random' });

    const list = mine.body as TicketList;
    expect(list.items.map((t) => t.id)).toContain(ticket.id);
    expect(
      list.items.every((t) => t.status === 'open' && t.assignee?.id === ticket.assignee!.id),
    ).toBe(true);
    const dues = list.items.filter((t) => !t.firstRespondedAt).map((t) => t.firstResponseDueAt!);
    expect(dues).toEqual([...dues].sort());
    expect(badSort.status).toBe(422);
    expect(badSort.body.errors[0].field).toBe('query.sort');
  });
});
