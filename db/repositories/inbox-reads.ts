// The agent's inbox over the ticket read model: which tickets each named view holds for one
// agent and their team(s), how many, and one filtered, sorted page of a view. SQL only over
// what the workflow's projections wrote (`ticket`, `ticket_event`); nothing is decided here.
//
// "Breaching soon" is read from the SLA data every row carries: the earliest running due
// instant (first response until answered, then next response, and resolution) falls inside
// the warning window of the ticket's SLA policy (`warn_before_minutes`, 60 without a queue),
// or is already past, or the workflow's own `sla_warning` entry is the latest SLA entry (it
// warns in business time, which can reach further than the calendar window over a night).
import type {
  InboxCounts,
  InboxFilters,
  InboxSort,
  InboxTicket,
  InboxTicketList,
  InboxView,
  RunningSla,
} from '../../api/inbox-contract.ts';
import type { EntityManager } from '../orm.ts';
import { summaryColumns, summaryJoins, toSummary } from './ticket-reads.ts';

/** Who the inbox is for: the agent and the teams whose queues they work. */
export interface InboxScope {
  agentId: number;
  teamIds: number[];
}

type Row = Record<string, unknown>;

interface SqlPart {
  sql: string;
  params: unknown[];
}

const defaultWarnMinutes = 60;

/** Statuses of a ticket someone still has to work on. */
const unresolved = `t.status in ('new', 'open', 'pending', 'on_hold')`;

// The earliest due instant among the SLA targets still running; `least` skips nulls.
const runningDue = `least(
    case when t.first_responded_at is null then t.first_response_due_at end,
    t.next_response_due_at, t.resolution_due_at)`;

const warnWindow = `make_interval(mins => coalesce(sp.warn_before_minutes, ${defaultWarnMinutes}))`;

const latestSlaEntry = `(select e.kind from ticket_event e
    where e.ticket_id = t.id and e.kind in ('sla_armed', 'sla_warning', 'sla_met', 'sla_breached')
    order by e.seq desc limit 1)`;

const breachingSoon = `(t.status in ('new', 'open') and (
    ${runningDue} <= now() + ${warnWindow} or ${latestSlaEntry} = 'sla_warning'))`;

const slaJoin = 'left join sla_policy sp on sp.id = q.sla_policy_id';

const orderings: Record<InboxSort, string> = {
  sla_due: `${runningDue} asc nulls last, t.id asc`,
  updated: 't.updated_at desc, t.id desc',
  created: 't.created_at desc, t.id desc',
};

/** The teams an agent works for: their own team and any team they lead. */
export async function findInboxScope(em: EntityManager, agentId: number): Promise<InboxScope> {
  const rows: Row[] = await em.execute(
    `select team_id as id from agent where id = ? and team_id is not null
     union select id from team where lead_agent_id = ?`,
    [agentId, agentId],
  );
  return { agentId, teamIds: rows.map((r) => Number(r.id)) };
}

/** Counts every view for the agent in one pass over the read model. */
export async function countInboxViews(em: EntityManager, scope: InboxScope): Promise<InboxCounts> {
  const views = viewNames.map((view) => viewPredicate(view, scope, false));
  const columns = views.map((part, i) => `count(*) filter (where ${part.sql}) as v${i}`);
  const rows: Row[] = await em.execute(
    `select ${columns.join(', ')} from ticket t
       left join queue q on q.id = t.queue_id ${slaJoin}`,
    views.flatMap((part) => part.params),
  );

  const counts = Object.fromEntries(viewNames.map((view, i) => [view, Number(rows[0]![`v${i}`])]));
  return { counts: counts as InboxCounts['counts'], teams: await teamNames(em, scope.teamIds) };
}

/** One page of a view with its filters applied, and how many tickets match in all. */
export async function listInboxTickets(
  em: EntityManager,
  scope: InboxScope,
  filters: InboxFilters,
): Promise<InboxTicketList> {
  const where = whereClause(scope, filters);
  const offset = (filters.page - 1) * filters.pageSize;

  const [rows, counted] = await Promise.all([
    em.execute<Row[]>(
      `select ${summaryColumns}, t.tags, ${runningDue} as sla_due_at,
              ${slaTargetColumn} as sla_target, coalesce(sp.warn_before_minutes, ?) as warn_minutes,
              ${latestSlaEntry} = 'sla_warning' as is_warned
         ${summaryJoins} ${slaJoin}
        where ${where.sql}
        order by ${orderings[filters.sort]} limit ? offset ?`,
      [defaultWarnMinutes, ...where.params, filters.pageSize, offset],
    ),
    em.execute<Row[]>(
      `select count(*) as total from ticket t
         left join queue q on q.id = t.queue_id ${slaJoin} where ${where.sql}`,
      where.params,
    ),
  ]);

  return {
    view: filters.view,
    items: rows.map(toInboxTicket),
    total: Number(counted[0]!.total),
    page: filters.page,
    pageSize: filters.pageSize,
  };
}

