// Replays recorded ticket histories against today's workflow code, so a change that would break
// tickets in flight fails before it ships. Used by tests/replay/ (every committed history in
// tests/replay/histories/) and by auditors replaying a live ticket fetched from Temporal.
// A replay that diverges rejects with the SDK's DeterminismViolationError.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import {
  historyFromJSON,
  historyToJSON,
  type History,
} from '@temporalio/common/lib/proto-utils.js';
import { Worker, type ReplayResult, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { ticketWorkflowId } from '../workflows/ticket/workflow-id.ts';

/** The workflow bundle's entry point, the same one the production worker bundles. */
export const ticketWorkflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** The workflow code to replay against: a prebuilt bundle, or an entry point to bundle. */
export type ReplayCode =
  { workflowBundle: WorkflowBundleWithSourceMap } | { workflowsPath: string };

/** A recorded history and the workflow id it belongs to. */
export interface RecordedHistory {
  workflowId: string;
  history: History;
}

/** Reads a history saved by `writeHistoryFile` (or exported by the Temporal CLI or Web UI). */
export async function readHistoryFile(file: string): Promise<RecordedHistory> {
  const text = await fs.readFile(file, 'utf8');
  const history = historyFromJSON(JSON.parse(text));
  return { workflowId: path.basename(file, '.json'), history };
}

/** Saves a history as the JSON `readHistoryFile` and the Temporal CLI read. */
export async function writeHistoryFile(options: { file: string; history: History }): Promise<void> {
  await fs.mkdir(path.dirname(options.file), { recursive: true });
  await fs.writeFile(options.file, `${historyToJSON(options.history)}\n`);
}

/** Lists the history files of a folder, sorted so runs report in a stable order. */
export async function listHistoryFiles(folder: string): Promise<string[]> {
  const names = await fs.readdir(folder);
  return names
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => path.join(folder, name));
}

/** Replays one history; rejects with DeterminismViolationError when today's code diverges. */
export async function replayHistory(options: {
  code?: ReplayCode;
  recorded: RecordedHistory;
}): Promise<void> {
  const code = options.code ?? { workflowsPath: ticketWorkflowsPath };
  await Worker.runReplayHistory(code, options.recorded.history, options.recorded.workflowId);
}

/** Replays every history in `files` with one worker and reports each one's outcome. */
export async function replayHistoryFiles(options: {
  code?: ReplayCode;
  files: string[];
}): Promise<ReplayResult[]> {
  const code = options.code ?? { workflowsPath: ticketWorkflowsPath };
  const recorded = await Promise.all(options.files.map((file) => readHistoryFile(file)));

  const results: ReplayResult[] = [];
  for await (const result of Worker.runReplayHistories(code, recorded)) results.push(result);
  return results;
}

/** Fetches a ticket's history from Temporal and replays it; returns the history it replayed. */
export async function fetchAndReplayTicket(options: {
  client: Client;
  ticketId: number;
  code?: ReplayCode;
}): Promise<RecordedHistory> {
  const workflowId = ticketWorkflowId(options.ticketId);
  const history = await options.client.workflow.getHandle(workflowId).fetchHistory();

  const recorded = { workflowId, history };
  await replayHistory({ code: options.code, recorded });
  return recorded;
}
