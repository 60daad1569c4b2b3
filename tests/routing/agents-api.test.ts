import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import express, { type Express } from 'express';
import request from 'supertest';
import {
  assignWaitingTickets,
  temporalAssignmentRequest,
  type AssignmentRequestSender,
} from '../../activities/assignment-dispatch.ts';
import { loadAssignmentCandidates } from '../../activities/routing.ts';
import type { TicketDetail } from '../../api/contract.ts';
import { problemHandler } from '../../api/errors.ts';
import { requestLog } from '../../api/middleware/request-log.ts';
import { agentRoutes } from '../../api/routes/agents.ts';
import { chooseAssignee, AssignmentStrategy } from '../../workflows/policies/assignment.ts';
import { signIn, type SignedIn } from '../support/session.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { eventually, type TestStack } from '../support/stack.ts';
import { assigneeOf, createRoutingFixture, type RoutingFixture } from './routing-fixture.ts';

let stack: TestStack;
let testApp: TestApp;
let app: Express;
// Alice leads Support and administers the workspace: she may set anyone's status.
let lead: SignedIn;

beforeAll(async () => {
  testApp = await startTestApp({ name: 'agents' });
  ({ stack, app } = testApp);
  lead = await signIn(app, 'alice@casework.example');
}, 120_000);

afterAll(async () => {
  await testApp?.stop();
});

/**
 * Stands in for the ticket workflow's assignment update: it asks the real policy with the
 * real candidate look-up and writes the owner to the read model, recording the order asked.
 */
function policySender(fixture: RoutingFixture, asked: number[]): AssignmentRequestSender {
  return async (ticketId) => {
    asked.push(ticketId);
    const em = stack.orm.em.fork();
    const candidates = await loadAssignmentCandidates(em, { skill: fixture.skill });
    const decision = chooseAssignee({
      strategy: AssignmentStrategy.RoundRobin,
      skill: fixture.skill,
      candidates,
    });
    if (decision.agentId === null) return { assigned: false };

    await em.execute('update ticket set assignee_id = ? where id = ?', [
      decision.agentId,
      ticketId,
    ]);
    await em.execute('update agent set last_assigned_at = now() where id = ?', [decision.agentId]);
    return { assigned: true };
  };
}

function appWithSender(sender: AssignmentRequestSender): Express {
  const withSender = express();
  withSender.use(requestLog(stack.log));
  withSender.use(express.json());
  withSender.use(
    agentRoutes({
      orm: stack.orm,
      temporal: stack.temporal.client,
      log: stack.log,
      sendAssignmentRequest: sender,
    }),
  );
  withSender.use(problemHandler);
  return withSender;
}