const viewNames: InboxView[] = ['mine', 'team', 'unassigned', 'breaching', 'pending', 'all'];

// A view is a scope (whose tickets) and, unless the caller filters by status, the statuses
// that belong in it: "mine" lists unresolved tickets, but "mine" + status=resolved lists
// what the agent resolved.
function viewPredicate(view: InboxView, scope: InboxScope, hasStatusFilter: boolean): SqlPart {
  const status = (sql: string) => (hasStatusFilter ? 'true' : sql);
  const teams = inList('t.team_id', scope.teamIds);
  const mineOrTeams: SqlPart = {
    sql: `(t.assignee_id = ? or ${teams.sql})`,
    params: [scope.agentId, ...teams.params],
  };

  switch (view) {
    case 'mine':
      return { sql: `t.assignee_id = ? and ${status(unresolved)}`, params: [scope.agentId] };
    case 'team':
      return { sql: `${teams.sql} and ${status(unresolved)}`, params: teams.params };
    case 'unassigned':
      return {
        sql: `t.assignee_id is null and (t.team_id is null or ${teams.sql}) and ${status(unresolved)}`,
        params: teams.params,
      };
    case 'breaching':
      return { sql: `${mineOrTeams.sql} and ${breachingSoon}`, params: mineOrTeams.params };
    case 'pending':
      return { sql: `${mineOrTeams.sql} and t.status = 'pending'`, params: mineOrTeams.params };
    case 'all':
      return { sql: 'true', params: [] };
  }
}

function whereClause(scope: InboxScope, filters: InboxFilters): SqlPart {
  const hasStatusFilter = (filters.status?.length ?? 0) > 0;
  const parts: SqlPart[] = [viewPredicate(filters.view, scope, hasStatusFilter)];

  if (hasStatusFilter) parts.push(inList('t.status', filters.status!));
  if (filters.priority?.length) parts.push(inList('t.priority', filters.priority));
  if (filters.channel?.length) parts.push(inList('t.channel', filters.channel));
  if (filters.tag)
    parts.push({ sql: 't.tags @> ?::jsonb', params: [JSON.stringify([filters.tag])] });
  if (filters.queueId) parts.push({ sql: 't.queue_id = ?', params: [filters.queueId] });
  if (filters.requesterId) {
    parts.push({ sql: 't.requester_id = ?', params: [filters.requesterId] });
  }
  if (filters.assigneeId === 'unassigned') parts.push({ sql: 't.assignee_id is null', params: [] });
  else if (filters.assigneeId) {
    parts.push({ sql: 't.assignee_id = ?', params: [filters.assigneeId] });
  }

  return {
    sql: parts.map((p) => `(${p.sql})`).join(' and '),
    params: parts.flatMap((p) => p.params),
  };
}

// An empty list matches nothing: an agent with no team has an empty "team" view.
function inList(column: string, values: readonly unknown[]): SqlPart {
  if (values.length === 0) return { sql: 'false', params: [] };
  return { sql: `${column} in (${values.map(() => '?').join(', ')})`, params: [...values] };
}

const slaTargetColumn = `case
    when t.first_responded_at is null and t.first_response_due_at = ${runningDue}
      then 'first_response'
    when t.next_response_due_at = ${runningDue} then 'next_response'
    else 'resolution' end`;

function toInboxTicket(r: Row): InboxTicket {
  return { ...toSummary(r), tags: (r.tags as string[] | null) ?? [], sla: runningSlaOf(r) };
}

function runningSlaOf(r: Row): RunningSla | null {
  if (r.sla_due_at === null || r.sla_due_at === undefined) return null;

  // The workflow warns in business time, which may come before the calendar window.
  const dueAt = new Date(r.sla_due_at as string | Date);
  const windowStart = dueAt.getTime() - Number(r.warn_minutes) * 60_000;
  const warnAt = new Date(r.is_warned === true ? Math.min(windowStart, Date.now()) : windowStart);
  return {
    target: r.sla_target as RunningSla['target'],
    dueAt: dueAt.toISOString(),
    warnAt: warnAt.toISOString(),
  };
}

async function teamNames(em: EntityManager, ids: number[]): Promise<InboxCounts['teams']> {
  if (ids.length === 0) return [];
  const part = inList('id', ids);
  const rows: Row[] = await em.execute(
    `select id, name from team where ${part.sql} order by name`,
    part.params,
  );
  return rows.map((r) => ({ id: Number(r.id), name: String(r.name) }));
}
