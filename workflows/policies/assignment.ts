// Assignment policy: who among the agents eligible for a queue gets a ticket. Pure: the
// activity gathers candidates with their status, load and last assignment; this module only
// chooses, so a lead can change the rule in review and the simulator can replay it on past
// tickets. Tests: tests/routing/assignment-policy.test.ts (the C06 table) and
// tests/workflows/policies.test.ts.

export const assignmentPolicyVersion = 'assignment-2026-12-v2';

/** Whether an agent takes new tickets now: only `online` agents are eligible. */
export const AgentStatus = {
  Online: 'online',
  Away: 'away',
  Offline: 'offline',
} as const;
export type AgentStatus = (typeof AgentStatus)[keyof typeof AgentStatus];
export const agentStatuses = Object.values(AgentStatus);

/** How a queue picks among its eligible agents. */
export const AssignmentStrategy = {
  /** The least-recently-assigned eligible agent; ties go to roster order. */
  RoundRobin: 'round_robin',
  /** The eligible agent with the fewest open tickets; ties go to who waited longest. */
  LeastOpen: 'least_open',
} as const;
export type AssignmentStrategy = (typeof AssignmentStrategy)[keyof typeof AssignmentStrategy];
export const assignmentStrategies = Object.values(AssignmentStrategy);

export interface AssignmentCandidate {
  agentId: number;
  /**
   * Absent in candidates recorded before agent statuses existed; `available` then decides,
   * so those histories replay to the same choice.
   */
  status?: AgentStatus;
  /** True exactly when the agent is online. */
  available: boolean;
  skills: string[];
  openTickets: number;
  capacity: number;
  /** Epoch ms of the agent's last assignment, null when never assigned. */
  lastAssignedAt: number | null;
  /** The agent's place in the team roster; absent in older histories, where the id decides. */
  rosterOrder?: number;
}

export interface AssignmentDecision {
  agentId: number | null;
  reason: string;
  policyVersion: string;
}

/** A queue's routing settings, as stored on the queue row. */
export interface QueueRoutingSettings {
  strategy: AssignmentStrategy;
  /** Reassign when the owner has not responded within this many business minutes; null: never. */
  reassignAfterMinutes: number | null;
  /** Move an agent's open tickets to colleagues when the agent goes offline; off by default. */
  moveOpenTicketsWhenOffline: boolean;
}

/**
 * Picks an online agent below capacity with the queue's skill by the queue's strategy
 * (least open tickets when none is given); on reopen it keeps an eligible previous owner and
 * never hands the ticket back to an offline or full one.
 */
export function chooseAssignee(options: {
  strategy?: AssignmentStrategy;
  skill: string;
  candidates: AssignmentCandidate[];
  previousAssigneeId?: number | null;
}): AssignmentDecision {
  const { skill, candidates, previousAssigneeId } = options;
  const strategy = options.strategy ?? AssignmentStrategy.LeastOpen;

  const hasPrevious = previousAssigneeId !== undefined && previousAssigneeId !== null;
  if (hasPrevious && keepsPreviousOwner(candidates, previousAssigneeId)) {
    return decide(previousAssigneeId, 'previous assignee kept: online and below capacity');
  }

  const eligible = candidates.filter((c) => isEligible(c, skill));
  const cause = hasPrevious ? whyPreviousOwnerLeaves(candidates, previousAssigneeId) : null;
  if (eligible.length === 0) {
    const nobody = `no available agent with skill "${skill}" below capacity`;
    return decide(null, cause === null ? nobody : `${cause}; ${nobody}`);
  }

  const best = [...eligible].sort(comparators[strategy])[0]!;
  return decide(best.agentId, cause ?? describeChoice(strategy, best, skill));
}

/**
 * Whether a reopened ticket stays with its previous owner: only when that agent is online,
 * below capacity and still among the queue's candidates.
 */
export function keepsPreviousOwner(
  candidates: AssignmentCandidate[],
  previousAssigneeId: number,
): boolean {
  const previous = candidates.find((c) => c.agentId === previousAssigneeId);
  return previous !== undefined && isOnline(previous) && hasRoom(previous);
}

/** Whether an agent's current status lets them take new tickets. */
export function isOnline(candidate: AssignmentCandidate): boolean {
  if (candidate.status === undefined) return candidate.available;
  return candidate.status === AgentStatus.Online;
}

function isEligible(candidate: AssignmentCandidate, skill: string): boolean {
  return isOnline(candidate) && hasRoom(candidate) && candidate.skills.includes(skill);
}

function hasRoom(candidate: AssignmentCandidate): boolean {
  return candidate.openTickets < candidate.capacity;
}

// The reason a reassignment on reopen is recorded with; worded for the ticket's timeline.
function whyPreviousOwnerLeaves(candidates: AssignmentCandidate[], previousId: number): string {
  const previous = candidates.find((c) => c.agentId === previousId);
  if (previous === undefined) return 'previous assignee no longer serves this queue';
  if (!isOnline(previous)) {
    const status = previous.status === AgentStatus.Away ? 'away' : 'offline';
    return `previous assignee ${status}`;
  }
  return 'previous assignee at capacity';
}

function describeChoice(
  strategy: AssignmentStrategy,
  best: AssignmentCandidate,
  skill: string,
): string {
  if (strategy === AssignmentStrategy.RoundRobin) {
    return `least recently assigned online agent with skill "${skill}"`;
  }
  return `least open tickets (${best.openTickets}) with skill "${skill}"`;
}

function decide(agentId: number | null, reason: string): AssignmentDecision {
  return { agentId, reason, policyVersion: assignmentPolicyVersion };
}

type Comparator = (a: AssignmentCandidate, b: AssignmentCandidate) => number;

// Never assigned sorts first: that agent has waited longest of all.
const byLastAssigned: Comparator = (a, b) =>
  (a.lastAssignedAt ?? -Infinity) - (b.lastAssignedAt ?? -Infinity);

// Older candidates carry no roster order; the id then decides, as it did before.
const byRoster: Comparator = (a, b) =>
  (a.rosterOrder ?? Infinity) - (b.rosterOrder ?? Infinity) || a.agentId - b.agentId;

const byOpenTickets: Comparator = (a, b) => a.openTickets - b.openTickets;

const comparators: Record<AssignmentStrategy, Comparator> = {
  [AssignmentStrategy.RoundRobin]: (a, b) => byLastAssigned(a, b) || byRoster(a, b),
  [AssignmentStrategy.LeastOpen]: (a, b) =>
    byOpenTickets(a, b) || byLastAssigned(a, b) || byRoster(a, b),
};
