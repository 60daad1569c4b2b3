// The auditor's replay: fetches tickets' workflow histories from Temporal and replays them
// against today's workflow code, reporting for each whether it replayed or diverged (with the
// determinism error) and which `patched()` markers its history crossed, each with its entry in
// temporal/patches.ts. Used by `npm run audit -- replay`; tests: tests/audit/replay.test.ts.
import { isGrpcServiceError, type Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import {
  DefaultLogger,
  Worker,
  bundleWorkflowCode,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { ticketWorkflowId } from '../../workflows/ticket/workflow-id.ts';
import { workflowPatches, type WorkflowPatch } from '../patches.ts';
import { ticketWorkflowsPath, type RecordedHistory } from '../replay.ts';

/** The marker name Temporal's core records for every `patched()` / `deprecatePatch()` call. */
const patchMarkerName = 'core_patch';

// gRPC NOT_FOUND: the server has no execution with this workflow id (never started, or
// removed after the namespace's retention period).
const grpcNotFound = 5;

/** A patch marker found in a history, with the register's entry for it (null if unlisted). */
export interface CrossedPatch {
  id: string;
  deprecated: boolean;
  eventId: number;
  entry: WorkflowPatch | null;
}

/** What replaying one ticket's history showed. */
export interface TicketReplayReport {
  ticketId: number;
  workflowId: string;
  runId: string | null;
  eventCount: number;
  outcome: 'replayed' | 'diverged';
  /** The determinism (or other replay) error, null when the replay succeeded. */
  error: { name: string; message: string } | null;
  patches: CrossedPatch[];
}

/** A ticket Temporal has no history for: the auditor typed a wrong id, or retention expired. */
export class UnknownTicketError extends Error {
  readonly ticketId: number;

  constructor(ticketId: number, cause?: unknown) {
    super(
      `Temporal has no workflow for ticket ${ticketId} (${ticketWorkflowId(ticketId)}): ` +
        'check the ticket number, or its history has passed the retention period.',
      { cause },
    );
    this.ticketId = ticketId;
  }
}

/** Bundles today's ticket workflow code once, so many replays share one bundle. */
export function bundleTicketWorkflows(workflowsPath = ticketWorkflowsPath) {
  return bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
}

/** Fetches a ticket's latest run history; throws UnknownTicketError when Temporal has none. */
export async function fetchTicketHistory(options: {
  client: Client;
  ticketId: number;
}): Promise<RecordedHistory> {
  const workflowId = ticketWorkflowId(options.ticketId);
  try {
    const history = await options.client.workflow.getHandle(workflowId).fetchHistory();
    return { workflowId, history };
  } catch (error) {
    if (isGrpcServiceError(error) && error.code === grpcNotFound) {
      throw new UnknownTicketError(options.ticketId, error);
    }
    throw error;
  }
}

/** The ids of every ticket whose workflow is still running, oldest first. */
export async function listOpenTicketIds(client: Client): Promise<number[]> {
  const ids: number[] = [];
  const query = `WorkflowType = 'ticketWorkflow' AND ExecutionStatus = 'Running'`;
  for await (const execution of client.workflow.list({ query })) {
    const match = /^ticket-(\d+)$/.exec(execution.workflowId);
    if (match !== null) ids.push(Number(match[1]));
  }
  return ids.sort((a, b) => a - b);
}

/** Every `core_patch` marker in a history, in event order, matched against the patch register. */
export function patchMarkersIn(history: History): CrossedPatch[] {
  const crossed: CrossedPatch[] = [];
  for (const event of history.events ?? []) {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName !== patchMarkerName) continue;

    const data = decodeMarkerData(marker.details ?? {});
    if (data === null) continue;
    crossed.push({
      ...data,
      eventId: Number(event.eventId ?? 0),
      entry: workflowPatches.find((patch) => patch.id === data.id) ?? null,
    });
  }
  return crossed;
}

type MarkerDetails = Record<string, { payloads?: unknown[] | null } | null | undefined>;

// Core stores `{ id, deprecated }` as a JSON payload under `patch_data`; any detail carrying
// an id is accepted, so a renamed key in a later SDK still reads.
function decodeMarkerData(details: MarkerDetails): { id: string; deprecated: boolean } | null {
  for (const payloads of Object.values(details)) {
    for (const payload of payloads?.payloads ?? []) {
      const value = defaultPayloadConverter.fromPayload<unknown>(payload as never);
      if (typeof value === 'string') return { id: value, deprecated: false };
      const record = value as { id?: unknown; deprecated?: unknown } | null;
      if (typeof record?.id === 'string') {
        return { id: record.id, deprecated: record.deprecated === true };
      }
    }
  }
  return null;
}

/** Replays each fetched history against one bundle; a divergence is reported, never thrown. */
export async function replayTicketHistories(options: {
  bundle: WorkflowBundleWithSourceMap;
  histories: { ticketId: number; recorded: RecordedHistory }[];
}): Promise<TicketReplayReport[]> {
  const byWorkflowId = new Map(options.histories.map((h) => [h.recorded.workflowId, h]));
  const reports: TicketReplayReport[] = [];

  const results = Worker.runReplayHistories(
    { workflowBundle: options.bundle },
    options.histories.map((h) => h.recorded),
  );
  for await (const result of results) {
    const { ticketId, recorded } = byWorkflowId.get(result.workflowId)!;
    reports.push(reportOf({ ticketId, recorded, error: result.error }));
  }
  return reports;
}

function reportOf(options: {
  ticketId: number;
  recorded: RecordedHistory;
  error: unknown;
}): TicketReplayReport {
  const { history, workflowId } = options.recorded;
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const error = options.error;
  return {
    ticketId: options.ticketId,
    workflowId,
    runId: started?.originalExecutionRunId ?? null,
    eventCount: history.events?.length ?? 0,
    outcome: error === undefined ? 'replayed' : 'diverged',
    error: error === undefined ? null : describeError(error),
    patches: patchMarkersIn(history),
  };
}

function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

/** Fetches and replays each ticket; unknown tickets are collected, not thrown. */
export async function auditReplay(options: {
  client: Client;
  bundle: WorkflowBundleWithSourceMap;
  ticketIds: number[];
}): Promise<{ reports: TicketReplayReport[]; unknown: number[] }> {
  const histories: { ticketId: number; recorded: RecordedHistory }[] = [];
  const unknown: number[] = [];

  for (const ticketId of options.ticketIds) {
    try {
      histories.push({ ticketId, recorded: await fetchTicketHistory({ ...options, ticketId }) });
    } catch (error) {
      if (!(error instanceof UnknownTicketError)) throw error;
      unknown.push(ticketId);
    }
  }

  const reports = await replayTicketHistories({ bundle: options.bundle, histories });
  return { reports, unknown };
}

/** One report as the lines the CLI prints. */
export function formatReplayReport(report: TicketReplayReport): string[] {
  const lines = [
    report.outcome === 'replayed'
      ? `ticket ${report.ticketId}: replayed ${report.eventCount} events against today's code: no divergence`
      : `ticket ${report.ticketId}: DIVERGED after replaying its ${report.eventCount} recorded events`,
  ];
  if (report.error !== null) lines.push(`  ${report.error.name}: ${report.error.message}`);

  if (report.patches.length === 0) lines.push('  patch markers crossed: none');
  for (const patch of report.patches) {
    const step = patch.deprecated ? 'deprecated' : 'patched';
    lines.push(`  patch marker ${patch.id} (${step}, event ${patch.eventId})`);
    lines.push(`    ${describePatchEntry(patch.entry)}`);
  }
  return lines;
}

function describePatchEntry(entry: WorkflowPatch | null): string {
  if (entry === null) return 'not in temporal/patches.ts: add it to the register';
  return (
    `${entry.reason} (shipped ${entry.date}, now ${entry.step}; ` +
    `next step when: ${entry.conditionForNextStep})`
  );
}
