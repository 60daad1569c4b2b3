// Load per agent right now, and the lead's one-click rebalance. Load is read from the ticket read
// model and weighted in business time from each team's calendar; a rebalance moves tickets
// through each ticket workflow's assign Update (as POST /api/tickets/:id/assignment does), never
// by writing the read model, so every move is a recorded, validated handoff.
// Tests: tests/reports/load.test.ts.
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { EntityManager } from '../db/orm.ts';
import { assignUpdate } from '../workflows/ticket/messages.ts';
import type { Priority, TicketStatus } from '../workflows/ticket/vocabulary.ts';
import { ticketWorkflowId } from '../workflows/ticket/workflow-id.ts';
import { createBusinessClocks } from './triage-clock.ts';
import type { TriageFilters } from './triage.ts';

const hourMs = 3_600_000;

/** What the dashboard shows for one agent. */
export interface AgentLoad {
  agent: { id: number; name: string };
  team: { id: number; name: string } | null;
  status: 'online' | 'away' | 'offline';
  skills: string[];
  capacity: number;
  /** Every ticket the agent owns that is not resolved or closed (pending and on hold included). */
  openTickets: number;
  /** New and open tickets: the ones waiting on this agent now. */
  activeTickets: number;
  /**
   * Business-hours-weighted work: the sum, over the agent's new and open tickets, of business
   * hours since each ticket was created, in its team's calendar. Older waiting work weighs more.
   */
  weightedBusinessHours: number;
  /** Active tickets past an SLA due instant. */
  overdueTickets: number;
}

export interface LoadReport {
  asOf: string;
  /** How `weightedBusinessHours` is counted, for the dashboard to say beside the number. */
  weightDefinition: string;
  agents: AgentLoad[];
}

export const weightDefinition =
  'Sum over the agent’s new and open tickets of business hours since each ticket was created, in its team’s business calendar.';

type Row = Record<string, unknown>;

interface ActiveTicket {
  id: number;
  subject: string;
  status: TicketStatus;
  priority: Priority;
  assigneeId: number;
  teamId: number | null;
  queue: { id: number; name: string; skill: string } | null;
  createdAt: Date;
  dueAt: Date | null;
}

/** Every agent's load right now, most loaded first; filters narrow to a team, a queue's skill or one agent. */
export async function measureAgentLoad(options: {
  em: EntityManager;
  now: Date;
  filters?: TriageFilters;
}): Promise<LoadReport> {
  const filters = options.filters ?? {};
  const agents = await loadAgents(options.em, filters);
  const tickets = await loadActiveTickets(
    options.em,
    agents.map((a) => a.agent.id),
  );
  const weigh = await ticketWeigher(options.em, options.now, tickets);

  const byAgent = new Map(agents.map((load) => [load.agent.id, load]));
  for (const ticket of tickets) {
    const load = byAgent.get(ticket.assigneeId)!;
    load.activeTickets += 1;
    load.weightedBusinessHours += weigh(ticket);
    if (ticket.dueAt !== null && ticket.dueAt <= options.now) load.overdueTickets += 1;
  }

  for (const load of agents) load.weightedBusinessHours = roundHours(load.weightedBusinessHours);
  agents.sort(byLoad);
  return { asOf: options.now.toISOString(), weightDefinition, agents };
}

/** Most loaded first: weighted work, then active tickets, then open tickets. */
function byLoad(a: AgentLoad, b: AgentLoad): number {
  return (
    b.weightedBusinessHours - a.weightedBusinessHours ||
    b.activeTickets - a.activeTickets ||
    b.openTickets - a.openTickets ||
    a.agent.id - b.agent.id
  );
}

