// The policy simulator: replays past tickets' recorded facts (arrival, first public reply,
// status changes, the recorded triage, assignment and SLA outcome) through a candidate policy
// and reports, per ticket and in total, what it would have done differently. Pure: no Temporal,
// no database (temporal/audit/simulation-facts.ts loads the facts), so a thousand tickets take
// milliseconds. Used by `npm run audit -- simulate`; tests: tests/audit/simulate.test.ts.
//
// The "before" side is what was recorded; the "after" side re-runs only what the candidate
// changes, or what a changed input forces (a new queue re-runs assignment, a new priority
// re-runs the due instant) with today's policies. Agent load for assignment is rebuilt from the
// simulated tickets themselves: tickets opened before the window, and availability changes
// over time, are not recorded, so every agent counts as in their current status.
import {
  chooseAssignee as todaysChooseAssignee,
  type AssignmentCandidate,
  type AssignmentStrategy,
} from '../../workflows/policies/assignment.ts';
import {
  SlaTarget,
  calendarOrAlwaysOpen,
  completeTerms,
  escalationOnBreach as todaysEscalation,
  firstResponseDue as todaysFirstResponseDue,
  targetDue as todaysTargetDue,
  type SlaTerms,
} from '../../workflows/policies/sla.ts';
import type { BusinessCalendar } from '../../workflows/shared/business-time.ts';
import { TicketStatus, type Channel, type Priority } from '../../workflows/ticket/vocabulary.ts';
import type { CandidatePolicy } from './candidate-policy.ts';

/** A ticket's outcome on one side of the comparison. */
export interface TicketOutcome {
  queueKey: string | null;
  priority: Priority | null;
  /** The agent the policy assigned on arrival; later hand-offs by agents are not policy. */
  assigneeId: number | null;
  firstResponseDueAt: number | null;
  breached: boolean;
  escalationLevel: number;
}

/** What is known of one past ticket, as recorded. */
export interface PastTicket {
  ticketId: number;
  channel: Channel;
  subject: string;
  /** Subject and the start of the first message, as the workflow's triage saw them. */
  triageText: string;
  requesterEmail: string | null;
  automated: boolean;
  receivedAt: number;
  firstReplyAt: number | null;
  /** Status changes in time order, starting with `new` at arrival. */
  statuses: { at: number; status: string }[];
  /** v1: wall-clock first-response target; v2: business time (patch 2026-12-business-time-sla). */
  slaVersion: 'v1' | 'v2';
  recorded: TicketOutcome;
}

/** A queue as routing and SLA policies see it. */
export interface SimulatedQueue {
  key: string;
  skill: string;
  strategy?: AssignmentStrategy;
  terms: SlaTerms;
  calendar: BusinessCalendar | null;
}

/** The workgroup the simulation routes into: queues by key and the agents (load left out). */
export interface SimulatedWorkgroup {
  queues: Record<string, SimulatedQueue>;
  agents: (Omit<AssignmentCandidate, 'openTickets' | 'lastAssignedAt'> & { name: string })[];
}

/** One ticket whose outcome the candidate changes, with each difference in words. */
export interface TicketDifference {
  ticketId: number;
  before: TicketOutcome;
  after: TicketOutcome;
  changes: string[];
}

/** The simulator's answer: per-ticket differences and the totals before and after. */
export interface SimulationReport {
  policy: string;
  tickets: number;
  differences: TicketDifference[];
  totals: {
    breaches: { before: number; after: number };
    breachRate: { before: number; after: number };
    escalations: { before: number; after: number };
    queueChanges: number;
    priorityChanges: number;
    dueChanges: number;
    /** Tickets the candidate would have given to another agent on arrival. */
    reassignments: number;
    /** Tickets assigned on arrival, per agent id ('none' for unassigned). */
    loadPerAgent: Record<string, { before: number; after: number }>;
  };
  elapsedMs: number;
}

const defaultQueueKey = 'support';
const workableStatuses: string[] = [TicketStatus.New, TicketStatus.Open];
const finishedStatuses: string[] = [TicketStatus.Resolved, TicketStatus.Closed];
const minuteMs = 60_000;

/** Runs the candidate over the tickets in arrival order; `asOf` is when the facts were read. */
export function simulatePolicy(options: {
  tickets: PastTicket[];
  workgroup: SimulatedWorkgroup;
  candidate: CandidatePolicy;
  asOf: number;
}): SimulationReport {
  const began = performance.now();
  const load = new AgentLoad();
  const ordered = [...options.tickets].sort(
    (a, b) => a.receivedAt - b.receivedAt || a.ticketId - b.ticketId,
  );

  const names = new Map(options.workgroup.agents.map((agent) => [agent.agentId, agent.name]));
  const differences: TicketDifference[] = [];
  const pairs = ordered.map((ticket) => {
    const after = simulateTicket({ ...options, ticket, load });
    const changes = describeChanges(ticket.recorded, after, names);
    if (changes.length > 0) {
      differences.push({ ticketId: ticket.ticketId, before: ticket.recorded, after, changes });
    }
    return { before: ticket.recorded, after };
  });

  return {
    policy: options.candidate.name ?? 'candidate',
    tickets: ordered.length,
    differences,
    totals: totalsOf(pairs),
    elapsedMs: performance.now() - began,
  };
}

