// Load per agent and the one-click rebalance on the real stack: tickets made by the API and run
// by their workflows, load read over GET /api/lead/load, the preview naming what would move,
// and the move itself going through each ticket's assign Update (a recorded handoff), never
// the read model. A team of two agents of the test's own keeps the numbers its own.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import type { TicketDetail } from '../../api/contract.ts';
import type { LoadReport, RebalanceOutcome, RebalancePlan } from '../../reports/load.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { signIn, type SignedIn } from '../support/session.ts';
import { eventually } from '../support/stack.ts';

let testApp: TestApp;
let app: Express;
let alice: SignedIn;
let teamId: number;
let busy: { id: number; name: string };
let free: { id: number; name: string };
const ticketIds: number[] = [];
let movedIds: number[] = [];

beforeAll(async () => {
  testApp = await startTestApp({ name: 'reports-load' });
  app = testApp.app;
  alice = await signIn(app, 'alice@casework.example');
  const db = testApp.stack.orm.em.getConnection();
  const suffix = randomUUID().slice(0, 8);

  // Away agents are never chosen by routing, so only this test puts tickets on them.
  const [team] = await db.execute<{ id: number }[]>(
    `insert into team (name, calendar_id)
     select ?, calendar_id from team where name = 'Support' returning id`,
    [`Load test ${suffix}`],
  );
  teamId = team!.id;
  busy = await insertAgent(`Xena Busy ${suffix}`, `xena-${suffix}@load.example`);
  free = await insertAgent(`Yann Free ${suffix}`, `yann-${suffix}@load.example`);

  for (const subject of ['Export keeps timing out', 'Dashboard shows no data', 'Sync stopped']) {
    const id = await createTicket(subject);
    await assign(id, busy.id);
    ticketIds.push(id);
  }
}, 120_000);

afterAll(async () => {
  await testApp?.stack.orm.em
    .getConnection()
    .execute(`update agent set status = 'offline' where team_id = ?`, [teamId])
    .catch(() => undefined);
  await testApp?.stop();
});

describe('load per agent', () => {
  it('counts open and waiting tickets per agent, weighted in business hours, most loaded first', async () => {
    const res = await alice.get(`/api/lead/load?teamId=${teamId}`);

    expect(res.status).toBe(200);
    const report = res.body as LoadReport;
    expect(report.agents.map((a) => a.agent.id)).toEqual([busy.id, free.id]);
    expect(report.agents[0]).toMatchObject({ openTickets: 3, activeTickets: 3, status: 'away' });
    expect(report.agents[1]).toMatchObject({
      openTickets: 0,
      activeTickets: 0,
      weightedBusinessHours: 0,
    });
    expect(report.agents[0]!.weightedBusinessHours).toBeGreaterThanOrEqual(0);
    expect(report.weightDefinition).toMatch(/business hours since each ticket was created/);
  });

  it('exports the same rows as CSV', async () => {
    const res = await alice.get(`/api/lead/load?teamId=${teamId}&format=csv`);

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const lines = res.text.trim().split('\r\n');
    expect(lines[0]).toBe(
      'agent,team,status,open_tickets,active_tickets,weighted_business_hours,overdue_tickets,capacity',
    );
    expect(lines.slice(1).map((line) => line.split(',').slice(0, 1)[0])).toEqual([
      busy.name,
      free.name,
    ]);
  });

  it('is not for agents: an agent-only account is refused', async () => {
    const bob = await signIn(app, 'bob@casework.example');

    expect((await bob.get('/api/lead/load')).status).toBe(403);
    expect((await bob.post('/api/lead/rebalance').send({})).status).toBe(403);
  });
});