async function loadAgents(em: EntityManager, filters: TriageFilters): Promise<AgentLoad[]> {
  const rows: Row[] = await em.execute(
    `select a.id, a.name, a.status, a.skills, a.capacity, a.team_id, tm.name as team_name,
            (select count(*) from ticket t
              where t.assignee_id = a.id and t.status not in ('resolved', 'closed')) as open_tickets
       from agent a left join team tm on tm.id = a.team_id
      where (?::int is null or a.team_id = ?)
        and (?::int is null or a.id = ?)
        and (?::int is null or a.skills @> jsonb_build_array(
              (select q.skill from queue q where q.id = ?)))
      order by a.id`,
    [
      filters.teamId ?? null,
      filters.teamId ?? null,
      filters.agentId ?? null,
      filters.agentId ?? null,
      filters.queueId ?? null,
      filters.queueId ?? null,
    ],
  );
  return rows.map((row) => ({
    agent: { id: Number(row.id), name: String(row.name) },
    team: row.team_id === null ? null : { id: Number(row.team_id), name: String(row.team_name) },
    status: row.status as AgentLoad['status'],
    skills: row.skills as string[],
    capacity: Number(row.capacity),
    openTickets: Number(row.open_tickets),
    activeTickets: 0,
    weightedBusinessHours: 0,
    overdueTickets: 0,
  }));
}

async function loadActiveTickets(em: EntityManager, agentIds: number[]): Promise<ActiveTicket[]> {
  if (agentIds.length === 0) return [];
  const rows: Row[] = await em.execute(
    `select t.id, t.subject, t.status, t.priority, t.assignee_id, t.team_id, t.created_at,
            t.queue_id, q.name as queue_name, q.skill,
            least(case when t.first_responded_at is null then t.first_response_due_at end,
                  t.next_response_due_at, t.resolution_due_at) as due_at
       from ticket t left join queue q on q.id = t.queue_id
      where t.status in ('new', 'open') and t.assignee_id = any(?::int[])
      order by due_at nulls last, t.created_at, t.id`,
    [`{${agentIds.join(',')}}`],
  );
  return rows.map((row) => ({
    id: Number(row.id),
    subject: String(row.subject),
    status: row.status as TicketStatus,
    priority: row.priority as Priority,
    assigneeId: Number(row.assignee_id),
    teamId: row.team_id === null ? null : Number(row.team_id),
    queue:
      row.queue_id === null
        ? null
        : { id: Number(row.queue_id), name: String(row.queue_name), skill: String(row.skill) },
    createdAt: new Date(row.created_at as Date),
    dueAt: row.due_at === null ? null : new Date(row.due_at as Date),
  }));
}

/** Business hours since a ticket was created, in its team's calendar (24x7 without one). */
async function ticketWeigher(
  em: EntityManager,
  now: Date,
  tickets: ActiveTicket[],
): Promise<(t: ActiveTicket) => number> {
  const since = tickets.reduce(
    (earliest, t) => Math.min(earliest, t.createdAt.getTime()),
    now.getTime(),
  );
  const clocks = await createBusinessClocks({ em, since, until: now.getTime() });
  return (ticket) => clocks(ticket.teamId, ticket.createdAt.getTime()) / hourMs;
}

export interface RebalanceMove {
  ticketId: number;
  subject: string;
  priority: Priority;
  queue: string | null;
  dueAt: string | null;
}

export interface RebalancePlan {
  from: AgentLoad | null;
  to: AgentLoad | null;
  moves: RebalanceMove[];
  /** Why nothing would move, in words a lead can act on. */
  reason?: string;
}

/**
 * Plans moving up to `count` tickets from the most loaded agent to the least loaded available
 * (online, under capacity) agent who has each ticket's queue skill; most urgent tickets first.
 * `fromAgentId`/`toAgentId` pin either side. Nothing is changed: this is the preview.
 */
export async function planRebalance(options: {
  em: EntityManager;
  now: Date;
  count: number;
  filters?: TriageFilters;
  fromAgentId?: number;
  toAgentId?: number;
}): Promise<RebalancePlan> {
  const { agents } = await measureAgentLoad({
    em: options.em,
    now: options.now,
    filters: { teamId: options.filters?.teamId, queueId: options.filters?.queueId },
  });
  const from = pickSource(agents, options.fromAgentId);
  if (from === null)
    return { from: null, to: null, moves: [], reason: 'No agent has tickets waiting.' };

  const tickets = (await loadActiveTickets(options.em, [from.agent.id])).filter(
    (t) => options.filters?.queueId === undefined || t.queue?.id === options.filters.queueId,
  );
  const targets = agents
    .filter((a) => a.agent.id !== from.agent.id && isAvailable(a))
    .filter((a) => options.toAgentId === undefined || a.agent.id === options.toAgentId)
    .reverse();

  for (const to of targets) {
    const room = Math.min(options.count, to.capacity - to.openTickets);
    const movable = tickets.filter((t) => t.queue !== null && to.skills.includes(t.queue.skill));
    if (movable.length > 0 && room > 0) {
      return { from, to, moves: movable.slice(0, room).map(toMove) };
    }
  }
  return { from, to: null, moves: [], reason: noTargetReason(from, options.toAgentId) };
}

