// Reads a sample of ticket workflows' recorded histories to show where a ticket's first
// workflow task spent its time: waiting in the task queue for the worker (schedule to start)
// or inside the worker, local activities included (start to complete).
import type { Client } from '@temporalio/client';
import { ticketWorkflowId } from '../../workflows/ticket/workflow-id.ts';

/** Medians and 99th percentiles over the sampled tickets, in milliseconds. */
export interface WorkflowTaskTimings {
  sampled: number;
  scheduleToStartMs: number[];
  startToCompleteMs: number[];
  workflowTasksPerTicket: number[];
  markersPerTicket: number[];
}

interface HistoryEvent {
  eventTime?: { seconds?: unknown; nanos?: number | null } | null;
  workflowTaskScheduledEventAttributes?: unknown;
  workflowTaskStartedEventAttributes?: unknown;
  workflowTaskCompletedEventAttributes?: unknown;
  markerRecordedEventAttributes?: unknown;
}

/** Fetches the histories of up to `sample` tickets spread evenly over `ticketIds`. */
export async function sampleWorkflowTaskTimings(options: {
  client: Client;
  ticketIds: number[];
  sample: number;
}): Promise<WorkflowTaskTimings> {
  const step = Math.max(1, Math.floor(options.ticketIds.length / options.sample));
  const chosen = options.ticketIds
    .filter((_, index) => index % step === 0)
    .slice(0, options.sample);
  const timings: WorkflowTaskTimings = {
    sampled: 0,
    scheduleToStartMs: [],
    startToCompleteMs: [],
    workflowTasksPerTicket: [],
    markersPerTicket: [],
  };

  for (const ticketId of chosen) {
    const history = await options.client.workflow
      .getHandle(ticketWorkflowId(ticketId))
      .fetchHistory();
    addTicket(timings, (history.events ?? []) as HistoryEvent[]);
  }
  return timings;
}

function addTicket(timings: WorkflowTaskTimings, events: HistoryEvent[]): void {
  const scheduled = events.find((e) => e.workflowTaskScheduledEventAttributes);
  const started = events.find((e) => e.workflowTaskStartedEventAttributes);
  const completed = events.find((e) => e.workflowTaskCompletedEventAttributes);
  if (!scheduled || !started || !completed) return;

  timings.sampled += 1;
  timings.scheduleToStartMs.push(eventMs(started) - eventMs(scheduled));
  timings.startToCompleteMs.push(eventMs(completed) - eventMs(started));
  timings.workflowTasksPerTicket.push(
    events.filter((e) => e.workflowTaskCompletedEventAttributes).length,
  );
  timings.markersPerTicket.push(events.filter((e) => e.markerRecordedEventAttributes).length);
}

function eventMs(event: HistoryEvent): number {
  const time = event.eventTime;
  return Number(time?.seconds ?? 0) * 1000 + (time?.nanos ?? 0) / 1e6;
}
