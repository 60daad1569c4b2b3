// Replays every recorded ticket history in tests/replay/histories/ against today's workflow code
// (workflows/index.ts): a failure here means a change would break tickets already in flight, and
// blocks the change until it is gated with `patched()` (see temporal/patches.ts). Record new
// histories with `node tests/replay/record-histories.ts` before changing the workflow.
import { beforeAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DefaultLogger,
  Runtime,
  bundleWorkflowCode,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { patchMarkersIn } from '../../temporal/audit/replay.ts';
import { workflowPatches } from '../../temporal/patches.ts';
import {
  readHistoryFile,
  replayHistory,
  replayHistoryFiles,
  ticketWorkflowsPath,
} from '../../temporal/replay.ts';

const historiesFolder = fileURLToPath(new URL('./histories/', import.meta.url));
const variantPath = fileURLToPath(
  new URL('./fixtures/timer-before-triage-workflow.ts', import.meta.url),
);

// Listed when the file loads, so each history is a test of its own named after its scenario.
const historyFiles = fs
  .readdirSync(historiesFolder)
  .filter((name) => name.endsWith('.json'))
  .sort();

function bundle(workflowsPath: string): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
}

describe('ticket workflow replay', () => {
  let today: WorkflowBundleWithSourceMap;
  let variant: WorkflowBundleWithSourceMap;

  beforeAll(async () => {
    // The deliberately diverging variant makes the core warn once per failed workflow task;
    // that is the expected outcome here, so only errors are logged.
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    [today, variant] = await Promise.all([bundle(ticketWorkflowsPath), bundle(variantPath)]);
  }, 60_000);

  it('keeps a recorded history for each scenario the ticket workflow must stay compatible with', () => {
    expect(historyFiles).toEqual(
      expect.arrayContaining([
        'ticket-breach-and-escalation.json',
        'ticket-pending-follow-up-auto-close.json',
        'ticket-reassignment.json',
        'ticket-reopen.json',
        'ticket-reply-then-resolve.json',
        'ticket-v2-breach-and-escalation-ladder.json',
        'ticket-v2-calendar-edit.json',
        'ticket-v2-pause-and-resume.json',
        'ticket-v2-promise.json',
        'ticket-v2-reassignment.json',
        'ticket-v2-reopen.json',
        'ticket-v2-reply-then-resolve.json',
        'ticket-v2-request-assignment.json',
      ]),
    );
  });

  it.each(historyFiles)('replays %s against today’s code', async (name) => {
    const recorded = await readHistoryFile(path.join(historiesFolder, name));

    await expect(
      replayHistory({ code: { workflowBundle: today }, recorded }),
    ).resolves.toBeUndefined();
  });

  it('replays all histories with one worker and reports no failure', async () => {
    const files = historyFiles.map((name) => path.join(historiesFolder, name));

    const results = await replayHistoryFiles({ code: { workflowBundle: today }, files });

    expect(results).toHaveLength(files.length);
    expect(results.filter((result) => result.error !== undefined)).toEqual([]);
  });

  it('runs every version 2 history through patch 2026-12-business-time-sla and no version 1 history', async () => {
    const crossed = await Promise.all(
      historyFiles.map(async (name) => {
        const recorded = await readHistoryFile(path.join(historiesFolder, name));
        return [name, patchMarkersIn(recorded.history).map((patch) => patch.id)] as const;
      }),
    );

    // Later patches (2026-12-assignment-notification) may follow in version 2 histories; each
    // must be in the register.
    const registered = workflowPatches.map((patch) => patch.id);
    for (const [name, ids] of crossed) {
      const isVersion2 = name.startsWith('ticket-v2-');
      expect({ name, first: ids.slice(0, 1) }).toEqual({
        name,
        first: isVersion2 ? ['2026-12-business-time-sla'] : [],
      });
      expect(ids.filter((id) => !registered.includes(id))).toEqual([]);
      if (!isVersion2) expect({ name, ids }).toEqual({ name, ids: [] });
    }
  });

  it('fails with DeterminismViolationError when an unpatched timer is added before triage', async () => {
    const recorded = await readHistoryFile(
      path.join(historiesFolder, 'ticket-reply-then-resolve.json'),
    );

    const replay = replayHistory({ code: { workflowBundle: variant }, recorded });

    await expect(replay).rejects.toBeInstanceOf(DeterminismViolationError);
  });

  it('reports the divergence of every history when replaying them together', async () => {
    const files = historyFiles.map((name) => path.join(historiesFolder, name));

    const results = await replayHistoryFiles({ code: { workflowBundle: variant }, files });

    expect(results.map((result) => result.error?.name)).toEqual(
      files.map(() => 'DeterminismViolationError'),
    );
  });
});
