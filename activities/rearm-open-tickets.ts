// Re-arms the SLA timers of open tickets after a lead edits a business calendar or an SLA
// policy: reloads each affected queue's terms and calendar once and signals `slaTermsChanged`
// to every open ticket in it. Called by the API or a CLI after the edit is committed; it is not
// an activity (no workflow calls it) and it never changes a ticket itself — each ticket workflow
// recomputes its due instants and records them. Tests: tests/activities/rearm-open-tickets.test.ts.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Orm } from '../db/orm.ts';
import { slaTermsChangedSignal, type SlaTermsChange } from '../workflows/ticket/messages.ts';
import { ticketWorkflowId } from '../workflows/ticket/workflow-id.ts';
import { loadQueueSla } from './ticket-activities.ts';

/** What a re-arm reached: tickets signalled, and tickets whose workflow had already ended. */
export interface RearmOutcome {
  signalled: number[];
  alreadyClosed: number[];
}

type Row = Record<string, unknown>;

/**
 * Signals every open ticket, or only those counting with `calendarId` or `policyId`, with its
 * queue's reloaded SLA terms and calendar; safe to repeat, since equal terms re-arm nothing.
 */
export async function rearmOpenTickets(options: {
  orm: Orm;
  temporal: Client;
  calendarId?: number;
  policyId?: number;
}): Promise<RearmOutcome> {
  const em = options.orm.em.fork();
  const tickets: Row[] = await em.execute(
    `select t.id, q.key as queue_key
       from ticket t
       join queue q on q.id = t.queue_id
       join team tm on tm.id = q.team_id
      where t.status <> 'closed'
        and (?::int is null or tm.calendar_id = ?::int)
        and (?::int is null or q.sla_policy_id = ?::int)
      order by t.id`,
    [
      options.calendarId ?? null,
      options.calendarId ?? null,
      options.policyId ?? null,
      options.policyId ?? null,
    ],
  );

  const changes = new Map<string, SlaTermsChange | null>();
  const outcome: RearmOutcome = { signalled: [], alreadyClosed: [] };
  for (const row of tickets) {
    const queueKey = String(row.queue_key);
    if (!changes.has(queueKey)) changes.set(queueKey, await loadQueueSla(em, queueKey));
    const change = changes.get(queueKey);
    if (change === null || change === undefined) continue;

    const ticketId = Number(row.id);
    const reached = await signalTicket(options.temporal, ticketId, change);
    (reached ? outcome.signalled : outcome.alreadyClosed).push(ticketId);
  }
  return outcome;
}

// A ticket closed after the query ran has no workflow left to signal; that is not a failure.
async function signalTicket(
  temporal: Client,
  ticketId: number,
  change: SlaTermsChange,
): Promise<boolean> {
  try {
    await temporal.workflow
      .getHandle(ticketWorkflowId(ticketId))
      .signal(slaTermsChangedSignal, change);
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}
