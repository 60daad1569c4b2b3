// The ticket state machine: the lifecycle facts a ticket workflow records, and the pure
// function that folds each fact into the next state and one timeline entry. The workflow
// wires signals, updates and timers to it; unit tests drive it without Temporal.
import { TicketStatus, TimelineEntryKind, type Channel, type Priority } from './vocabulary.ts';

export interface QueueRef {
  id: number;
  key: string;
  name: string;
  teamId: number;
  leadAgentId: number | null;
  skill: string;
}

export interface TicketState {
  ticketId: number;
  subject: string;
  channel: Channel;
  requesterId: number;
  mailbox: string | null;
  status: TicketStatus;
  priority: Priority;
  queue: QueueRef | null;
  assigneeId: number | null;
  tags: string[];
  createdAt: number;
  updatedAt: number;
  lastActivityAt: number;
  firstResponseDueAt: number | null;
  firstRespondedAt: number | null;
  resolvedAt: number | null;
  breached: boolean;
  escalationLevel: number;
  reassignmentCount: number;
  pendingSince: number | null;
  followUpSentAt: number | null;
  /** Seq of the latest customer message or public reply: replies drafted before it are stale. */
  conversationSeq: number;
  /** Message ids already applied, so a redelivered signal changes nothing. */
  seenMessageIds: number[];
  seq: number;
}

export type TicketFact =
  | { type: 'created'; at: number; messageId: number }
  | {
      type: 'triaged';
      at: number;
      queue: QueueRef;
      priority: Priority;
      rules: string[];
      policyVersion: string;
    }
  | {
      type: 'assigned';
      at: number;
      agentId: number;
      byAgentId: number | null;
      reason: string;
      note: string | null;
      policyVersion: string | null;
    }
  | { type: 'unassigned'; at: number; reason: string }
  | { type: 'slaArmed'; at: number; target: 'first_response'; dueAt: number; policy: string }
  | { type: 'customerMessage'; at: number; messageId: number; automated: boolean }
  | { type: 'publicReply'; at: number; agentId: number; messageId: number }
  | { type: 'internalNote'; at: number; agentId: number; messageId: number }
  | {
      type: 'statusChanged';
      at: number;
      to: TicketStatus;
      byAgentId: number | null;
      reason: string;
    }
  | { type: 'slaBreached'; at: number; target: 'first_response'; dueAt: number }
  | {
      type: 'escalated';
      at: number;
      level: number;
      toPriority: Priority;
      notifiedAgentId: number | null;
      reason: string;
    }
  | { type: 'followUpSent'; at: number; messageId: number }
  | { type: 'autoClosed'; at: number; reason: string }
  | { type: 'reopened'; at: number; messageId: number };

export interface TimelineEntry {
  seq: number;
  kind: TimelineEntryKind;
  at: number;
  actor: string | null;
  detail: Record<string, unknown>;
}

const seenMessageWindow = 500;

/** The state of a ticket that has just arrived, before any fact is applied. */
export function newTicketState(options: {
  ticketId: number;
  subject: string;
  channel: Channel;
  requesterId: number;
  mailbox: string | null;
  priority: Priority;
  receivedAt: number;
}): TicketState {
  return {
    ticketId: options.ticketId,
    subject: options.subject,
    channel: options.channel,
    requesterId: options.requesterId,
    mailbox: options.mailbox,
    status: TicketStatus.New,
    priority: options.priority,
    queue: null,
    assigneeId: null,
    tags: [],
    createdAt: options.receivedAt,
    updatedAt: options.receivedAt,
    lastActivityAt: options.receivedAt,
    firstResponseDueAt: null,
    firstRespondedAt: null,
    resolvedAt: null,
    breached: false,
    escalationLevel: 0,
    reassignmentCount: 0,
    pendingSince: null,
    followUpSentAt: null,
    conversationSeq: 0,
    seenMessageIds: [],
    seq: 0,
  };
}

/** Folds one fact into the ticket: returns the next state and the timeline entry it adds. */
export function applyFact(
  state: TicketState,
  fact: TicketFact,
): { state: TicketState; entry: TimelineEntry } {
  const seq = state.seq + 1;
  const base: TicketState = { ...state, seq, updatedAt: fact.at };
  const { next, kind, actor, detail } = transition(base, fact);
  return { state: next, entry: { seq, kind, at: fact.at, actor, detail } };
}

interface Transition {
  next: TicketState;
  kind: TimelineEntryKind;
  actor: string | null;
  detail: Record<string, unknown>;
}

