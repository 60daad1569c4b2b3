// Offers waiting tickets to agents who just became eligible. A ticket that found nobody at
// arrival waits unassigned; when an agent comes online or capacity frees, this asks each
// waiting ticket's workflow to assign itself by policy, oldest first, so tickets are served
// in order of arrival. The workflow decides; this only wakes it. Tests:
// tests/routing/agents-api.test.ts.
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Orm } from '../db/orm.ts';
import { requestAssignmentUpdate, ticketStateQuery } from '../workflows/ticket/messages.ts';
import { ticketWorkflowId } from '../workflows/ticket/workflow-id.ts';

/** Asks one ticket to assign itself; answers whether it has an owner afterwards. */
export type AssignmentRequestSender = (ticketId: number) => Promise<{ assigned: boolean }>;

export interface WaitingTicket {
  ticketId: number;
  queueId: number;
}

export interface DispatchSummary {
  /** Tickets asked, in the order they were asked. */
  offered: number[];
  assigned: number[];
  /** Queues where a ticket stayed unassigned, so their later tickets were not asked. */
  blockedQueueIds: number[];
}

/**
 * Asks unassigned open tickets, oldest first, to assign themselves, stopping in each queue at
 * the first ticket that stays unassigned; never assigns a ticket itself.
 */
export async function assignWaitingTickets(deps: {
  orm: Orm;
  temporal: Client;
  log: Logger;
  /** Only queues whose skill this agent has: the ones the agent's change can unblock. */
  agentId?: number;
  /** Replaces the Temporal update, e.g. in tests. */
  sendAssignmentRequest?: AssignmentRequestSender;
}): Promise<DispatchSummary> {
  const send = deps.sendAssignmentRequest ?? temporalAssignmentRequest(deps.temporal);
  const waiting = await loadWaitingTickets(deps.orm, { agentId: deps.agentId });
  const summary: DispatchSummary = { offered: [], assigned: [], blockedQueueIds: [] };

  for (const ticket of waiting) {
    if (summary.blockedQueueIds.includes(ticket.queueId)) continue;

    summary.offered.push(ticket.ticketId);
    const outcome = await offerTicket({ ticket, send, log: deps.log });
    if (outcome === 'assigned') summary.assigned.push(ticket.ticketId);
    if (outcome === 'waiting') summary.blockedQueueIds.push(ticket.queueId);
  }

  deps.log.info(
    {
      agentId: deps.agentId,
      waiting: waiting.length,
      offered: summary.offered.length,
      assigned: summary.assigned.length,
      blockedQueueIds: summary.blockedQueueIds,
    },
    'waiting tickets offered',
  );
  return summary;
}

/** Unassigned tickets not yet resolved, in order of arrival, optionally only those an agent could take. */
export async function loadWaitingTickets(
  orm: Orm,
  options: { agentId?: number },
): Promise<WaitingTicket[]> {
  const anyAgent = options.agentId === undefined;
  const rows: Record<string, unknown>[] = await orm.em.fork().execute(
    `select t.id, t.queue_id
       from ticket t
       join queue q on q.id = t.queue_id
      where t.assignee_id is null
        and t.status not in ('resolved', 'closed')
        and (?::boolean or exists (
              select 1 from agent a
               where a.id = ?::integer and a.skills @> jsonb_build_array(q.skill)))
      order by t.created_at, t.id`,
    [anyAgent, options.agentId ?? null],
  );
  return rows.map((r) => ({ ticketId: Number(r.id), queueId: Number(r.queue_id) }));
}

// A ticket the workflow refuses (closed, its row not yet saying so) or whose workflow has
// ended is skipped: nothing about it says the agents are full. Anything else, such as Temporal
// being unreachable, throws to the caller, which logs it once.
async function offerTicket(options: {
  ticket: WaitingTicket;
  send: AssignmentRequestSender;
  log: Logger;
}): Promise<'assigned' | 'waiting' | 'skipped'> {
  const { ticket, send, log } = options;
  try {
    const { assigned } = await send(ticket.ticketId);
    return assigned ? 'assigned' : 'waiting';
  } catch (error) {
    const isTicketsOwnRefusal =
      error instanceof WorkflowNotFoundError || error instanceof WorkflowUpdateFailedError;
    if (!isTicketsOwnRefusal) throw error;
    log.warn(
      { ticketId: ticket.ticketId, reason: (error as Error).message },
      'waiting ticket refused the assignment request; skipped',
    );
    return 'skipped';
  }
}

/** The real sender: the ticket workflow's assignment update, then its owner as it holds it. */
export function temporalAssignmentRequest(temporal: Client): AssignmentRequestSender {
  return async (ticketId) => {
    const handle = temporal.workflow.getHandle(ticketWorkflowId(ticketId));
    await handle.executeUpdate(requestAssignmentUpdate);
    const state = await handle.query(ticketStateQuery);
    return { assigned: state.assigneeId !== null };
  };
}
