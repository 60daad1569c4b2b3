// Runs the business-time and SLA-clock modules inside Temporal's real workflow sandbox (bundled
// by a real worker, on the time-skipping test server): Luxon there must read zone rules through
// Intl and give the same instants as in plain Node, and a timer armed for the due must fire at it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createTimeSkippingEnv } from '../../../temporal/testing/time-skipping-server.ts';
import { addBusinessTime, type BusinessCalendar } from '../../../workflows/shared/business-time.ts';
import type {
  SlaProbeInput,
  SlaProbeResult,
  slaClockProbeWorkflow,
} from './fixtures/sla-clock-workflow.ts';
import { at, deOffice, hours, iso, minutes, officeCalendar } from './calendars.ts';

const workflowsPath = fileURLToPath(new URL('./fixtures/sla-clock-workflow.ts', import.meta.url));

const repeatedHourWindow: BusinessCalendar = {
  id: 'new-york-night',
  name: 'New York night',
  timeZone: 'America/New_York',
  weekly: [{ day: 7, open: '01:30', close: '03:00' }],
  holidays: [],
};
const ambiguous = { calendar: repeatedHourWindow, before: at('2025-11-01T12:00:00Z') };

describe('business time inside the Temporal workflow sandbox', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    env = await createTimeSkippingEnv();
  }, 120_000);

  afterAll(async () => {
    await env?.teardown();
  });

  // A worker stops for good when runUntil returns, so each probe gets its own.
  async function probe(input: SlaProbeInput): Promise<SlaProbeResult> {
    const taskQueue = `business-time-${randomUUID()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath,
    });
    return worker.runUntil(
      env.client.workflow.execute<typeof slaClockProbeWorkflow>('slaClockProbeWorkflow', {
        taskQueue,
        workflowId: `sla-probe-${randomUUID()}`,
        args: [input],
      }),
    );
  }

  it('computes C01 and the repeated-hour opening exactly as plain Node does', async () => {
    const input = {
      calendar: deOffice,
      transitions: [{ at: at('2025-04-19T12:20:00Z'), status: 'open' }],
      pauseStatuses: [],
      targetMs: hours(16),
      ambiguous,
    };

    const result = await probe(input);

    expect(iso(result.due)).toBe('2025-04-23T15:00:00.000Z');
    expect(iso(result.addedFromCreation)).toBe('2025-04-23T15:00:00.000Z');
    expect(result.businessToDue).toBe(hours(16));
    expect(iso(result.ambiguousOpening)).toBe('2025-11-02T05:30:00.000Z');
    expect(result.wokeAtMs).toBeNull();
  });

  it('arms a timer for a live due in business hours and wakes at that instant', async () => {
    const created = await env.currentTimeMs();
    const calendar = officeCalendar({ timeZone: 'Europe/Berlin' });
    const input = {
      calendar,
      transitions: [{ at: created, status: 'open' }],
      pauseStatuses: ['pending-customer'],
      targetMs: minutes(90),
      ambiguous,
    };

    const result = await probe(input);

    expect(result.due).toBe(addBusinessTime({ calendar, from: created, ms: minutes(90) }));
    expect(result.wokeAtMs).toBeGreaterThanOrEqual(result.due!);
    expect(result.clock.usedMs).toBeLessThan(minutes(90));
  });
});
