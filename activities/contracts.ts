// The shapes that cross between the ticket workflow and its activities. Kept apart from
// the activity implementations so the workflow bundle imports types only.
import type { AssignmentCandidate } from '../workflows/policies/assignment.ts';
import type { SlaTerms } from '../workflows/policies/sla.ts';
import type { QueueRef, TicketState, TimelineEntry } from '../workflows/ticket/ticket-state.ts';
import type { Channel } from '../workflows/ticket/vocabulary.ts';

export interface RoutingContext {
  queue: QueueRef;
  terms: SlaTerms;
  candidates: AssignmentCandidate[];
}

export interface ProjectTicketInput {
  ticketId: number;
  entries: TimelineEntry[];
  snapshot: TicketState;
}

export interface RecordAgentMessageInput {
  ticketId: number;
  /** Derived from the update id, so a retried activity stores the message once. */
  idempotencyKey: string;
  agentId: number;
  kind: 'public_reply' | 'internal_note';
  body: string;
  channel: Channel;
  at: number;
}

export interface RecordFollowUpReminderInput {
  ticketId: number;
  idempotencyKey: string;
  channel: Channel;
  at: number;
}

export interface NotifyAgentInput {
  agentId: number;
  ticketId: number;
  kind: 'escalation' | 'assignment' | 'mention';
  text: string;
  idempotencyKey: string;
}
