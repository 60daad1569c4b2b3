// Look-ups the assignment policy needs: who could take a ticket right now, and how the queue
// wants its tickets routed. The choice itself is made by the pure policy in
// workflows/policies/assignment.ts, inside the workflow. Tests: tests/routing/.
import type { EntityManager } from '../db/orm.ts';
import type {
  AgentStatus,
  AssignmentCandidate,
  AssignmentStrategy,
  QueueRoutingSettings,
} from '../workflows/policies/assignment.ts';

type Row = Record<string, unknown>;

/** The agents who have a skill, with their status, capacity, current load, last assignment and roster place. */
export async function loadAssignmentCandidates(
  em: EntityManager,
  options: { skill: string },
): Promise<AssignmentCandidate[]> {
  // Pending and on-hold tickets still belong to their agent, so they count against capacity.
  const rows: Row[] = await em.execute(
    `select a.id, a.status, a.skills, a.capacity, a.last_assigned_at, a.roster_order,
            (select count(*) from ticket t
              where t.assignee_id = a.id and t.status not in ('resolved', 'closed')) as open_tickets
       from agent a
      where a.skills @> jsonb_build_array(?::text)
      order by a.roster_order, a.id`,
    [options.skill],
  );
  return rows.map(toCandidate);
}

/** How a queue routes its tickets: strategy, silent-owner reassignment, offline moves. */
export async function loadQueueRoutingSettings(
  em: EntityManager,
  options: { queueId: number },
): Promise<QueueRoutingSettings> {
  const rows: Row[] = await em.execute(
    `select assignment_strategy, reassign_after_minutes, move_open_tickets_when_offline
       from queue where id = ?`,
    [options.queueId],
  );
  const row = rows[0];
  if (row === undefined) {
    throw new Error(`queue ${options.queueId} does not exist: route the ticket to a known queue`);
  }
  return {
    strategy: row.assignment_strategy as AssignmentStrategy,
    reassignAfterMinutes:
      row.reassign_after_minutes === null ? null : Number(row.reassign_after_minutes),
    moveOpenTicketsWhenOffline: Boolean(row.move_open_tickets_when_offline),
  };
}

function toCandidate(row: Row): AssignmentCandidate {
  const status = row.status as AgentStatus;
  return {
    agentId: Number(row.id),
    status,
    available: status === 'online',
    skills: row.skills as string[],
    capacity: Number(row.capacity),
    openTickets: Number(row.open_tickets),
    lastAssignedAt:
      row.last_assigned_at === null ? null : new Date(String(row.last_assigned_at)).getTime(),
    rosterOrder: Number(row.roster_order),
  };
}