describe('POST /api/agents/:id/status', () => {
  it('answers the agent view with the new status, and the directory shows the agent unavailable', async () => {
    const fixture = await createRoutingFixture(stack.orm);
    const agentId = await fixture.addAgent({ name: 'Away' });

    const res = await lead.post(`/api/agents/${agentId}/status`).send({ status: 'away' });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: agentId, status: 'away', available: false });
    const directory = (await lead.get('/api/agents')).body as {
      id: number;
      available: boolean;
    }[];
    expect(directory.find((a) => a.id === agentId)!.available).toBe(false);
  });

  it('refuses a status it does not know with a problem naming body.status, and changes nothing', async () => {
    const fixture = await createRoutingFixture(stack.orm);
    const agentId = await fixture.addAgent({ name: 'Steady' });

    const res = await lead.post(`/api/agents/${agentId}/status`).send({ status: 'busy' });

    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['body.status']);
    const [candidate] = await loadAssignmentCandidates(stack.orm.em.fork(), {
      skill: fixture.skill,
    });
    expect(candidate!.status).toBe('online');
  });

  it('answers an unknown agent with a JSON 404 and a malformed id with a 422', async () => {
    const unknown = await lead.post('/api/agents/987654321/status').send({ status: 'away' });
    const malformed = await lead.post('/api/agents/alice/status').send({ status: 'away' });

    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toBe('agent 987654321 does not exist');
    expect(malformed.status).toBe(422);
  });

  it('lets an agent set their own status but refuses them a colleague', async () => {
    const fixture = await createRoutingFixture(stack.orm);
    const colleague = await fixture.addAgent({ name: 'Colleague' });
    const bob = await signIn(app, 'bob@casework.example');

    const own = await bob.post(`/api/agents/${bob.agent.id}/status`).send({ status: 'online' });
    const other = await bob.post(`/api/agents/${colleague}/status`).send({ status: 'offline' });

    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ id: bob.agent.id, status: 'online' });
    expect(other.status).toBe(403);
    const [candidate] = await loadAssignmentCandidates(stack.orm.em.fork(), {
      skill: fixture.skill,
    });
    expect(candidate!.status).toBe('online');
  });

  it('offers the waiting tickets of the agent queues in order of arrival when the agent comes online', async () => {
    const fixture = await createRoutingFixture(stack.orm);
    const agentId = await fixture.addAgent({ name: 'Returning', status: 'offline' });
    const third = await fixture.addWaitingTicket({ createdAt: '2025-03-13T09:02:00Z' });
    const first = await fixture.addWaitingTicket({ createdAt: '2025-03-13T09:00:00Z' });
    const second = await fixture.addWaitingTicket({ createdAt: '2025-03-13T09:01:00Z' });
    const otherQueue = await fixture.addWaitingTicket({
      createdAt: '2025-03-13T08:00:00Z',
      queueId: fixture.otherQueueId,
    });
    const asked: number[] = [];

    const res = await request(appWithSender(policySender(fixture, asked)))
      .post(`/agents/${agentId}/status`)
      .send({ status: 'online' });

    expect(res.status).toBe(200);
    expect(asked).toEqual([first, second, third]);
    for (const ticketId of [first, second, third]) {
      expect(await assigneeOf(stack.orm, ticketId)).toBe(agentId);
    }
    expect(await assigneeOf(stack.orm, otherQueue)).toBeNull();
  });

  it('offers nothing when the agent goes away or offline', async () => {
    const fixture = await createRoutingFixture(stack.orm);
    const agentId = await fixture.addAgent({ name: 'Leaving' });
    await fixture.addWaitingTicket({ createdAt: '2025-03-13T09:00:00Z' });
    const asked: number[] = [];
    const withSender = appWithSender(policySender(fixture, asked));

    await request(withSender).post(`/agents/${agentId}/status`).send({ status: 'away' });
    await request(withSender).post(`/agents/${agentId}/status`).send({ status: 'offline' });

    expect(asked).toEqual([]);
  });
});

describe('assignWaitingTickets', () => {
  it('stops at the first ticket nobody can take, so later arrivals never jump the queue', async () => {
    const fixture = await createRoutingFixture(stack.orm);
    const agentId = await fixture.addAgent({ name: 'Only' });
    const tickets = [];
    for (const minute of ['00', '01', '02', '03', '04']) {
      tickets.push(await fixture.addWaitingTicket({ createdAt: `2025-03-13T09:${minute}:00Z` }));
    }
    const asked: number[] = [];

    const summary = await assignWaitingTickets({
      orm: stack.orm,
      temporal: stack.temporal.client,
      log: stack.log,
      agentId,
      sendAssignmentRequest: policySender(fixture, asked),
    });

    expect(asked).toEqual(tickets.slice(0, 4));
    expect(summary.assigned).toEqual(tickets.slice(0, 3));
    expect(summary.blockedQueueIds).toEqual([fixture.queueId]);
    expect(await assigneeOf(stack.orm, tickets[3]!)).toBeNull();
    expect(await assigneeOf(stack.orm, tickets[4]!)).toBeNull();
  });

  it('skips a waiting ticket that has no running workflow without blocking its queue', async () => {
    const fixture = await createRoutingFixture(stack.orm);
    const agentId = await fixture.addAgent({ name: 'Carrying' });
    const orphan = await fixture.addWaitingTicket({ createdAt: '2025-03-13T09:00:00Z' });

    const summary = await assignWaitingTickets({
      orm: stack.orm,
      temporal: stack.temporal.client,
      log: stack.log,
      agentId,
    });

    expect(summary.offered).toEqual([orphan]);
    expect(summary.assigned).toEqual([]);
    expect(summary.blockedQueueIds).toEqual([]);
  });
  it('skips a ticket whose workflow refuses the request and still serves the ones behind it', async () => {
    const fixture = await createRoutingFixture(stack.orm);
    const agentId = await fixture.addAgent({ name: 'Skipping' });
    const closed = await fixture.addWaitingTicket({ createdAt: '2025-03-13T09:00:00Z' });
    const next = await fixture.addWaitingTicket({ createdAt: '2025-03-13T09:01:00Z' });
    const asked: number[] = [];
    const assignByPolicy = policySender(fixture, asked);
    const refuseClosed: AssignmentRequestSender = async (ticketId) => {
      if (ticketId !== closed) return assignByPolicy(ticketId);
      asked.push(ticketId);
      throw new WorkflowUpdateFailedError('Workflow Update failed', new Error('closed'));
    };

    const summary = await assignWaitingTickets({
      orm: stack.orm,
      temporal: stack.temporal.client,
      log: stack.log,
      agentId,
      sendAssignmentRequest: refuseClosed,
    });

    expect(asked).toEqual([closed, next]);
    expect(summary.assigned).toEqual([next]);
    expect(await assigneeOf(stack.orm, closed)).toBeNull();
  });
});

