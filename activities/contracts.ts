// The shapes that cross between the ticket workflow and its activities. Kept apart from
// the activity implementations so the workflow bundle imports types only.
import type {
  AssignmentCandidate,
  QueueRoutingSettings,
} from '../workflows/policies/assignment.ts';
import type { SlaTerms } from '../workflows/policies/sla.ts';
import type { BusinessCalendar } from '../workflows/shared/business-time.ts';
import type { QueueRef, TicketState, TimelineEntry } from '../workflows/ticket/ticket-state.ts';
import type { Channel } from '../workflows/ticket/vocabulary.ts';

export interface RoutingContext {
  queue: QueueRef;
  terms: SlaTerms;
  candidates: AssignmentCandidate[];
  /** The team's business calendar; absent from contexts recorded before business-time SLAs. */
  calendar?: BusinessCalendar | null;
  /** The queue's routing settings; absent from contexts recorded before per-queue strategies. */
  routing?: QueueRoutingSettings;
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
  kind: 'escalation' | 'assignment' | 'mention' | 'sla_warning' | 'promise' | 'handoff';
  text: string;
  idempotencyKey: string;
}

/** One notification to each of several agents, about one thing an agent did on a ticket. */
export interface NotifyAgentsInput {
  agentIds: number[];
  ticketId: number;
  kind: 'mention' | 'handoff' | 'assignment';
  /** The agent who mentioned, handed off or assigned. */
  byAgentId: number;
  /** The start of the note or handoff note; shown in the notification list. */
  excerpt: string;
  text: string;
  /** Per update; each agent's row is keyed by it and the agent id, so a retry adds nothing. */
  idempotencyKey: string;
}

export interface PageOnCallInput {
  ticketId: number;
  /** The escalation step's key, sent as the Idempotency-Key header so on-call is paged once. */
  idempotencyKey: string;
  webhookUrl: string;
  /** What the page says; no message bodies or email addresses. */
  payload: {
    ticketId: number;
    subject: string;
    priority: string;
    queue: string | null;
    target: string;
    level: number;
    dueAt: string;
    reason: string;
  };
}
