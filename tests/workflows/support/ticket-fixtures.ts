// Arrangements shared by the ticket tests: a support and a billing queue, SLA terms on the
// scale real policies use (hours to first response, days to follow up and close), assignment
// candidates, and the input a new ticket's workflow starts with. Used by the pure unit tests in
// tests/workflows/, the time-skipping workflow tests and the replay recorder in tests/replay/.
import type { RoutingContext } from '../../../activities/contracts.ts';
import type { AssignmentCandidate } from '../../../workflows/policies/assignment.ts';
import type { SlaTerms } from '../../../workflows/policies/sla.ts';
import type { TicketWorkflowInput } from '../../../workflows/ticket/ticket-workflow.ts';
import type { QueueRef } from '../../../workflows/ticket/ticket-state.ts';
import { Channel } from '../../../workflows/ticket/vocabulary.ts';

export const minuteMs = 60_000;
export const hourMs = 60 * minuteMs;
export const dayMs = 24 * hourMs;

/** The agent who leads both queues and is told about escalations. */
export const leadAgentId = 900;

export const supportQueue: QueueRef = {
  id: 1,
  key: 'support',
  name: 'Support',
  teamId: 10,
  leadAgentId,
  skill: 'general',
};

export const billingQueue: QueueRef = {
  id: 2,
  key: 'billing',
  name: 'Billing',
  teamId: 20,
  leadAgentId,
  skill: 'billing',
};

export const slaTerms: SlaTerms = {
  policyName: 'Standard',
  firstResponseMs: { low: 8 * hourMs, normal: 4 * hourMs, high: hourMs, urgent: 15 * minuteMs },
  resolutionMs: { low: 5 * dayMs, normal: 3 * dayMs, high: dayMs, urgent: 4 * hourMs },
  followUpAfterMs: 2 * dayMs,
  autoCloseAfterMs: 5 * dayMs,
};

/** An available agent with the general skill and room for more tickets, unless overridden. */
export function candidate(overrides: Partial<AssignmentCandidate> = {}): AssignmentCandidate {
  return {
    agentId: 11,
    available: true,
    skills: ['general', 'billing'],
    openTickets: 2,
    capacity: 10,
    lastAssignedAt: null,
    ...overrides,
  };
}

/** The routing context the fake `loadRoutingContext` answers for a queue key. */
export function routingContextFor(queueKey: string): RoutingContext {
  return {
    queue: queueKey === billingQueue.key ? billingQueue : supportQueue,
    terms: slaTerms,
    candidates: [
      candidate({ agentId: 11, openTickets: 3 }),
      candidate({ agentId: 12, openTickets: 1 }),
    ],
  };
}

/** The input of a plain email ticket received at `receivedAt` (workflow time). */
export function ticketInput(options: {
  ticketId: number;
  receivedAt: number;
  subject?: string;
  automated?: boolean;
}): TicketWorkflowInput {
  const subject = options.subject ?? 'Question about exporting reports';
  return {
    ticketId: options.ticketId,
    subject,
    channel: Channel.Email,
    requester: { id: 501, email: 'requester@example.test' },
    mailbox: 'support@example.test',
    firstMessageId: 7_000 + options.ticketId,
    receivedAt: options.receivedAt,
    triageText: `${subject}\nHow do I export last month's reports?`,
    automated: options.automated ?? false,
  };
}