function simulateTicket(options: {
  ticket: PastTicket;
  workgroup: SimulatedWorkgroup;
  candidate: CandidatePolicy;
  load: AgentLoad;
  asOf: number;
}): TicketOutcome {
  const { ticket, candidate, workgroup } = options;
  const recorded = ticket.recorded;

  const triage = candidate.triageTicket?.({
    channel: ticket.channel,
    subject: ticket.subject,
    text: ticket.triageText,
    requesterEmail: ticket.requesterEmail,
    automated: ticket.automated,
  });
  const queueKey = triage?.queueKey ?? recorded.queueKey ?? defaultQueueKey;
  const queue = workgroup.queues[queueKey] ?? workgroup.queues[defaultQueueKey];
  const priority = triage?.priority ?? recorded.priority;
  const queueChanged = queue !== undefined && queue.key !== recorded.queueKey;

  const assigneeId =
    (candidate.chooseAssignee !== undefined || queueChanged) && queue !== undefined
      ? chooseFor({ ticket, queue, candidate, workgroup, load: options.load })
      : recorded.assigneeId;
  options.load.assign(assigneeId, ticket.receivedAt, finishedAt(ticket));

  const slaChanged = changesSla(candidate) || priority !== recorded.priority || queueChanged;
  const dueAt =
    slaChanged && queue !== undefined && priority !== null
      ? dueFor({ ticket, queue, priority, candidate, asOf: options.asOf })
      : recorded.firstResponseDueAt;

  const breachAt = dueAt === null ? null : breachInstant(ticket, dueAt, options.asOf);
  const escalate = candidate.escalationOnBreach ?? todaysEscalation;
  const step =
    breachAt === null || priority === null ? null : escalate({ priority, escalationLevel: 0 });

  return {
    queueKey: queue?.key ?? queueKey,
    priority,
    assigneeId,
    firstResponseDueAt: dueAt,
    breached: breachAt !== null,
    escalationLevel: step?.level ?? 0,
  };
}

function chooseFor(options: {
  ticket: PastTicket;
  queue: SimulatedQueue;
  candidate: CandidatePolicy;
  workgroup: SimulatedWorkgroup;
  load: AgentLoad;
}): number | null {
  const { queue, ticket, load } = options;
  const choose = options.candidate.chooseAssignee ?? todaysChooseAssignee;
  const candidates = options.workgroup.agents
    .filter((agent) => agent.skills.includes(queue.skill))
    .map((agent) => ({
      ...agent,
      openTickets: load.openAt(agent.agentId, ticket.receivedAt),
      lastAssignedAt: load.lastAssignedAt(agent.agentId),
    }));
  return choose({ strategy: queue.strategy, skill: queue.skill, candidates }).agentId;
}

function changesSla(candidate: CandidatePolicy): boolean {
  const functions = [candidate.firstResponseDue, candidate.targetDue];
  return functions.some((f) => f !== undefined) || candidate.slaTargets !== undefined;
}

function dueFor(options: {
  ticket: PastTicket;
  queue: SimulatedQueue;
  priority: Priority;
  candidate: CandidatePolicy;
  asOf: number;
}): number | null {
  const { queue, candidate } = options;
  const minutes = candidate.slaTargets?.firstResponseMinutes ?? {};
  const overrides = Object.fromEntries(
    Object.entries(minutes).map(([priority, value]) => [priority, value * minuteMs]),
  );
  const terms: SlaTerms = {
    ...queue.terms,
    firstResponseMs: { ...queue.terms.firstResponseMs, ...overrides },
  };

  if (options.ticket.slaVersion === 'v1' || candidate.firstResponseDue !== undefined) {
    const due = candidate.firstResponseDue ?? todaysFirstResponseDue;
    return due({ terms, priority: options.priority, receivedAt: options.ticket.receivedAt });
  }

  // Business time, read as the ticket arrived: the instant it was promised. Whether a later
  // resolution stopped the clock first is breachInstant's question.
  const { receivedAt } = options.ticket;
  const due = candidate.targetDue ?? todaysTargetDue;
  return due({
    target: SlaTarget.FirstResponse,
    terms: completeTerms(terms),
    calendar: calendarOrAlwaysOpen(queue.calendar),
    priority: options.priority,
    statusLog: options.ticket.statuses.filter((change) => change.at <= receivedAt),
    nextResponseSince: null,
    now: receivedAt,
  }).dueAt;
}

/**
 * When the first-response timer would fire. Wall-clock (v1): the first instant at or after `dueAt` at which the
 * ticket is workable (new or open) and has no public reply yet, as the workflow's timer loop
 * behaves (a pending ticket's timer waits until it is open again); null when it never would.
 */
