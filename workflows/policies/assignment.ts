// Assignment policy: who among the agents eligible for a queue gets a new ticket. Pure:
// the activity gathers candidates and their current load; this module only chooses, so
// a lead can change the rule in review and the simulator can replay it on past tickets.

export const assignmentPolicyVersion = 'assignment-2026-12-v1';

export interface AssignmentCandidate {
  agentId: number;
  available: boolean;
  skills: string[];
  openTickets: number;
  capacity: number;
  /** Epoch ms of the agent's last assignment, null when never assigned. */
  lastAssignedAt: number | null;
}

export interface AssignmentDecision {
  agentId: number | null;
  reason: string;
  policyVersion: string;
}

/**
 * Picks the least-loaded available agent with the queue's skill; ties go to whoever waited
 * longest since their last assignment, then the lowest id, so the choice is reproducible.
 */
export function chooseAssignee(options: {
  skill: string;
  candidates: AssignmentCandidate[];
}): AssignmentDecision {
  const eligible = options.candidates.filter(
    (c) => c.available && c.skills.includes(options.skill) && c.openTickets < c.capacity,
  );
  if (eligible.length === 0) {
    return {
      agentId: null,
      reason: `no available agent with skill "${options.skill}" below capacity`,
      policyVersion: assignmentPolicyVersion,
    };
  }

  const [best] = [...eligible].sort(compareCandidates);
  return {
    agentId: best!.agentId,
    reason: `least open tickets (${best!.openTickets}) with skill "${options.skill}"`,
    policyVersion: assignmentPolicyVersion,
  };
}

function compareCandidates(a: AssignmentCandidate, b: AssignmentCandidate): number {
  if (a.openTickets !== b.openTickets) return a.openTickets - b.openTickets;
  const aWaited = a.lastAssignedAt ?? -Infinity;
  const bWaited = b.lastAssignedAt ?? -Infinity;
  if (aWaited !== bWaited) return aWaited - bWaited;
  return a.agentId - b.agentId;
}
