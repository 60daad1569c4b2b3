// The ticket workflow's business-time SLAs (version 2, patch 2026-12-business-time-sla) on
// Temporal's time-skipping server with fake activities: cases C01, C03 and C05 of
// /work/shared/cases at their exact instants (moved forward by whole 52-week years, see
// support/case-clock.ts), warnings inside business hours, a calendar edit re-arming timers,
// escalation ladders, promises, and routing on request and on reopen.
import { afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { RoutingContext } from '../../activities/contracts.ts';
import { createTimeSkippingEnv } from '../../temporal/testing/time-skipping-server.ts';
import type { EscalationStep } from '../../workflows/policies/escalation.ts';
import type { SlaTerms } from '../../workflows/policies/sla.ts';
import type { BusinessCalendar } from '../../workflows/shared/business-time.ts';
import {
  customerMessageSignal,
  noteUpdate,
  promiseUpdate,
  replyUpdate,
  requestAssignmentUpdate,
  setStatusUpdate,
  slaTermsChangedSignal,
} from '../../workflows/ticket/messages.ts';
import type { TicketState, TimelineEntry } from '../../workflows/ticket/ticket-state.ts';
import { TicketStatus } from '../../workflows/ticket/vocabulary.ts';
import { deOffice, officeCalendar } from './shared/calendars.ts';
import { caseClock, type CaseClock } from './support/case-clock.ts';
import type { FakeActivityHooks, RecordedCalls } from './support/fake-ticket-activities.ts';
import {
  candidate,
  hourMs,
  leadAgentId,
  minuteMs,
  slaTerms,
  supportQueue,
} from './support/ticket-fixtures.ts';
import {
  bundleTicketWorkflows,
  waitFor,
  waitForProjected,
  waitForState,
  waitUntilOpened,
  withTicket,
  type TicketUnderTest,
} from './support/ticket-harness.ts';

const agentId = 12;
const answer = { agentId, body: 'Here is how to export the report.' };

/** Terms with every normal-priority target set, and no pauses unless asked. */
function termsWith(options: {
  firstResponseMs: number;
  resolutionMs: number;
  nextResponseMs?: number;
  pauseStatuses?: string[];
  warnBeforeMs?: number;
  ladder?: EscalationStep[];
}): SlaTerms {
  return {
    ...slaTerms,
    policyName: 'Case policy',
    firstResponseMs: { ...slaTerms.firstResponseMs, normal: options.firstResponseMs },
    resolutionMs: { ...slaTerms.resolutionMs, normal: options.resolutionMs },
    nextResponseMs:
      options.nextResponseMs === undefined
        ? null
        : { ...slaTerms.firstResponseMs, normal: options.nextResponseMs },
    pauseStatuses: options.pauseStatuses ?? [],
    warnBeforeMs: options.warnBeforeMs ?? hourMs,
    ...(options.ladder === undefined ? {} : { escalationLadder: options.ladder }),
  };
}

function contextWith(terms: SlaTerms, calendar: BusinessCalendar | null): RoutingContext {
  return {
    queue: supportQueue,
    terms,
    calendar,
    candidates: [
      candidate({ agentId: 11, openTickets: 3 }),
      candidate({ agentId: 12, openTickets: 1 }),
    ],
  };
}

function timeline(calls: RecordedCalls): TimelineEntry[] {
  return calls.projections.flatMap((projection) => projection.entries);
}

function entries(calls: RecordedCalls, kind: string): TimelineEntry[] {
  return timeline(calls).filter((entry) => entry.kind === kind);
}

function current(ticket: TicketUnderTest): Promise<TicketState> {
  return waitForState(ticket.handle, () => true, 'any');
}

describe('ticket workflow with business-time SLAs', () => {
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundleWithSourceMap;
  let nextTicketId = 3_000;

  /** Skips server time to a case instant; the workflow's timers fire on the way. */
  async function until(clock: CaseClock, caseIso: string): Promise<void> {
    const now = await env.currentTimeMs();
    const target = clock.at(caseIso);
    if (target > now) await env.sleep(target - now);
  }

  function ticket(options: { startAt: number; hooks: FakeActivityHooks }) {
    return { env, bundle, ticketId: nextTicketId++, ...options };
  }

  // Each test gets its own time-skipping server, so a test server that stops skipping (seen
  // once on a loaded machine) fails one test and its retry starts clean, not the whole file.
  jest.retryTimes(1, { logErrorsBeforeRetry: true });

  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    bundle = await bundleTicketWorkflows();
  }, 120_000);

  beforeEach(async () => {
    env = await createTimeSkippingEnv();
  }, 60_000);

  afterEach(async () => {
    await env?.teardown();
  });

  describe('C01: the clock starts at the first business minute after a weekend and holiday', () => {
    const c01Terms = termsWith({ firstResponseMs: 4 * hourMs, resolutionMs: 16 * hourMs });

    it('T-101: due Tue 13:00 CEST and Wed 17:00 CEST; first response met after 90 business minutes', async () => {
      const clock = caseClock('2025-04-19T12:20:00Z', await env.currentTimeMs());
      const context = contextWith(c01Terms, clock.calendar(deOffice));
      const options = ticket({
        startAt: clock.at('2025-04-19T12:20:00Z'),
        hooks: { routingContextFor: () => context },
      });

      const { opened, calls } = await withTicket(options, async (run) => {
        const opened = await waitUntilOpened(run);
        await until(clock, '2025-04-22T08:30:00Z');
        await run.handle.executeUpdate(replyUpdate, { args: [answer] });
        await until(clock, '2025-04-23T14:59:00Z');
        await run.handle.executeUpdate(setStatusUpdate, {
          args: [{ status: TicketStatus.Resolved, byAgentId: agentId }],
        });
        return { opened, calls: run.calls };
      });

      expect(clock.iso(opened.sla!.targets.first_response.dueAt)).toBe('2025-04-22T11:00:00.000Z');
      expect(clock.iso(opened.sla!.targets.resolution.dueAt)).toBe('2025-04-23T15:00:00.000Z');
      const met = entries(calls, 'sla_met').map((entry) => entry.detail);
      expect(met).toEqual([
        expect.objectContaining({ target: 'first_response', businessMinutes: 90, met: true }),
        expect.objectContaining({ target: 'resolution', businessMinutes: 959, met: true }),
      ]);
      expect(entries(calls, 'sla_breached')).toEqual([]);
    });

    it('T-102: created on Easter Monday, warned inside hours at Tue 12:00 CEST and due at 13:00', async () => {
      const clock = caseClock('2025-04-21T08:00:00Z', await env.currentTimeMs());
      const context = contextWith(c01Terms, clock.calendar(deOffice));
      const options = ticket({
        startAt: clock.at('2025-04-21T08:00:00Z'),
        hooks: { routingContextFor: () => context },
      });

      const { state, calls } = await withTicket(options, async (run) => {
        await waitUntilOpened(run);
        await until(clock, '2025-04-22T10:30:00Z');
        await waitForProjected(run.calls, 'sla_warning');
        return { state: await current(run), calls: run.calls };
      });

      expect(clock.iso(state.firstResponseDueAt)).toBe('2025-04-22T11:00:00.000Z');
      const [warning] = entries(calls, 'sla_warning');
      expect(clock.iso(warning!.at)).toBe('2025-04-22T10:00:00.000Z');
      expect(calls.notifications).toEqual([
        expect.objectContaining({ agentId, kind: 'sla_warning' }),
      ]);
    });

    it('re-arms an open ticket when Tuesday becomes a holiday: due Wed 13:00 and Thu 17:00 CEST', async () => {
      const clock = caseClock('2025-04-19T12:20:00Z', await env.currentTimeMs());
      const context = contextWith(c01Terms, clock.calendar(deOffice));
      const edited = clock.calendar({
        ...deOffice,
        holidays: [...deOffice.holidays, '2025-04-22'],
      });
      const options = ticket({
        startAt: clock.at('2025-04-19T12:20:00Z'),
        hooks: { routingContextFor: () => context },
      });

      const { state, calls } = await withTicket(options, async (run) => {
        await waitUntilOpened(run);
        await until(clock, '2025-04-21T12:00:00Z');
        await run.handle.signal(slaTermsChangedSignal, { terms: c01Terms, calendar: edited });
        await waitForProjected(run.calls, 'sla_terms_applied');
        await until(clock, '2025-04-22T16:00:00Z');
        return { state: await current(run), calls: run.calls };
      });

      expect(clock.iso(state.sla!.targets.first_response.dueAt)).toBe('2025-04-23T11:00:00.000Z');
      expect(clock.iso(state.sla!.targets.resolution.dueAt)).toBe('2025-04-24T15:00:00.000Z');
      const rearmed = entries(calls, 'sla_armed').filter(
        (entry) => entry.detail.reason === 'policy or calendar edited',
      );
      expect(rearmed.map((entry) => entry.detail.target)).toEqual(['first_response', 'resolution']);
      expect(entries(calls, 'sla_breached')).toEqual([]);
    });
  });

  describe('C03: pending time pauses the resolution clock, also when resolved from pending', () => {
    const c03Terms = termsWith({
      firstResponseMs: 2 * hourMs,
      resolutionMs: 8 * hourMs,
      pauseStatuses: [TicketStatus.Pending],
      // C03 names no warning; one would fall due at 10:00Z, the very instant of the first reply.
      warnBeforeMs: 0,
    });

    async function throughStepFour(run: TicketUnderTest, clock: CaseClock) {
      const dues: (string | null)[] = [];
      const resolutionDue = async () =>
        clock.iso((await current(run)).sla!.targets.resolution.dueAt);

      dues.push(clock.iso((await waitUntilOpened(run)).sla!.targets.resolution.dueAt));
      await until(clock, '2025-01-13T10:00:00Z');
      await run.handle.executeUpdate(replyUpdate, { args: [answer] });
      await run.handle.executeUpdate(setStatusUpdate, {
        args: [{ status: TicketStatus.Pending, byAgentId: agentId }],
      });
      dues.push(await resolutionDue());
      await until(clock, '2025-01-14T14:00:00Z');
      await run.handle.signal(customerMessageSignal, {
        messageId: 8_301,
        receivedAt: await env.currentTimeMs(),
        automated: false,
      });
      await waitForState(run.handle, (s) => s.status === TicketStatus.Open, 'resumed');
      dues.push(await resolutionDue());
      await until(clock, '2025-01-15T09:00:00Z');
      await run.handle.executeUpdate(setStatusUpdate, {
        args: [{ status: TicketStatus.Pending, byAgentId: agentId }],
      });
      dues.push(await resolutionDue());
      await until(clock, '2025-01-16T11:00:00Z');
      return dues;
    }

    it('T-301: due moves Tue 10:00 → paused → Wed 14:00 → paused; resolved at 240 business minutes, no breach', async () => {
      const clock = caseClock('2025-01-13T09:00:00Z', await env.currentTimeMs());
      const context = contextWith(
        c03Terms,
        clock.calendar(officeCalendar({ timeZone: 'Europe/Berlin' })),
      );
      const options = ticket({
        startAt: clock.at('2025-01-13T09:00:00Z'),
        hooks: { routingContextFor: () => context },
      });

      const { dues, calls } = await withTicket(options, async (run) => {
        const dues = await throughStepFour(run, clock);
        await run.handle.executeUpdate(setStatusUpdate, {
          args: [{ status: TicketStatus.Resolved, byAgentId: agentId }],
        });
        return { dues, calls: run.calls };
      });

      expect(dues).toEqual(['2025-01-14T09:00:00.000Z', null, '2025-01-15T13:00:00.000Z', null]);
      const met = entries(calls, 'sla_met').map((entry) => entry.detail);
      expect(met).toEqual([
        expect.objectContaining({ target: 'first_response', businessMinutes: 60, met: true }),
        expect.objectContaining({ target: 'resolution', businessMinutes: 240, met: true }),
      ]);
      expect(entries(calls, 'sla_breached')).toEqual([]);
      expect(calls.notifications.filter((n) => n.kind !== 'sla_warning')).toEqual([]);
    });

    it('variant: the customer replies at step 5 instead, and resolution falls due Thu 16:00 CET', async () => {
      const clock = caseClock('2025-01-13T09:00:00Z', await env.currentTimeMs());
      const context = contextWith(
        c03Terms,
        clock.calendar(officeCalendar({ timeZone: 'Europe/Berlin' })),
      );
      const options = ticket({
        startAt: clock.at('2025-01-13T09:00:00Z'),
        hooks: { routingContextFor: () => context },
      });

      const state = await withTicket(options, async (run) => {
        await throughStepFour(run, clock);
        await run.handle.signal(customerMessageSignal, {
          messageId: 8_302,
          receivedAt: await env.currentTimeMs(),
          automated: false,
        });
        return waitForState(run.handle, (s) => s.status === TicketStatus.Open, 'resumed again');
      });

      expect(clock.iso(state.sla!.targets.resolution.dueAt)).toBe('2025-01-16T15:00:00.000Z');
    });
  });

  describe('C05: one breach is one escalation; customer messages re-arm the next response', () => {
    const erin = 31;
    const frank = 32;
    const l2Queue = { id: 5, key: 'l2', name: 'L2', teamId: 50, leadAgentId: null, skill: 'l2' };

    it('A: moves to L2 and notifies erin and frank exactly once, though the first notification is retried', async () => {
      const clock = caseClock('2025-03-12T10:00:00Z', await env.currentTimeMs());
      const terms = termsWith({
        firstResponseMs: 60 * minuteMs,
        resolutionMs: 8 * hourMs,
        warnBeforeMs: 0,
        ladder: [
          {
            level: 1,
            target: 'first_response',
            offsetMs: 0,
            actions: [
              { kind: 'reassign_queue', queueKey: 'l2' },
              { kind: 'notify_agents', agentIds: [erin, frank] },
            ],
          },
        ],
      });
      const l2Context: RoutingContext = {
        queue: l2Queue,
        terms,
        calendar: null,
        candidates: [
          candidate({ agentId: erin, skills: ['l2'], openTickets: 0 }),
          candidate({ agentId: frank, skills: ['l2'], openTickets: 1 }),
        ],
      };
      const hooks: FakeActivityHooks = {
        routingContextFor: (key) => (key === 'l2' ? l2Context : contextWith(terms, null)),
        failFirstNotificationAfterDelivery: true,
      };

      const { state, calls } = await withTicket(
        ticket({ startAt: clock.at('2025-03-12T10:00:00Z'), hooks }),
        async (run) => {
          await waitUntilOpened(run);
          await until(clock, '2025-03-12T11:00:12Z');
          await waitFor(
            () => run.calls.notificationAttempts.length >= 3,
            'the retried notification',
          );
          await until(clock, '2025-03-12T13:00:00Z');
          return { state: await current(run), calls: run.calls };
        },
      );

      const escalations = entries(calls, 'escalated');
      expect(escalations).toHaveLength(1);
      expect(escalations[0]!.detail.reason).toBe('first response breached → L2');
      expect(clock.iso(escalations[0]!.at)).toBe('2025-03-12T11:00:00.000Z');
      expect(calls.notifications.map((n) => n.agentId).sort()).toEqual([erin, frank]);
      expect(calls.notificationAttempts.length).toBeGreaterThan(calls.notifications.length);
      expect(calls.notifications[0]!.idempotencyKey).toMatch(
        /^ticket-\d+:first_response:1:\d{4}-\d\d-\d\dT11:00:00\.\d{3}Z:agent-3[12]$/,
      );
      expect(state).toMatchObject({ queue: { key: 'l2' }, assigneeId: erin, reassignmentCount: 1 });
    });

    const c05bTerms = termsWith({
      firstResponseMs: 60 * minuteMs,
      resolutionMs: 48 * hourMs,
      nextResponseMs: 120 * minuteMs,
      pauseStatuses: [TicketStatus.Pending],
      warnBeforeMs: 0,
      ladder: [
        { level: 1, target: 'next_response', offsetMs: 0, actions: [{ kind: 'notify_lead' }] },
      ],
    });

    it.each([
      { title: 'B1: with no agent action it escalates once at 14:00', action: null, expected: 1 },
      {
        title: 'B2: a public reply at 13:30 satisfies it: no escalation',
        action: 'reply',
        expected: 0,
      },
      {
        title: 'B3: an internal note at 13:30 does not: it escalates at 14:00',
        action: 'note',
        expected: 1,
      },
    ] as const)('$title', async ({ action, expected }) => {
      const clock = caseClock('2025-03-12T08:00:00Z', await env.currentTimeMs());
      const hooks = { routingContextFor: () => contextWith(c05bTerms, null) };

      const { state, calls } = await withTicket(
        ticket({ startAt: clock.at('2025-03-12T08:00:00Z'), hooks }),
        async (run) => {
          await waitUntilOpened(run);
          await until(clock, '2025-03-12T08:30:00Z');
          await run.handle.executeUpdate(replyUpdate, { args: [answer] });
          await until(clock, '2025-03-12T09:00:00Z');
          await run.handle.executeUpdate(setStatusUpdate, {
            args: [{ status: TicketStatus.Pending, byAgentId: agentId }],
          });
          await until(clock, '2025-03-12T12:00:00Z');
          await run.handle.signal(customerMessageSignal, {
            messageId: 8_501,
            receivedAt: await env.currentTimeMs(),
            automated: false,
          });
          const resumed = await waitForState(
            run.handle,
            (s) => s.sla?.targets.next_response.dueAt != null,
            'next response armed',
          );
          expect(resumed.status).toBe(TicketStatus.Open);
          expect(clock.iso(resumed.sla!.targets.next_response.dueAt)).toBe(
            '2025-03-12T14:00:00.000Z',
          );

          await until(clock, '2025-03-12T13:30:00Z');
          if (action === 'reply') await run.handle.executeUpdate(replyUpdate, { args: [answer] });
          if (action === 'note') await run.handle.executeUpdate(noteUpdate, { args: [answer] });
          await until(clock, '2025-03-12T16:00:00Z');
          return { state: await current(run), calls: run.calls };
        },
      );

      const escalations = entries(calls, 'escalated');
      expect(escalations).toHaveLength(expected);
      for (const escalation of escalations) {
        expect(clock.iso(escalation.at)).toBe('2025-03-12T14:00:00.000Z');
        expect(escalation.detail.target).toBe('next_response');
      }
      expect(calls.notifications).toHaveLength(expected);
      expect(state.sla!.nextResponseSince === null).toBe(action === 'reply');
    });

    it('an automated message on a pending ticket resumes nothing and arms nothing', async () => {
      const clock = caseClock('2025-03-12T08:00:00Z', await env.currentTimeMs());
      const hooks = { routingContextFor: () => contextWith(c05bTerms, null) };

      const state = await withTicket(
        ticket({ startAt: clock.at('2025-03-12T08:00:00Z'), hooks }),
        async (run) => {
          await waitUntilOpened(run);
          await run.handle.executeUpdate(replyUpdate, { args: [answer] });
          await run.handle.executeUpdate(setStatusUpdate, {
            args: [{ status: TicketStatus.Pending, byAgentId: agentId }],
          });
          await run.handle.signal(customerMessageSignal, {
            messageId: 8_601,
            receivedAt: await env.currentTimeMs(),
            automated: true,
          });
          return waitForState(run.handle, (s) => s.seenMessageIds.includes(8_601), 'seen');
        },
      );

      expect(state.status).toBe(TicketStatus.Pending);
      expect(state.sla!.nextResponseSince).toBeNull();
      expect(state.sla!.targets.next_response.dueAt).toBeNull();
    });
  });

  describe('promises', () => {
    const terms = termsWith({ firstResponseMs: 4 * hourMs, resolutionMs: 48 * hourMs });

    it('reminds the agent an hour before, then escalates to the lead when the promise lapses', async () => {
      const start = (await env.currentTimeMs()) + minuteMs;
      const hooks = { routingContextFor: () => contextWith(terms, null) };

      const calls = await withTicket(ticket({ startAt: start, hooks }), async (run) => {
        await waitUntilOpened(run);
        await run.handle.executeUpdate(replyUpdate, { args: [answer] });
        const dueAt = (await env.currentTimeMs()) + 4 * hourMs;
        await run.handle.executeUpdate(promiseUpdate, {
          args: [{ agentId, dueAt, note: 'Vendor answer by this afternoon' }],
        });
        await env.sleep(5 * hourMs);
        await waitForProjected(run.calls, 'promise_lapsed');
        return run.calls;
      });

      expect(timeline(calls).map((e) => e.kind)).toEqual(
        expect.arrayContaining(['promise_made', 'promise_reminder', 'promise_lapsed']),
      );
      const [made] = entries(calls, 'promise_made');
      const [reminder] = entries(calls, 'promise_reminder');
      expect(reminder!.at - made!.at).toBeGreaterThanOrEqual(3 * hourMs - minuteMs);
      expect(calls.notifications.map((n) => [n.agentId, n.kind])).toEqual([
        [agentId, 'promise'],
        [leadAgentId, 'escalation'],
      ]);
    });

    it('a public reply before the promised time keeps the promise and nothing lapses', async () => {
      const start = (await env.currentTimeMs()) + minuteMs;
      const hooks = { routingContextFor: () => contextWith(terms, null) };

      const calls = await withTicket(ticket({ startAt: start, hooks }), async (run) => {
        await waitUntilOpened(run);
        const dueAt = (await env.currentTimeMs()) + 4 * hourMs;
        await run.handle.executeUpdate(promiseUpdate, {
          args: [{ agentId, dueAt, note: 'Will confirm the refund' }],
        });
        await env.sleep(2 * hourMs);
        await run.handle.executeUpdate(replyUpdate, { args: [answer] });
        await env.sleep(6 * hourMs);
        return run.calls;
      });

      expect(entries(calls, 'promise_kept')).toHaveLength(1);
      expect(entries(calls, 'promise_lapsed')).toEqual([]);
      expect(calls.notifications.filter((n) => n.kind === 'promise')).toEqual([]);
    });
  });

  describe('routing', () => {
    const terms = termsWith({ firstResponseMs: 4 * hourMs, resolutionMs: 48 * hourMs });

    it('assigns an unassigned ticket when asked after an agent becomes available', async () => {
      let available = false;
      const hooks = {
        routingContextFor: () => ({
          ...contextWith(terms, null),
          candidates: [candidate({ agentId: 14, available, openTickets: 0 })],
        }),
      };

      const { before, after } = await withTicket(
        ticket({ startAt: (await env.currentTimeMs()) + minuteMs, hooks }),
        async (run) => {
          const before = await waitUntilOpened(run);
          available = true;
          const result = await run.handle.executeUpdate(requestAssignmentUpdate, { args: [] });
          const after = await current(run);
          expect(result.version).toBe(after.seq);
          return { before, after };
        },
      );

      expect(before.assigneeId).toBeNull();
      expect(after).toMatchObject({ assigneeId: 14, reassignmentCount: 0 });
    });

    it('reassigns a reopened ticket when its previous owner went offline', async () => {
      let ownerOnline = true;
      const hooks = {
        routingContextFor: () => ({
          ...contextWith(terms, null),
          candidates: [
            candidate({ agentId: 11, openTickets: 3 }),
            candidate({ agentId: 12, openTickets: 1, available: ownerOnline }),
          ],
        }),
      };

      const { state, calls } = await withTicket(
        ticket({ startAt: (await env.currentTimeMs()) + minuteMs, hooks }),
        async (run) => {
          await waitUntilOpened(run);
          await run.handle.executeUpdate(replyUpdate, { args: [answer] });
          await run.handle.executeUpdate(setStatusUpdate, {
            args: [{ status: TicketStatus.Resolved, byAgentId: agentId }],
          });
          ownerOnline = false;
          await run.handle.signal(customerMessageSignal, {
            messageId: 8_701,
            receivedAt: await env.currentTimeMs(),
            automated: false,
          });
          const state = await waitForState(run.handle, (s) => s.assigneeId === 11, 'rerouted');
          return { state, calls: run.calls };
        },
      );

      expect(state).toMatchObject({ status: TicketStatus.Open, reassignmentCount: 1 });
      const reassigned = entries(calls, 'assigned').at(-1)!;
      expect(reassigned.detail).toMatchObject({
        agentId: 11,
        previousAgentId: agentId,
        reason: 'previous assignee offline',
      });
    });
  });
});