export function breachInstant(ticket: PastTicket, dueAt: number, asOf: number): number | null {
  // Business-time first response ignores pauses: its timer fires at the due instant unless a
  // reply came first or the ticket was resolved or closed by then (which stops the clock).
  if (ticket.slaVersion === 'v2') {
    const answered = ticket.firstReplyAt !== null && ticket.firstReplyAt <= dueAt;
    const status = ticket.statuses.filter((change) => change.at <= dueAt).at(-1)?.status;
    const stopped = status !== undefined && finishedStatuses.includes(status);
    return answered || stopped || dueAt > asOf ? null : dueAt;
  }

  const statuses = ticket.statuses;
  for (const [index, change] of statuses.entries()) {
    if (!workableStatuses.includes(change.status)) continue;

    const until = statuses[index + 1]?.at ?? asOf;
    const firesAt = Math.max(change.at, dueAt);
    const answered = ticket.firstReplyAt !== null && ticket.firstReplyAt <= firesAt;
    if (firesAt < until && !answered) return firesAt;
  }
  return null;
}

/** The instant the ticket last left the workload (resolved or closed), null while open. */
function finishedAt(ticket: PastTicket): number | null {
  const last = ticket.statuses.at(-1);
  return last !== undefined && finishedStatuses.includes(last.status) ? last.at : null;
}

/** Which agent owns which simulated ticket over time, to give policies each agent's load. */
class AgentLoad {
  private readonly owned = new Map<number, { from: number; to: number }[]>();
  private readonly lastAssigned = new Map<number, number>();

  assign(agentId: number | null, from: number, to: number | null): void {
    if (agentId === null) return;
    const spans = this.owned.get(agentId) ?? [];
    spans.push({ from, to: to ?? Number.POSITIVE_INFINITY });
    this.owned.set(agentId, spans);
    this.lastAssigned.set(agentId, from);
  }

  openAt(agentId: number, at: number): number {
    const spans = this.owned.get(agentId) ?? [];
    return spans.filter((span) => span.from <= at && at < span.to).length;
  }

  lastAssignedAt(agentId: number): number | null {
    return this.lastAssigned.get(agentId) ?? null;
  }
}

function describeChanges(
  before: TicketOutcome,
  after: TicketOutcome,
  names: Map<number, string>,
): string[] {
  const changes: string[] = [];
  const say = (what: string, from: unknown, to: unknown) =>
    changes.push(`${what} ${String(from)} → ${String(to)}`);

  if (before.queueKey !== after.queueKey) say('queue', before.queueKey, after.queueKey);
  if (before.priority !== after.priority) say('priority', before.priority, after.priority);
  if (before.assigneeId !== after.assigneeId) {
    say('assignee', agentLabel(before.assigneeId, names), agentLabel(after.assigneeId, names));
  }
  if (before.firstResponseDueAt !== after.firstResponseDueAt) {
    say(
      'first response due',
      isoOrNone(before.firstResponseDueAt),
      isoOrNone(after.firstResponseDueAt),
    );
  }
  if (before.breached !== after.breached) {
    changes.push(after.breached ? 'met → BREACHED' : 'breached → met');
  }
  if (before.escalationLevel !== after.escalationLevel) {
    say('escalation level', before.escalationLevel, after.escalationLevel);
  }
  return changes;
}

function totalsOf(pairs: { before: TicketOutcome; after: TicketOutcome }[]) {
  const count = (test: (p: (typeof pairs)[number]) => boolean) => pairs.filter(test).length;
  const rate = (n: number) => (pairs.length === 0 ? 0 : n / pairs.length);
  const breaches = {
    before: count((p) => p.before.breached),
    after: count((p) => p.after.breached),
  };

  const loadPerAgent: Record<string, { before: number; after: number }> = {};
  const tally = (agentId: number | null, side: 'before' | 'after') => {
    const key = agentId === null ? 'none' : String(agentId);
    loadPerAgent[key] ??= { before: 0, after: 0 };
    loadPerAgent[key][side] += 1;
  };
  for (const pair of pairs) {
    tally(pair.before.assigneeId, 'before');
    tally(pair.after.assigneeId, 'after');
  }

  return {
    breaches,
    breachRate: { before: rate(breaches.before), after: rate(breaches.after) },
    escalations: {
      before: count((p) => p.before.escalationLevel > 0),
      after: count((p) => p.after.escalationLevel > 0),
    },
    queueChanges: count((p) => p.before.queueKey !== p.after.queueKey),
    priorityChanges: count((p) => p.before.priority !== p.after.priority),
    dueChanges: count((p) => p.before.firstResponseDueAt !== p.after.firstResponseDueAt),
    reassignments: count((p) => p.before.assigneeId !== p.after.assigneeId),
    loadPerAgent,
  };
}

function agentLabel(agentId: number | null, names: Map<number, string>): string {
  if (agentId === null) return 'nobody';
  return names.get(agentId) ?? `agent ${agentId}`;
}

function isoOrNone(ms: number | null): string {
  return ms === null ? 'none' : new Date(ms).toISOString();
}