describe('rebalance', () => {
  it('says why nothing can move while the only other agent is away', async () => {
    const res = await alice.get(`/api/lead/rebalance?teamId=${teamId}&count=2`);

    const plan = res.body as RebalancePlan;
    expect(plan.from?.agent.id).toBe(busy.id);
    expect(plan.moves).toEqual([]);
    expect(plan.reason).toMatch(/No other online agent with room/);
  });

  it('previews, then moves the tickets through the workflow as a handoff by the lead', async () => {
    await setStatus(free.id, 'online');

    const preview = (await alice.get(`/api/lead/rebalance?teamId=${teamId}&count=2`))
      .body as RebalancePlan;
    expect(preview.from?.agent.id).toBe(busy.id);
    expect(preview.to?.agent.id).toBe(free.id);
    expect(preview.moves).toHaveLength(2);
    const moving = preview.moves.map((m) => m.ticketId);
    movedIds = moving;
    expect(ticketIds).toEqual(expect.arrayContaining(moving));

    const res = await alice
      .post('/api/lead/rebalance')
      .send({ fromAgentId: busy.id, toAgentId: free.id, ticketIds: moving });
    expect(res.status).toBe(200);
    expect(res.body as RebalanceOutcome).toEqual({ moved: moving, skipped: [] });

    for (const id of moving) {
      const detail = await ownerAfterMove(id, free.id);
      const handoff = detail.timeline.filter((e) => e.kind === 'assigned').at(-1);
      expect(handoff?.actor).toBe(alice.agent.name);
    }
    const load = (await alice.get(`/api/lead/load?teamId=${teamId}`)).body as LoadReport;
    const counts = Object.fromEntries(load.agents.map((a) => [a.agent.id, a.openTickets]));
    // While online, the free agent (skill "support") may also be routed a Support ticket that
    // a test file running in parallel opened, so theirs is at least the two moved here.
    expect(counts[busy.id]).toBe(1);
    expect(counts[free.id]).toBeGreaterThanOrEqual(2);
  });

  it('skips a ticket that moved since the preview, with the reason, and refuses a move to oneself', async () => {
    const stale = await alice
      .post('/api/lead/rebalance')
      .send({ fromAgentId: busy.id, toAgentId: free.id, ticketIds: [movedIds[0]] });

    expect(stale.body as RebalanceOutcome).toEqual({
      moved: [],
      skipped: [{ ticketId: movedIds[0], reason: `no longer assigned to agent ${busy.id}` }],
    });

    const self = await alice
      .post('/api/lead/rebalance')
      .send({ fromAgentId: free.id, toAgentId: free.id, ticketIds: [movedIds[0]] });
    expect(self.status).toBe(422);
    expect(self.body.errors).toEqual([
      { field: 'body.toAgentId', problem: 'must differ from fromAgentId' },
    ]);
  });
});

async function insertAgent(name: string, email: string): Promise<{ id: number; name: string }> {
  const [row] = await testApp.stack.orm.em.getConnection().execute<{ id: number }[]>(
    `insert into agent (name, email, team_id, skills, status, capacity)
     values (?, ?, ?, '["support"]', 'away', 25) returning id`,
    [name, email, teamId],
  );
  return { id: row!.id, name };
}

async function setStatus(agentId: number, status: 'online' | 'away'): Promise<void> {
  await testApp.stack.orm.em
    .getConnection()
    .execute('update agent set status = ? where id = ?', [status, agentId]);
}

async function createTicket(subject: string): Promise<number> {
  const res = await request(app)
    .post('/api/tickets')
    .set('Idempotency-Key', randomUUID())
    .send({
      requester: { email: `${randomUUID()}@customer.example`, name: 'Pat Doe' },
      subject,
      body: `${subject}: please have a look.`,
    });
  expect(res.status).toBe(201);
  const id = (res.body as { ticketId: number }).ticketId;
  await eventually(`ticket ${id} triaged`, async () => {
    const detail = (await alice.get(`/api/tickets/${id}`)).body as TicketDetail;
    return detail.ticket?.status === 'open' || detail.ticket?.status === 'new';
  });
  return id;
}

async function assign(ticketId: number, agentId: number): Promise<void> {
  const res = await alice.post(`/api/tickets/${ticketId}/assignment`).send({ agentId });
  expect(res.status).toBe(200);
  await ownerAfterMove(ticketId, agentId);
}

function ownerAfterMove(ticketId: number, agentId: number): Promise<TicketDetail> {
  return eventually(`ticket ${ticketId} owned by agent ${agentId}`, async () => {
    const detail = (await alice.get(`/api/tickets/${ticketId}`)).body as TicketDetail;
    return detail.ticket.assignee?.id === agentId ? detail : null;
  });
}
