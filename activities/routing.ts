// Look-ups the assignment policy needs: who could take a ticket right now. The choice itself
// is made by the pure policy in workflows/policies/assignment.ts, inside the workflow.
import type { EntityManager } from '../db/orm.ts';
import type { AssignmentCandidate } from '../workflows/policies/assignment.ts';

type Row = Record<string, unknown>;

/** The agents who have a skill, with their availability, capacity, current load and last assignment. */
export async function loadAssignmentCandidates(
  em: EntityManager,
  options: { skill: string },
): Promise<AssignmentCandidate[]> {
  const rows: Row[] = await em.execute(
    `select a.id, a.available, a.skills, a.capacity, a.last_assigned_at,
            (select count(*) from ticket t
              where t.assignee_id = a.id and t.status in ('new', 'open', 'pending')) as open_tickets
       from agent a
      where a.skills @> jsonb_build_array(?::text)`,
    [options.skill],
  );
  return rows.map((r) => ({
    agentId: Number(r.id),
    available: Boolean(r.available),
    skills: r.skills as string[],
    capacity: Number(r.capacity),
    openTickets: Number(r.open_tickets),
    lastAssignedAt:
      r.last_assigned_at === null ? null : new Date(String(r.last_assigned_at)).getTime(),
  }));
}
