// The ticket workflow (workflows/ticket/ticket-workflow.ts) on a real Temporal server — the dev
// server `npm test` starts, or the one TEMPORAL_ADDRESS names — with fake activities. The
// time-skipping server is a reimplementation; this proves that updates race, refuse and complete
// the same way on the server tickets really run on, and that a live ticket's history fetched
// from it replays against today's code (temporal/replay.ts). No SLA timer is waited on here.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { fetchAndReplayTicket } from '../../temporal/replay.ts';
import {
  assignUpdate,
  customerMessageSignal,
  noteUpdate,
  replyUpdate,
  setStatusUpdate,
} from '../../workflows/ticket/messages.ts';
import { TicketStatus } from '../../workflows/ticket/vocabulary.ts';
import { projectedKinds } from './support/fake-ticket-activities.ts';
import {
  bundleTicketWorkflows,
  refusalType,
  waitForState,
  waitUntilOpened,
  withTicket,
} from './support/ticket-harness.ts';

function requiredEnv(name: 'TEMPORAL_ADDRESS'): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these tests through "npm test".`);
  return value;
}

// Ids of their own per run: a server that outlives `npm test` may still hold earlier tickets.
let nextTicketId = (Date.now() % 100_000_000) * 10;

describe('ticket workflow on a real Temporal server', () => {
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundleWithSourceMap;
  const ticket = () => ({ env, bundle, ticketId: nextTicketId++ });

  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const [connected, bundled] = await Promise.all([
      TestWorkflowEnvironment.createFromExistingServer({
        address: requiredEnv('TEMPORAL_ADDRESS'),
        namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
      }),
      bundleTicketWorkflows(),
    ]);
    [env, bundle] = [connected, bundled];
  }, 60_000);

  afterAll(async () => {
    await env?.teardown();
  });

  it('two replies sent at the same moment: exactly one goes out', async () => {
    const { outcomes, calls } = await withTicket(ticket(), async (run) => {
      const loaded = await waitUntilOpened(run);
      const send = (agentId: number) =>
        run.handle.executeUpdate(replyUpdate, {
          args: [{ agentId, body: `Reply from ${agentId}`, expectedVersion: loaded.seq }],
        });

      const outcomes = await Promise.all([refusalType(send(11)), refusalType(send(12))]);
      return { outcomes, calls: run.calls };
    });

    expect([...outcomes].sort()).toEqual(['StaleTicket', 'accepted']);
    expect(calls.agentMessages.filter((call) => call.kind === 'public_reply')).toHaveLength(1);
  });

  it('refuses a stale reply with StaleTicket and accepts it after reloading', async () => {
    const { refused, accepted } = await withTicket(ticket(), async (run) => {
      const loaded = await waitUntilOpened(run);
      await run.handle.signal(customerMessageSignal, {
        messageId: 8_701,
        receivedAt: Date.now(),
        automated: false,
      });
      const reloaded = await waitForState(run.handle, (s) => s.seq > loaded.seq, 'customer wrote');

      const reply = (expectedVersion: number) =>
        run.handle.executeUpdate(replyUpdate, {
          args: [{ agentId: 12, body: 'Thanks, looking into it.', expectedVersion }],
        });
      return { refused: await refusalType(reply(loaded.seq)), accepted: await reply(reloaded.seq) };
    });

    expect(refused).toBe('StaleTicket');
    expect(accepted.version).toBeGreaterThan(0);
  });

  it('closes a ticket an agent handled and replays its fetched history against today’s code', async () => {
    const options = ticket();

    const { outcome, kinds, replayedEvents } = await withTicket(options, async (run) => {
      await waitUntilOpened(run);
      await run.handle.executeUpdate(noteUpdate, { args: [{ agentId: 12, body: 'Invoices.' }] });
      await run.handle.executeUpdate(assignUpdate, {
        args: [{ agentId: 11, byAgentId: 12, note: 'billing question' }],
      });
      await run.handle.executeUpdate(replyUpdate, { args: [{ agentId: 11, body: 'Done.' }] });
      await run.handle.executeUpdate(setStatusUpdate, {
        args: [{ status: TicketStatus.Closed, byAgentId: 11 }],
      });
      const outcome = await run.handle.result();
      const replayed = await fetchAndReplayTicket({
        client: env.client,
        ticketId: options.ticketId,
        code: { workflowBundle: bundle },
      });
      return { outcome, kinds: projectedKinds(run.calls), replayedEvents: replayed.history.events };
    });

    expect(outcome.status).toBe(TicketStatus.Closed);
    // Business-time SLAs record the first response met with the reply, and the resolution
    // target met as the ticket closes.
    expect(kinds.slice(-6)).toEqual([
      'internal_note',
      'assigned',
      'sla_met',
      'public_reply',
      'sla_met',
      'status_changed',
    ]);
    expect(replayedEvents?.at(-1)?.workflowExecutionCompletedEventAttributes).toBeTruthy();
  });
});