describe('an agent coming online while Temporal cannot be reached', () => {
  it('still saves and answers the new status; the tickets wait for the next change', async () => {
    const fixture = await createRoutingFixture(stack.orm);
    const agentId = await fixture.addAgent({ name: 'Unlucky', status: 'offline' });
    const waiting = await fixture.addWaitingTicket({ createdAt: '2025-03-13T09:00:00Z' });
    const unreachable: AssignmentRequestSender = async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:7233');
    };

    const res = await request(appWithSender(unreachable))
      .post(`/agents/${agentId}/status`)
      .send({ status: 'online' });

    expect(res.status).toBe(200);
    expect(res.body.status).toBe('online');
    expect(await assigneeOf(stack.orm, waiting)).toBeNull();
  });
});

describe('agent status in the database', () => {
  it('counts pending and on-hold tickets against capacity, but not resolved ones', async () => {
    const fixture = await createRoutingFixture(stack.orm);
    const agentId = await fixture.addAgent({ name: 'Loaded' });
    const em = stack.orm.em.fork();
    for (const status of ['pending', 'on_hold', 'resolved']) {
      const ticketId = await fixture.addWaitingTicket({ createdAt: '2025-03-13T09:00:00Z' });
      await em.execute('update ticket set assignee_id = ?, status = ? where id = ?', [
        agentId,
        status,
        ticketId,
      ]);
    }

    const [candidate] = await loadAssignmentCandidates(em, { skill: fixture.skill });

    expect(candidate!.openTickets).toBe(2);
  });

  it('keeps the old availability flag and the status telling one fact, whichever is written', async () => {
    const fixture = await createRoutingFixture(stack.orm);
    const agentId = await fixture.addAgent({ name: 'Legacy' });
    const em = stack.orm.em.fork();

    await em.execute('update agent set available = false where id = ?', [agentId]);
    const [afterLegacyWrite] = await loadAssignmentCandidates(em, { skill: fixture.skill });
    await em.execute("update agent set status = 'online' where id = ?", [agentId]);
    const [afterStatusWrite] = await loadAssignmentCandidates(em, { skill: fixture.skill });

    expect(afterLegacyWrite).toMatchObject({ status: 'offline', available: false });
    expect(afterStatusWrite).toMatchObject({ status: 'online', available: true });
  });
});

describe('the assignment request to a real ticket workflow', () => {
  it('leaves an assigned ticket with its owner and reports it as assigned', async () => {
    const created = await lead
      .post('/api/tickets')
      .send({
        requester: { email: 'routing-check@customer.example', name: 'Pat Doe' },
        subject: 'Cannot log in after the update',
        body: 'The login page keeps spinning.',
      })
      .expect(201);
    const ticketId = created.body.ticketId as number;
    const before = await eventually('ticket assigned at arrival', async () => {
      const detail = (await lead.get(`/api/tickets/${ticketId}`)).body as TicketDetail;
      return detail.ticket?.assignee ? detail : null;
    });

    const answer = await temporalAssignmentRequest(stack.temporal.client)(ticketId);

    const after = (await lead.get(`/api/tickets/${ticketId}`)).body as TicketDetail;
    expect(answer).toEqual({ assigned: true });
    expect(after.ticket.assignee).toEqual(before.ticket.assignee);
    expect(after.timeline.filter((e) => e.kind === 'assigned')).toHaveLength(1);
  });
});
