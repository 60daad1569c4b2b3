// The metric definitions over what the real ticket workflow writes, not hand-made fixtures: a
// ticket opened over the API, answered, resolved, reopened by the customer, answered and
// resolved again must appear once in first response (the first reply, not the later one), in
// next response from the customer's return, in resolution to the last resolution, as reopened,
// and with the workflow's own first-response SLA verdict.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { TicketDetail } from '../../api/contract.ts';
import type { DrillDown, MetricId, ReportQuery } from '../../reports/contract.ts';
import { drillDown } from '../../reports/report-service.ts';
import { signIn, type SignedIn } from '../support/session.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { eventually } from '../support/stack.ts';

let testApp: TestApp;
let app: Express;
let alice: SignedIn;
const startedAt = new Date(Date.now() - 60_000);

beforeAll(async () => {
  testApp = await startTestApp({ name: 'reports-workflow' });
  ({ app } = testApp);
  alice = await signIn(app, 'alice@casework.example');
}, 120_000);

afterAll(async () => {
  await testApp?.stop();
});

async function detailOf(ticketId: number): Promise<TicketDetail> {
  return (await alice.get(`/api/tickets/${ticketId}`).expect(200)).body as TicketDetail;
}

async function until(ticketId: number, what: string, ok: (d: TicketDetail) => boolean) {
  return eventually(what, async () => {
    const res = await alice.get(`/api/tickets/${ticketId}`);
    const detail = res.body as TicketDetail;
    return res.status === 200 && ok(detail) ? detail : null;
  });
}

async function customerWrites(detail: TicketDetail, text: string): Promise<void> {
  await testApp.stack.intake.accept({
    channel: 'email',
    idempotencyKey: `test:${randomUUID()}`,
    requester: { email: detail.ticket.requester.email!, name: null },
    subject: `Re: ${detail.ticket.subject}`,
    text,
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
    appendToTicketId: detail.ticket.id,
  });
}

async function reply(ticketId: number, body: string): Promise<void> {
  const { ticket } = await detailOf(ticketId);
  await alice
    .post(`/api/tickets/${ticketId}/replies`)
    .send({ body, expectedVersion: ticket.version })
    .expect(201);
}

describe('report metrics over the real workflow', () => {
  it('measures a reopened ticket from the entries the workflow projects', async () => {
    const created = await request(app)
      .post('/api/tickets')
      .set('Idempotency-Key', randomUUID())
      .send({
        requester: { email: `${randomUUID()}@customer.example`, name: 'Pat' },
        subject: 'Export button greyed out',
        body: 'The CSV export button does nothing.',
      })
      .expect(201);
    const id = Number(created.body.ticketId);
    await until(id, 'ticket opened', (d) => d.ticket.status === 'open');

    await reply(id, 'Which browser do you use?');
    await alice.post(`/api/tickets/${id}/status`).send({ status: 'resolved' }).expect(200);
    const resolvedOnce = await until(id, 'resolved', (d) => d.ticket.status === 'resolved');
    await customerWrites(resolvedOnce, 'Still greyed out in Firefox.');
    await until(id, 'reopened', (d) => d.ticket.status === 'open');
    await reply(id, 'Fixed in today’s release.');
    await alice.post(`/api/tickets/${id}/status`).send({ status: 'resolved' }).expect(200);
    const done = await until(id, 'resolved again', (d) => d.ticket.status === 'resolved');

    const q: ReportQuery = {
      from: startedAt.toISOString(),
      to: new Date(Date.now() + 60_000).toISOString(),
    };
    const rowsOf = async (metric: MetricId) =>
      (
        (await drillDown(testApp.stack.orm.em.fork(), metric, q, { limit: 5000 })) as DrillDown
      ).tickets.filter((t) => t.id === id);
    const at = (kind: string, nth = 0) =>
      Date.parse(done.timeline.filter((e) => e.kind === kind)[nth]!.at);
    const minutes = (from: number, to: number) => Math.round((to - from) / 6_000) / 10;
    const createdAt = at('created');

    // One first response, measured to the first reply even though a second one followed.
    const first = await rowsOf('first_response_time');
    expect(first).toHaveLength(1);
    expect(first[0]?.calendarValue).toBe(minutes(createdAt, at('public_reply', 0)));
    expect(first[0]?.agentId).toBe(alice.agent.id);

    // The next response runs from the customer's return (the reopening message).
    const next = await rowsOf('next_response_time');
    expect(next).toHaveLength(1);
    expect(next[0]?.calendarValue).toBe(minutes(at('reopened'), at('public_reply', 1)));

    // Resolution to the last resolution; reopened once; the workflow's own SLA verdict.
    const resolution = await rowsOf('resolution_time');
    const lastResolved = Date.parse(
      done.timeline.filter((e) => e.kind === 'status_changed').at(-1)!.at,
    );
    expect(resolution[0]?.calendarValue).toBe(minutes(createdAt, lastResolved));
    expect((await rowsOf('reopen_rate'))[0]?.note).toBe('reopened');
    expect((await rowsOf('sla_first_response_met'))[0]?.note).toMatch(/^met/);
  });
});
