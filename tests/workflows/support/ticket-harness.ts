// Runs one ticket workflow on a test Temporal environment with fake activities: a worker of its
// own on a fresh task queue, the workflow started under its business key, and helpers to wait
// for a state and read an update's refusal. Shared by tests/workflows/ticket-workflow.test.ts
// and the replay recorder, so recorded histories come from the same scenarios the tests run.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  DefaultLogger,
  Worker,
  bundleWorkflowCode,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { ticketStateQuery } from '../../../workflows/ticket/messages.ts';
import type { TicketState } from '../../../workflows/ticket/ticket-state.ts';
import type { ticketWorkflow } from '../../../workflows/ticket/ticket-workflow.ts';
import { ticketWorkflowId } from '../../../workflows/ticket/workflow-id.ts';
import {
  createFakeTicketActivities,
  projectedKinds,
  type FakeActivityHooks,
  type RecordedCalls,
} from './fake-ticket-activities.ts';
import { ticketInput } from './ticket-fixtures.ts';

const workflowsPath = fileURLToPath(new URL('../../../workflows/index.ts', import.meta.url));

/** A started ticket workflow and the record of what it asked its fake activities to do. */
export interface TicketUnderTest {
  handle: WorkflowHandle<typeof ticketWorkflow>;
  calls: RecordedCalls;
  receivedAt: number;
}

/** Bundles the production workflows once, so each test only starts a worker. */
export function bundleTicketWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
}

/**
 * Starts ticket `ticketId` received now (server time) and runs `scenario` while a worker with
 * fresh fake activities serves it; the worker stops when the scenario settles.
 */
export async function withTicket<T>(
  options: {
    env: TestWorkflowEnvironment;
    bundle: WorkflowBundleWithSourceMap;
    ticketId: number;
    subject?: string;
    automated?: boolean;
    hooks?: FakeActivityHooks;
    /** Shorter than the default 10 s when a test holds a local activity on purpose. */
    workflowTaskTimeout?: string;
    /** Skips server time forward to this instant and receives the ticket exactly then. */
    startAt?: number;
  },
  scenario: (ticket: TicketUnderTest) => Promise<T>,
): Promise<T> {
  const { activities, calls } = createFakeTicketActivities(options.hooks);
  const taskQueue = `ticket-test-${randomUUID()}`;
  const worker = await Worker.create({
    connection: options.env.nativeConnection,
    taskQueue,
    workflowBundle: options.bundle,
    activities,
  });

  const now = await options.env.currentTimeMs();
  if (options.startAt !== undefined && options.startAt > now) {
    await options.env.sleep(options.startAt - now);
  }
  const receivedAt = options.startAt ?? now;
  const handle = await options.env.client.workflow.start<typeof ticketWorkflow>('ticketWorkflow', {
    taskQueue,
    workflowId: ticketWorkflowId(options.ticketId),
    args: [ticketInput({ ...options, receivedAt })],
    workflowTaskTimeout: options.workflowTaskTimeout,
  });
  try {
    return await worker.runUntil(scenario({ handle, calls, receivedAt }));
  } finally {
    await endIfRunning(handle);
  }
}

/**
 * A ticket left open with no worker would hold a workflow task the server never sees completed,
 * which stops it from skipping time for every later test on the same environment.
 */
async function endIfRunning(handle: TicketUnderTest['handle']): Promise<void> {
  const { status } = await handle.describe();
  if (status.name === 'RUNNING') await handle.terminate('the test that started it has finished');
}

/** Queries the ticket until `predicate` holds; fails naming `what` after a few seconds. */
export async function waitForState(
  handle: TicketUnderTest['handle'],
  predicate: (state: TicketState) => boolean,
  what: string,
): Promise<TicketState> {
  const giveUpAt = Date.now() + 10_000;
  for (;;) {
    const state = await handle.query(ticketStateQuery);
    if (predicate(state)) return state;
    if (Date.now() > giveUpAt) {
      throw new Error(`ticket ${state.ticketId} never reached "${what}": ${JSON.stringify(state)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Waits until the ticket has been opened: triaged, assigned, armed and projected. */
export function waitUntilOpened(ticket: TicketUnderTest): Promise<TicketState> {
  return waitForState(
    ticket.handle,
    (state) => state.firstResponseDueAt !== null && ticket.calls.projections.length > 0,
    'opened',
  );
}

/** The `type` of the application failure an update was refused with, or why it was not one. */
export async function refusalType(update: Promise<unknown>): Promise<string> {
  try {
    await update;
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
      return error.cause.type ?? 'ApplicationFailure without a type';
    }
    throw error;
  }
  return 'accepted';
}

/** Waits until a timeline entry of `kind` has been projected; fails after a few seconds. */
export function waitForProjected(calls: RecordedCalls, kind: string): Promise<void> {
  return waitFor(() => projectedKinds(calls).includes(kind), `a "${kind}" timeline entry`);
}

/** Polls `isDone` until it holds; fails naming `what` after a few seconds. */
export async function waitFor(isDone: () => boolean, what: string): Promise<void> {
  const giveUpAt = Date.now() + 10_000;
  while (!isDone()) {
    if (Date.now() > giveUpAt) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
