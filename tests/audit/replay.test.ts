// The auditor's replay against the real stack: a ticket walked through its life replays against
// today's workflow code with no divergence, the deliberately diverging variant from
// tests/replay/fixtures fails it, unknown tickets are named, patch markers are read from history,
// and `npm run audit -- replay` exits 0 / 2 as documented.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { defaultPayloadConverter } from '@temporalio/common';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import {
  auditReplay,
  bundleTicketWorkflows,
  formatReplayReport,
  patchMarkersIn,
} from '../../temporal/audit/replay.ts';
import { workflowPatches } from '../../temporal/patches.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { walkTicketThroughItsLife, type WalkedTicket } from './support.ts';

const variantPath = fileURLToPath(
  new URL('../replay/fixtures/timer-before-triage-workflow.ts', import.meta.url),
);
const auditCli = fileURLToPath(new URL('../../temporal/cli/audit.ts', import.meta.url));

let stack: TestStack;
let walked: WalkedTicket;
let today: WorkflowBundleWithSourceMap;
let variant: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  stack = await startTestStack({ name: 'audit-replay' });
  [walked, today, variant] = await Promise.all([
    walkTicketThroughItsLife(stack),
    bundleTicketWorkflows(),
    bundleTicketWorkflows(variantPath),
  ]);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('audit replay', () => {
  it('replays a ticket walked through its life against today’s code with no divergence', async () => {
    const { reports, unknown } = await auditReplay({
      client: stack.temporal.client,
      bundle: today,
      ticketIds: [walked.ticketId],
    });

    expect(unknown).toEqual([]);
    expect(reports).toHaveLength(1);
    expect(reports[0]!.outcome).toBe('replayed');
    expect(reports[0]!.error).toBeNull();
    expect(reports[0]!.eventCount).toBeGreaterThan(10);
    expect(formatReplayReport(reports[0]!)[0]).toContain('no divergence');
  });

  it('reports the determinism error when the workflow code gained an unpatched timer', async () => {
    const { reports } = await auditReplay({
      client: stack.temporal.client,
      bundle: variant,
      ticketIds: [walked.ticketId],
    });

    expect(reports[0]!.outcome).toBe('diverged');
    expect(reports[0]!.error?.name).toBe('DeterminismViolationError');
    expect(formatReplayReport(reports[0]!).join('\n')).toContain('DIVERGED');
  });

  it('names tickets Temporal has no workflow for instead of failing the whole run', async () => {
    const { reports, unknown } = await auditReplay({
      client: stack.temporal.client,
      bundle: today,
      ticketIds: [walked.ticketId, 987_654_321],
    });

    expect(reports.map((r) => r.ticketId)).toEqual([walked.ticketId]);
    expect(unknown).toEqual([987_654_321]);
  });
});

// patchMarkersIn reads only the events' marker attributes, so plain objects stand in for protos.
function historyOf(events: object[]): History {
  return { events } as History;
}

describe('patchMarkersIn', () => {
  it('reads each core_patch marker’s patch id and matches it against the patch register', () => {
    const registered = workflowPatches[0]?.id;
    const ids = [registered, '2026-12-not-in-the-register'].filter((id) => id !== undefined);
    const history = historyOf(
      ids.map((id, index) => ({
        eventId: index + 5,
        markerRecordedEventAttributes: {
          markerName: 'core_patch',
          details: {
            patch_data: {
              payloads: [defaultPayloadConverter.toPayload({ id, deprecated: false })],
            },
          },
        },
      })),
    );

    const crossed = patchMarkersIn(history);

    expect(crossed.map((patch) => patch.id)).toEqual(ids);
    expect(crossed.at(-1)!.entry).toBeNull();
    if (registered !== undefined) expect(crossed[0]!.entry?.id).toBe(registered);
  });

  it('ignores markers that are not patches, such as local activity results', () => {
    const history = historyOf([
      { eventId: 7, markerRecordedEventAttributes: { markerName: 'core_local_activity' } },
    ]);

    expect(patchMarkersIn(history)).toEqual([]);
  });
});

describe('npm run audit -- replay', () => {
  function runAudit(args: string[]) {
    return spawnSync(process.execPath, [auditCli, ...args], {
      env: { ...process.env, CASEWORK_DATA_DIR: stack.services.dataDir },
      encoding: 'utf8',
      timeout: 90_000,
    });
  }

  it('exits 0 and says so when the ticket replays', () => {
    const run = runAudit(['replay', String(walked.ticketId)]);

    expect(run.stdout).toContain(`ticket ${walked.ticketId}: replayed`);
    expect(run.status).toBe(0);
  }, 90_000);

  it('exits 2 and says plainly that an unknown ticket is unknown', () => {
    const run = runAudit(['replay', '987654321']);

    expect(run.stdout).toContain('ticket 987654321: unknown');
    expect(run.status).toBe(2);
  }, 90_000);

  it('exits 2 with the usage when the ticket number is not a number', () => {
    const run = runAudit(['replay', 'yesterday']);

    expect(run.stderr).toContain('"yesterday" is not a ticket number');
    expect(run.status).toBe(2);
  }, 90_000);
});