function transition(s: TicketState, fact: TicketFact): Transition {
  switch (fact.type) {
    case 'created':
      return {
        next: { ...s, seenMessageIds: remember(s, fact.messageId), conversationSeq: s.seq },
        kind: TimelineEntryKind.Created,
        actor: 'requester',
        detail: { messageId: fact.messageId, channel: s.channel },
      };

    case 'triaged':
      return {
        next: { ...s, queue: fact.queue, priority: fact.priority, status: TicketStatus.Open },
        kind: TimelineEntryKind.Triaged,
        actor: 'policy',
        detail: {
          queue: fact.queue.key,
          queueName: fact.queue.name,
          priority: fact.priority,
          rules: fact.rules,
          policyVersion: fact.policyVersion,
        },
      };

    case 'assigned':
      return {
        next: {
          ...s,
          assigneeId: fact.agentId,
          reassignmentCount: s.assigneeId === null ? s.reassignmentCount : s.reassignmentCount + 1,
        },
        kind: TimelineEntryKind.Assigned,
        actor: fact.byAgentId === null ? 'policy' : `agent:${fact.byAgentId}`,
        detail: {
          agentId: fact.agentId,
          previousAgentId: s.assigneeId,
          reason: fact.reason,
          note: fact.note,
          policyVersion: fact.policyVersion,
        },
      };

    case 'unassigned':
      return {
        next: s,
        kind: TimelineEntryKind.Unassigned,
        actor: 'policy',
        detail: { reason: fact.reason },
      };

    case 'slaArmed':
      return {
        next: { ...s, firstResponseDueAt: fact.dueAt },
        kind: TimelineEntryKind.SlaArmed,
        actor: 'policy',
        detail: { target: fact.target, dueAt: iso(fact.dueAt), policy: fact.policy },
      };

    case 'customerMessage':
      return customerMessage(s, fact);

    case 'publicReply':
      return {
        next: {
          ...s,
          firstRespondedAt: s.firstRespondedAt ?? fact.at,
          lastActivityAt: fact.at,
          conversationSeq: s.seq,
        },
        kind: TimelineEntryKind.PublicReply,
        actor: `agent:${fact.agentId}`,
        detail: { messageId: fact.messageId, firstResponse: s.firstRespondedAt === null },
      };

    case 'internalNote':
      return {
        next: { ...s, lastActivityAt: fact.at },
        kind: TimelineEntryKind.InternalNote,
        actor: `agent:${fact.agentId}`,
        detail: { messageId: fact.messageId },
      };

    case 'statusChanged':
      return {
        next: withStatus(s, fact.to, fact.at),
        kind: TimelineEntryKind.StatusChanged,
        actor: fact.byAgentId === null ? 'policy' : `agent:${fact.byAgentId}`,
        detail: { from: s.status, to: fact.to, reason: fact.reason },
      };

    case 'slaBreached':
      return {
        next: { ...s, breached: true },
        kind: TimelineEntryKind.SlaBreached,
        actor: 'timer',
        detail: { target: fact.target, dueAt: iso(fact.dueAt) },
      };

    case 'escalated':
      return {
        next: { ...s, escalationLevel: fact.level, priority: fact.toPriority },
        kind: TimelineEntryKind.Escalated,
        actor: 'policy',
        detail: {
          level: fact.level,
          fromPriority: s.priority,
          toPriority: fact.toPriority,
          notifiedAgentId: fact.notifiedAgentId,
          reason: fact.reason,
        },
      };

    case 'followUpSent':
      return {
        next: { ...s, followUpSentAt: fact.at },
        kind: TimelineEntryKind.FollowUpReminderSent,
        actor: 'timer',
        detail: { messageId: fact.messageId },
      };

    case 'autoClosed':
      return {
        next: withStatus(s, TicketStatus.Closed, fact.at),
        kind: TimelineEntryKind.AutoClosed,
        actor: 'timer',
        detail: { from: s.status, reason: fact.reason },
      };

    case 'reopened':
      return {
        next: { ...withStatus(s, TicketStatus.Open, fact.at), resolvedAt: null },
        kind: TimelineEntryKind.Reopened,
        actor: 'requester',
        detail: { messageId: fact.messageId },
      };
  }
}

function customerMessage(
  s: TicketState,
  fact: Extract<TicketFact, { type: 'customerMessage' }>,
): Transition {
  const seen = remember(s, fact.messageId);
  const detail = { messageId: fact.messageId, automated: fact.automated };

  // Automated mail (auto-replies, bounces) is kept on the ticket but is not the customer
  // answering: it must not reopen, resume or re-arm anything.
  if (fact.automated) {
    return {
      next: { ...s, seenMessageIds: seen },
      kind: TimelineEntryKind.CustomerMessage,
      actor: 'automated',
      detail,
    };
  }

  const resumed = s.status === TicketStatus.Pending ? withStatus(s, TicketStatus.Open, fact.at) : s;
  return {
    next: { ...resumed, seenMessageIds: seen, lastActivityAt: fact.at, conversationSeq: s.seq },
    kind: TimelineEntryKind.CustomerMessage,
    actor: 'requester',
    detail,
  };
}

function withStatus(s: TicketState, to: TicketStatus, at: number): TicketState {
  return {
    ...s,
    status: to,
    lastActivityAt: at,
    pendingSince: to === TicketStatus.Pending ? at : null,
    followUpSentAt:
      to === TicketStatus.Pending && s.status === TicketStatus.Pending ? s.followUpSentAt : null,
    resolvedAt: to === TicketStatus.Resolved ? at : s.resolvedAt,
  };
}

function remember(s: TicketState, messageId: number): number[] {
  return [...s.seenMessageIds, messageId].slice(-seenMessageWindow);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** True once a message id has been applied: redelivered signals are ignored. */
export function hasSeenMessage(state: TicketState, messageId: number): boolean {
  return state.seenMessageIds.includes(messageId);
}
