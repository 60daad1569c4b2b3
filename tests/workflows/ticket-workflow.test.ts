// The ticket workflow (workflows/ticket/ticket-workflow.ts) on Temporal's time-skipping test
// server with fake activities: SLA breach and escalation, follow-up and auto-close over days of
// skipped time, reopening, and the refusals agents see when their view is stale or a colleague
// is replying. The real activities are tested against PostgreSQL elsewhere.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createTimeSkippingEnv } from '../../temporal/testing/time-skipping-server.ts';
import {
  assignUpdate,
  customerMessageSignal,
  replyUpdate,
  setStatusUpdate,
} from '../../workflows/ticket/messages.ts';
import { Priority, TicketStatus } from '../../workflows/ticket/vocabulary.ts';
import { projectedKinds, type FakeActivityHooks } from './support/fake-ticket-activities.ts';
import { dayMs, hourMs, leadAgentId, minuteMs, slaTerms } from './support/ticket-fixtures.ts';
import {
  bundleTicketWorkflows,
  refusalType,
  waitFor,
  waitForProjected,
  waitForState,
  waitUntilOpened,
  withTicket,
} from './support/ticket-harness.ts';

const agentId = 12;
const answer = { agentId, body: 'You can export reports from Settings → Reports.' };

describe('ticket workflow', () => {
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundleWithSourceMap;
  let nextTicketId = 100;
  const ticket = (options: { hooks?: FakeActivityHooks; workflowTaskTimeout?: string } = {}) => ({
    env,
    bundle,
    ticketId: nextTicketId++,
    ...options,
  });

  beforeAll(async () => {
    // Worker state changes are logged at INFO; only warnings help when a test fails.
    Runtime.install({ logger: new DefaultLogger('WARN') });
    [env, bundle] = await Promise.all([createTimeSkippingEnv(), bundleTicketWorkflows()]);
  }, 120_000);

  afterAll(async () => {
    await env?.teardown();
  });

  it('opens a ticket triaged, assigned to the least-loaded agent and armed', async () => {
    const opened = await withTicket(ticket(), async ({ handle }) => {
      return waitForState(handle, (state) => state.firstResponseDueAt !== null, 'armed');
    });

    expect(opened).toMatchObject({
      status: TicketStatus.Open,
      priority: Priority.Normal,
      assigneeId: 12,
      reassignmentCount: 0,
    });
    expect(opened.firstResponseDueAt! - opened.createdAt).toBe(slaTerms.firstResponseMs.normal);
  });

  it('escalates when no agent replies within the first-response target', async () => {
    const { state, calls } = await withTicket(ticket(), async (run) => {
      await waitUntilOpened(run);
      await env.sleep(4 * hourMs + minuteMs);
      await waitForProjected(run.calls, 'escalated');
      await env.sleep(dayMs);
      return { state: await waitForState(run.handle, () => true, 'any'), calls: run.calls };
    });

    expect(state).toMatchObject({ breached: true, escalationLevel: 1, priority: Priority.High });
    expect(calls.notifications).toHaveLength(1);
    expect(calls.notifications[0]).toMatchObject({
      agentId: leadAgentId,
      kind: 'escalation',
      // One key per (ticket, target, level, due instant) and recipient: a retry notifies once.
      idempotencyKey: `ticket-${state.ticketId}:first_response:1:${new Date(state.firstResponseDueAt!).toISOString()}:agent-${leadAgentId}`,
    });
    const kinds = projectedKinds(calls);
    expect(kinds.slice(-2)).toEqual(['sla_breached', 'escalated']);
  });

  it('does not escalate when the first reply comes in time', async () => {
    const { state, calls } = await withTicket(ticket(), async (run) => {
      await waitUntilOpened(run);
      await env.sleep(3 * hourMs);
      await run.handle.executeUpdate(replyUpdate, { args: [answer] });
      await env.sleep(2 * dayMs);
      return { state: await waitForState(run.handle, () => true, 'any'), calls: run.calls };
    });

    expect(state).toMatchObject({ breached: false, escalationLevel: 0, priority: 'normal' });
    expect(state.firstRespondedAt! - state.createdAt).toBeGreaterThanOrEqual(3 * hourMs);
    expect(state.firstRespondedAt!).toBeLessThan(state.firstResponseDueAt!);
    expect(calls.notifications).toHaveLength(0);
    expect(projectedKinds(calls)).not.toContain('sla_breached');
  });

  it('sends one follow-up reminder while pending and auto-closes after a further silence', async () => {
    const { outcome, calls, pendingSince } = await withTicket(ticket(), async (run) => {
      await waitUntilOpened(run);
      await run.handle.executeUpdate(replyUpdate, { args: [answer] });
      await run.handle.executeUpdate(setStatusUpdate, {
        args: [{ status: TicketStatus.Pending, byAgentId: agentId }],
      });
      const pending = await waitForState(run.handle, () => true, 'pending');
      return {
        outcome: await run.handle.result(),
        calls: run.calls,
        pendingSince: pending.pendingSince!,
      };
    });

    expect(outcome.status).toBe(TicketStatus.Closed);
    expect(calls.followUps).toHaveLength(1);
    expect(calls.followUps[0]!.at - pendingSince).toBeGreaterThanOrEqual(slaTerms.followUpAfterMs);
    expect(outcome.closedAt - calls.followUps[0]!.at).toBeGreaterThanOrEqual(
      slaTerms.autoCloseAfterMs,
    );
    expect(projectedKinds(calls).slice(-2)).toEqual(['follow_up_reminder_sent', 'auto_closed']);
  });

  it('reopens when the customer writes after resolution', async () => {
    const { state, calls } = await withTicket(ticket(), async (run) => {
      await waitUntilOpened(run);
      await run.handle.executeUpdate(replyUpdate, { args: [answer] });
      await run.handle.executeUpdate(setStatusUpdate, {
        args: [{ status: TicketStatus.Resolved, byAgentId: agentId }],
      });
      await env.sleep(dayMs);
      await run.handle.signal(customerMessageSignal, {
        messageId: 8_101,
        receivedAt: await env.currentTimeMs(),
        automated: false,
      });
      await waitForProjected(run.calls, 'reopened');
      return { state: await waitForState(run.handle, () => true, 'any'), calls: run.calls };
    });

    expect(state).toMatchObject({ status: TicketStatus.Open, resolvedAt: null });
    // The reopen restarts the resolution clock, so its due instant is armed again last.
    expect(projectedKinds(calls).slice(-3)).toEqual(['customer_message', 'reopened', 'sla_armed']);
  });

  it('an automated message does not reopen a resolved ticket, which then auto-closes', async () => {
    const { outcome, calls, resolvedAt } = await withTicket(ticket(), async (run) => {
      await waitUntilOpened(run);
      await run.handle.executeUpdate(setStatusUpdate, {
        args: [{ status: TicketStatus.Resolved, byAgentId: agentId }],
      });
      await run.handle.signal(customerMessageSignal, {
        messageId: 8_201,
        receivedAt: await env.currentTimeMs(),
        automated: true,
      });
      const stillResolved = await waitForState(
        run.handle,
        (s) => s.seenMessageIds.includes(8_201),
        'automated message seen',
      );
      expect(stillResolved.status).toBe(TicketStatus.Resolved);
      return {
        outcome: await run.handle.result(),
        calls: run.calls,
        resolvedAt: stillResolved.resolvedAt!,
      };
    });

    expect(projectedKinds(calls)).not.toContain('reopened');
    expect(outcome.status).toBe(TicketStatus.Closed);
    expect(outcome.closedAt - resolvedAt).toBeGreaterThanOrEqual(slaTerms.autoCloseAfterMs);
  });

  it('ignores a customer message delivered twice', async () => {
    const calls = await withTicket(ticket(), async (run) => {
      await waitUntilOpened(run);
      const message = { messageId: 8_301, receivedAt: run.receivedAt, automated: false };
      await run.handle.signal(customerMessageSignal, message);
      await run.handle.signal(customerMessageSignal, message);
      await run.handle.executeUpdate(replyUpdate, { args: [answer] });
      return run.calls;
    });

    expect(projectedKinds(calls).filter((kind) => kind === 'customer_message')).toHaveLength(1);
  });

  it('refuses a stale reply with StaleTicket and accepts it after reloading', async () => {
    const { refused, accepted, calls } = await withTicket(ticket(), async (run) => {
      const loaded = await waitUntilOpened(run);
      await run.handle.signal(customerMessageSignal, {
        messageId: 8_401,
        receivedAt: run.receivedAt,
        automated: false,
      });
      await waitForState(run.handle, (s) => s.seq > loaded.seq, 'customer message applied');

      const staleReply = { ...answer, expectedVersion: loaded.seq };
      const refused = await refusalType(
        run.handle.executeUpdate(replyUpdate, { args: [staleReply] }),
      );
      const reloaded = await waitForState(run.handle, () => true, 'reloaded');
      const accepted = await run.handle.executeUpdate(replyUpdate, {
        args: [{ ...answer, expectedVersion: reloaded.seq }],
      });
      return { refused, accepted, calls: run.calls };
    });

    expect(refused).toBe('StaleTicket');
    expect(accepted.messageId).toBeDefined();
    expect(calls.agentMessages).toHaveLength(1);
  });

  it('two replies sent at the same moment: exactly one goes out', async () => {
    const { outcomes, calls } = await withTicket(ticket(), async (run) => {
      const loaded = await waitUntilOpened(run);
      const send = (agent: number) =>
        run.handle.executeUpdate(replyUpdate, {
          args: [{ agentId: agent, body: `Reply from ${agent}`, expectedVersion: loaded.seq }],
        });

      const outcomes = await Promise.all([refusalType(send(11)), refusalType(send(12))]);
      return { outcomes, calls: run.calls };
    });

    expect([...outcomes].sort()).toEqual(['StaleTicket', 'accepted']);
    const publicReplies = calls.agentMessages.filter((call) => call.kind === 'public_reply');
    expect(publicReplies).toHaveLength(1);
    expect(projectedKinds(calls).filter((kind) => kind === 'public_reply')).toHaveLength(1);
  });

  it('refuses a reply while a colleague’s reply is still being stored', async () => {
    let release = () => {};
    const stored = new Promise<void>((resolve) => (release = resolve));
    const hooks = { beforeAgentMessageStored: () => stored };

    // While a local activity runs, the worker extends its workflow task only at 80 % of the task
    // timeout, and the colleague's update waits for that; a short timeout keeps the test quick.
    const held = ticket({ hooks, workflowTaskTimeout: '1 second' });

    const { first, second, calls } = await withTicket(held, async (run) => {
      await waitUntilOpened(run);
      const first = run.handle.executeUpdate(replyUpdate, { args: [answer] });
      await waitFor(() => run.calls.agentMessages.length === 1, 'first reply being stored');

      const colleague = { agentId: 11, body: 'I can take this one.' };
      const second = await refusalType(
        run.handle.executeUpdate(replyUpdate, { args: [colleague] }),
      );
      release();
      return { first: await first, second, calls: run.calls };
    });

    expect(second).toBe('StaleTicket');
    expect(first.messageId).toBeDefined();
    expect(calls.agentMessages.map((call) => call.agentId)).toEqual([agentId]);
  });

  it('counts a handoff as a reassignment and notes who handed it over', async () => {
    const state = await withTicket(ticket(), async (run) => {
      await waitUntilOpened(run);
      await run.handle.executeUpdate(assignUpdate, {
        args: [{ agentId: 11, byAgentId: 12, note: 'billing question' }],
      });
      return waitForState(run.handle, () => true, 'handed off');
    });

    expect(state).toMatchObject({ assigneeId: 11, reassignmentCount: 1 });
  });

  it('projects increasing versions and every timeline entry exactly once', async () => {
    const { outcome, calls } = await withTicket(ticket(), async (run) => {
      await waitUntilOpened(run);
      const customer = { receivedAt: run.receivedAt, automated: false };
      await run.handle.signal(customerMessageSignal, { ...customer, messageId: 8_501 });
      await run.handle.executeUpdate(replyUpdate, { args: [answer] });
      await run.handle.executeUpdate(setStatusUpdate, {
        args: [{ status: TicketStatus.Pending, byAgentId: agentId }],
      });
      await run.handle.signal(customerMessageSignal, { ...customer, messageId: 8_502 });
      await run.handle.executeUpdate(setStatusUpdate, {
        args: [{ status: TicketStatus.Resolved, byAgentId: agentId }],
      });
      return { outcome: await run.handle.result(), calls: run.calls };
    });

    const versions = calls.projections.map((projection) => projection.snapshot.seq);
    const entrySeqs = calls.projections.flatMap((p) => p.entries.map((entry) => entry.seq));
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(versions.length);
    expect(entrySeqs).toEqual(Array.from({ length: entrySeqs.length }, (_, index) => index + 1));
    for (const projection of calls.projections) {
      expect(projection.snapshot.seq).toBe(projection.entries.at(-1)!.seq);
    }
    expect(calls.projections.at(-1)!.snapshot.status).toBe(outcome.status);
  });
});