function pickSource(agents: AgentLoad[], fromAgentId: number | undefined): AgentLoad | null {
  const source =
    fromAgentId === undefined ? agents[0] : agents.find((a) => a.agent.id === fromAgentId);
  return source !== undefined && source.activeTickets > 0 ? source : null;
}

function isAvailable(agent: AgentLoad): boolean {
  return agent.status === 'online' && agent.openTickets < agent.capacity;
}

function noTargetReason(from: AgentLoad, toAgentId: number | undefined): string {
  return toAgentId === undefined
    ? `No other online agent with room has the skills for ${from.agent.name}'s tickets.`
    : `Agent ${toAgentId} is not online with room, or lacks the skills for ${from.agent.name}'s tickets.`;
}

function toMove(ticket: ActiveTicket): RebalanceMove {
  return {
    ticketId: ticket.id,
    subject: ticket.subject,
    priority: ticket.priority,
    queue: ticket.queue?.name ?? null,
    dueAt: ticket.dueAt?.toISOString() ?? null,
  };
}

export interface RebalanceOutcome {
  moved: number[];
  skipped: { ticketId: number; reason: string }[];
}

/**
 * Hands each ticket to `toAgentId` through its workflow's assign Update, as the lead; a ticket
 * no longer owned by `fromAgentId` (someone acted since the preview) or refused by the workflow
 * is skipped with the reason, and the others still move.
 */
export async function applyRebalance(options: {
  em: EntityManager;
  temporal: Client;
  log: Logger;
  byAgentId: number;
  fromAgentId: number;
  toAgentId: number;
  ticketIds: number[];
}): Promise<RebalanceOutcome> {
  const owners = await currentOwners(options.em, options.ticketIds);
  const outcome: RebalanceOutcome = { moved: [], skipped: [] };

  for (const ticketId of options.ticketIds) {
    if (owners.get(ticketId) !== options.fromAgentId) {
      outcome.skipped.push({
        ticketId,
        reason: `no longer assigned to agent ${options.fromAgentId}`,
      });
      continue;
    }
    const refusal = await sendAssign(options, ticketId);
    if (refusal === null) outcome.moved.push(ticketId);
    else outcome.skipped.push({ ticketId, reason: refusal });
  }

  options.log.info(
    {
      fromAgentId: options.fromAgentId,
      toAgentId: options.toAgentId,
      moved: outcome.moved,
      skipped: outcome.skipped.length,
    },
    'tickets rebalanced',
  );
  return outcome;
}

async function currentOwners(
  em: EntityManager,
  ticketIds: number[],
): Promise<Map<number, number | null>> {
  if (ticketIds.length === 0) return new Map();
  const rows: Row[] = await em.execute(
    `select id, assignee_id from ticket where id = any(?::bigint[])`,
    [`{${ticketIds.join(',')}}`],
  );
  return new Map(
    rows.map((row) => [Number(row.id), row.assignee_id === null ? null : Number(row.assignee_id)]),
  );
}

async function sendAssign(
  options: { temporal: Client; log: Logger; byAgentId: number; toAgentId: number },
  ticketId: number,
): Promise<string | null> {
  const handle = options.temporal.workflow.getHandle(ticketWorkflowId(ticketId));
  const action = {
    agentId: options.toAgentId,
    byAgentId: options.byAgentId,
    note: 'Rebalanced by a lead from the load view.',
  };
  try {
    await handle.executeUpdate(assignUpdate, { args: [action] });
    return null;
  } catch (error) {
    options.log.warn(
      { err: error, ticketId, toAgentId: options.toAgentId },
      'rebalance move refused',
    );
    // The workflow's refusal (409/422 reason) is the update failure's cause.
    const cause = error instanceof Error ? error.cause : undefined;
    return cause instanceof Error ? cause.message : String(error);
  }
}

function roundHours(hours: number): number {
  return Math.round(hours * 10) / 10;
}
