// The ticket state machine: the lifecycle facts a ticket workflow records, and the pure
// function that folds each fact into the next state and one timeline entry. The workflow
// wires signals, updates and timers to it; unit tests drive it without Temporal.
import type { SlaTarget } from '../policies/sla.ts';
import type { FieldChange, FieldValue } from './collab-actions.ts';
import { TicketStatus, TimelineEntryKind, type Channel, type Priority } from './vocabulary.ts';

export interface QueueRef {
  id: number;
  key: string;
  name: string;
  teamId: number;
  leadAgentId: number | null;
  skill: string;
}

/** One SLA target's clock as last armed; instants are epoch ms. */
export interface TargetClock {
  dueAt: number | null;
  warnAt: number | null;
  warnedAt: number | null;
  breachedAt: number | null;
  metAt: number | null;
}

/** The business-time SLA of a ticket opened under patch `2026-12-business-time-sla`. */
export interface SlaTrack {
  /** The policy and revision the due instants were computed with, for the timeline. */
  policy: string;
  calendarId: string;
  /** The priority the targets were fixed at; escalation raising the priority does not move them. */
  priority: Priority;
  /** Every status the ticket entered, in order; the first is its creation. */
  statusLog: { at: number; status: TicketStatus }[];
  /** The oldest customer message no public reply has answered yet, while one is waiting. */
  nextResponseSince: number | null;
  targets: Record<SlaTarget, TargetClock>;
  /** Ladder steps already taken, as `target:level:cycle start`, so each is taken once. */
  firedSteps: string[];
}

/** An agent's promise to update the customer by `dueAt`. */
export interface TrackedPromise {
  agentId: number;
  dueAt: number;
  note: string;
  madeAt: number;
  /** When to remind the agent, inside business hours; null when the promise is too close. */
  remindAt: number | null;
  remindedAt: number | null;
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
  /** Null on tickets opened before business-time SLAs (and absent from their recorded state). */
  sla?: SlaTrack | null;
  promise?: TrackedPromise | null;
  /** Custom field values by key; absent from tickets opened before custom fields. */
  fields?: Record<string, FieldValue>;
  /** Set when the ticket was merged into another; absent before merging existed. */
  mergedIntoTicketId?: number | null;
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
  | {
      type: 'slaArmed';
      at: number;
      target: SlaTarget;
      /** Null when the clock stopped or paused: no timer is armed for the target. */
      dueAt: number | null;
      policy: string;
      warnAt?: number | null;
      calendarId?: string;
      reason?: string;
    }
  | {
      type: 'slaTermsApplied';
      at: number;
      policy: string;
      calendarId: string;
      priority: Priority;
      reason: string;
    }
  | { type: 'slaWarned'; at: number; target: SlaTarget; dueAt: number }
  | { type: 'slaMet'; at: number; target: SlaTarget; dueAt: number | null; businessMs: number }
  | { type: 'requeued'; at: number; queue: QueueRef; reason: string }
  | {
      type: 'promiseMade';
      at: number;
      agentId: number;
      dueAt: number;
      note: string;
      remindAt: number | null;
    }
  | { type: 'promiseReminded'; at: number }
  | { type: 'promiseKept'; at: number; messageId: number }
  | { type: 'promiseLapsed'; at: number; notifiedAgentId: number | null }
  | { type: 'customerMessage'; at: number; messageId: number; automated: boolean }
  | { type: 'publicReply'; at: number; agentId: number; messageId: number }
  | { type: 'internalNote'; at: number; agentId: number; messageId: number; mentions?: string[] }
  | {
      type: 'statusChanged';
      at: number;
      to: TicketStatus;
      byAgentId: number | null;
      reason: string;
    }
  | { type: 'slaBreached'; at: number; target: SlaTarget; dueAt: number }
  | {
      type: 'escalated';
      at: number;
      level: number;
      toPriority: Priority;
      notifiedAgentId: number | null;
      reason: string;
      /** Ladder steps only: which step, its idempotency key and who else was told. */
      step?: { target: SlaTarget; firedKey: string; key: string; notifiedAgentIds: number[] };
    }
  | { type: 'followUpSent'; at: number; messageId: number }
  | { type: 'autoClosed'; at: number; reason: string }
  | { type: 'reopened'; at: number; messageId: number }
  | CollabFact;

/** Facts of agents working together: handoff, tags, priority, fields, macros, merge and split. */
export type CollabFact =
  | {
      type: 'handedOff';
      at: number;
      byAgentId: number;
      toAgentId: number | null;
      toTeam: { id: number; name: string } | null;
      note: string;
    }
  | { type: 'tagsChanged'; at: number; byAgentId: number; tags: string[]; macroId?: number }
  | { type: 'priorityChanged'; at: number; byAgentId: number; to: Priority; macroId?: number }
  | { type: 'fieldsChanged'; at: number; byAgentId: number; changes: FieldChange[] }
  | {
      type: 'macroApplied';
      at: number;
      byAgentId: number;
      macroId: number;
      title: string;
      changes: Record<string, unknown>;
    }
  | { type: 'mergedInto'; at: number; byAgentId: number; intoTicketId: number }
  | { type: 'mergedFrom'; at: number; byAgentId: number; fromTicketId: number }
  | { type: 'splitTo'; at: number; byAgentId: number; toTicketId: number; messageId: number }
  | { type: 'splitFrom'; at: number; byAgentId: number; fromTicketId: number; messageId: number };

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
    sla: null,
    promise: null,
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
        next: { ...s, assigneeId: null },
        kind: TimelineEntryKind.Unassigned,
        actor: 'policy',
        detail: { reason: fact.reason },
      };

    case 'slaArmed':
      return slaArmed(s, fact);

    case 'slaTermsApplied':
      return {
        next: { ...s, sla: withTerms(s, fact) },
        kind: TimelineEntryKind.SlaTermsApplied,
        actor: 'policy',
        detail: {
          policy: fact.policy,
          calendar: fact.calendarId,
          priority: fact.priority,
          reason: fact.reason,
        },
      };

    case 'slaWarned':
      return {
        next: withTarget(s, fact.target, { warnedAt: fact.at }),
        kind: TimelineEntryKind.SlaWarning,
        actor: 'timer',
        detail: { target: fact.target, dueAt: iso(fact.dueAt) },
      };

    case 'slaMet':
      return slaMet(s, fact);

    case 'requeued':
      return {
        next: { ...s, queue: fact.queue },
        kind: TimelineEntryKind.Requeued,
        actor: 'policy',
        detail: { from: s.queue?.key ?? null, to: fact.queue.key, reason: fact.reason },
      };

    case 'promiseMade':
      return {
        next: {
          ...s,
          promise: {
            agentId: fact.agentId,
            dueAt: fact.dueAt,
            note: fact.note,
            madeAt: fact.at,
            remindAt: fact.remindAt,
            remindedAt: null,
          },
        },
        kind: TimelineEntryKind.PromiseMade,
        actor: `agent:${fact.agentId}`,
        detail: { dueAt: iso(fact.dueAt), note: fact.note, remindAt: isoOrNull(fact.remindAt) },
      };

    case 'promiseReminded':
      return {
        next: { ...s, promise: s.promise ? { ...s.promise, remindedAt: fact.at } : null },
        kind: TimelineEntryKind.PromiseReminder,
        actor: 'timer',
        detail: promiseDetail(s),
      };

    case 'promiseKept':
      return {
        next: { ...s, promise: null },
        kind: TimelineEntryKind.PromiseKept,
        actor: s.promise ? `agent:${s.promise.agentId}` : null,
        detail: { ...promiseDetail(s), messageId: fact.messageId },
      };

    case 'promiseLapsed':
      return {
        next: { ...s, promise: null },
        kind: TimelineEntryKind.PromiseLapsed,
        actor: 'timer',
        detail: { ...promiseDetail(s), notifiedAgentId: fact.notifiedAgentId },
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
        detail:
          fact.mentions === undefined || fact.mentions.length === 0
            ? { messageId: fact.messageId }
            : { messageId: fact.messageId, mentions: fact.mentions },
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
        next: { ...withTarget(s, fact.target, { breachedAt: fact.at }), breached: true },
        kind: TimelineEntryKind.SlaBreached,
        actor: 'timer',
        detail: { target: fact.target, dueAt: iso(fact.dueAt) },
      };

    case 'escalated':
      return {
        next: {
          ...withFiredStep(s, fact.step?.firedKey),
          escalationLevel: Math.max(s.escalationLevel, fact.level),
          priority: fact.toPriority,
        },
        kind: TimelineEntryKind.Escalated,
        actor: 'policy',
        detail: {
          level: fact.level,
          fromPriority: s.priority,
          toPriority: fact.toPriority,
          notifiedAgentId: fact.notifiedAgentId,
          reason: fact.reason,
          ...(fact.step === undefined
            ? {}
            : {
                target: fact.step.target,
                idempotencyKey: fact.step.key,
                notifiedAgentIds: fact.step.notifiedAgentIds,
              }),
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
        next: {
          ...withTarget(withStatus(s, TicketStatus.Open, fact.at), 'resolution', { metAt: null }),
          resolvedAt: null,
        },
        kind: TimelineEntryKind.Reopened,
        actor: 'requester',
        detail: { messageId: fact.messageId },
      };

    default:
      return collabTransition(s, fact);
  }
}

function collabTransition(s: TicketState, fact: CollabFact): Transition {
  const actor = `agent:${fact.byAgentId}`;
  switch (fact.type) {
    case 'handedOff':
      return {
        next: { ...s, lastActivityAt: fact.at },
        kind: TimelineEntryKind.HandedOff,
        actor,
        detail: {
          fromAgentId: s.assigneeId,
          toAgentId: fact.toAgentId,
          toTeamId: fact.toTeam?.id ?? null,
          toTeamName: fact.toTeam?.name ?? null,
          note: fact.note,
        },
      };

    case 'tagsChanged':
      return {
        next: { ...s, tags: fact.tags },
        kind: TimelineEntryKind.TagsChanged,
        actor,
        detail: {
          added: fact.tags.filter((tag) => !s.tags.includes(tag)),
          removed: s.tags.filter((tag) => !fact.tags.includes(tag)),
          tags: fact.tags,
          ...macroOf(fact.macroId),
        },
      };

    case 'priorityChanged':
      return {
        next: { ...s, priority: fact.to },
        kind: TimelineEntryKind.PriorityChanged,
        actor,
        detail: { from: s.priority, to: fact.to, ...macroOf(fact.macroId) },
      };

    case 'fieldsChanged':
      return fieldsChanged(s, fact);

    case 'macroApplied':
      return {
        next: s,
        kind: TimelineEntryKind.MacroApplied,
        actor,
        detail: { macroId: fact.macroId, title: fact.title, changes: fact.changes },
      };

    case 'mergedInto':
      return {
        next: { ...s, mergedIntoTicketId: fact.intoTicketId },
        kind: TimelineEntryKind.MergedInto,
        actor,
        detail: { intoTicketId: fact.intoTicketId, from: s.status },
      };

    case 'mergedFrom':
      // The source's messages now show in this conversation: a reply drafted before is stale.
      return {
        next: { ...s, lastActivityAt: fact.at, conversationSeq: s.seq },
        kind: TimelineEntryKind.MergedFrom,
        actor,
        detail: { fromTicketId: fact.fromTicketId },
      };

    case 'splitTo':
      return {
        next: s,
        kind: TimelineEntryKind.SplitTo,
        actor,
        detail: { toTicketId: fact.toTicketId, messageId: fact.messageId },
      };

    case 'splitFrom':
      return {
        next: s,
        kind: TimelineEntryKind.SplitFrom,
        actor,
        detail: { fromTicketId: fact.fromTicketId, messageId: fact.messageId },
      };
  }
}

function fieldsChanged(
  s: TicketState,
  fact: Extract<CollabFact, { type: 'fieldsChanged' }>,
): Transition {
  const before = s.fields ?? {};
  const fields = { ...before };
  for (const change of fact.changes) {
    if (change.value === null) delete fields[change.key];
    else fields[change.key] = change.value;
  }
  const changes = fact.changes.map((change) => ({
    key: change.key,
    label: change.label,
    from: before[change.key] ?? null,
    to: change.value,
  }));
  return {
    next: { ...s, fields },
    kind: TimelineEntryKind.FieldsChanged,
    actor: `agent:${fact.byAgentId}`,
    detail: { changes },
  };
}

function macroOf(macroId: number | undefined): Record<string, number> {
  return macroId === undefined ? {} : { macroId };
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
    next: {
      ...withNextResponseStarted(resumed, fact.at),
      seenMessageIds: seen,
      lastActivityAt: fact.at,
      conversationSeq: s.seq,
    },
    kind: TimelineEntryKind.CustomerMessage,
    actor: 'requester',
    detail,
  };
}

function withStatus(s: TicketState, to: TicketStatus, at: number): TicketState {
  return {
    ...s,
    sla: s.sla ? { ...s.sla, statusLog: [...s.sla.statusLog, { at, status: to }] } : s.sla,
    status: to,
    lastActivityAt: at,
    pendingSince: to === TicketStatus.Pending ? at : null,
    followUpSentAt:
      to === TicketStatus.Pending && s.status === TicketStatus.Pending ? s.followUpSentAt : null,
    resolvedAt: to === TicketStatus.Resolved ? at : s.resolvedAt,
  };
}

function slaArmed(s: TicketState, fact: Extract<TicketFact, { type: 'slaArmed' }>): Transition {
  const detail: Record<string, unknown> = {
    target: fact.target,
    dueAt: isoOrNull(fact.dueAt),
    policy: fact.policy,
  };
  if (fact.warnAt !== undefined) detail.warnAt = isoOrNull(fact.warnAt);
  if (fact.calendarId !== undefined) detail.calendar = fact.calendarId;
  if (fact.reason !== undefined) detail.reason = fact.reason;

  const isFirstResponse = fact.target === 'first_response';
  const firstResponseDueAt = isFirstResponse
    ? (fact.dueAt ?? s.firstResponseDueAt)
    : s.firstResponseDueAt;
  const armed = withTarget(s, fact.target, { dueAt: fact.dueAt, warnAt: fact.warnAt ?? null });
  return {
    next: { ...armed, firstResponseDueAt },
    kind: TimelineEntryKind.SlaArmed,
    actor: 'policy',
    detail,
  };
}

function slaMet(s: TicketState, fact: Extract<TicketFact, { type: 'slaMet' }>): Transition {
  const met = withTarget(s, fact.target, { metAt: fact.at, dueAt: null, warnAt: null });
  const isNextResponse = fact.target === 'next_response';
  return {
    next:
      isNextResponse && met.sla ? { ...met, sla: { ...met.sla, nextResponseSince: null } } : met,
    kind: TimelineEntryKind.SlaMet,
    actor: 'policy',
    detail: {
      target: fact.target,
      dueAt: isoOrNull(fact.dueAt),
      businessMinutes: Math.round(fact.businessMs / 60_000),
      met: fact.dueAt === null || fact.at <= fact.dueAt,
    },
  };
}

const idleClock: TargetClock = {
  dueAt: null,
  warnAt: null,
  warnedAt: null,
  breachedAt: null,
  metAt: null,
};

function withTerms(
  s: TicketState,
  fact: Extract<TicketFact, { type: 'slaTermsApplied' }>,
): SlaTrack {
  const terms = { policy: fact.policy, calendarId: fact.calendarId, priority: fact.priority };
  if (s.sla) return { ...s.sla, ...terms };
  return {
    ...terms,
    statusLog: [{ at: s.createdAt, status: TicketStatus.Open }],
    nextResponseSince: null,
    targets: { first_response: idleClock, next_response: idleClock, resolution: idleClock },
    firedSteps: [],
  };
}

function withTarget(s: TicketState, target: SlaTarget, change: Partial<TargetClock>): TicketState {
  if (!s.sla) return s;
  const targets = { ...s.sla.targets, [target]: { ...s.sla.targets[target], ...change } };
  return { ...s, sla: { ...s.sla, targets } };
}

function withFiredStep(s: TicketState, firedKey: string | undefined): TicketState {
  if (!s.sla || firedKey === undefined) return s;
  return { ...s, sla: { ...s.sla, firedSteps: [...s.sla.firedSteps, firedKey] } };
}

// A customer message starts the next-response clock only once the first response is given
// (until then the first-response target covers it) and only when no earlier message is waiting.
function withNextResponseStarted(s: TicketState, at: number): TicketState {
  if (!s.sla || s.firstRespondedAt === null || s.sla.nextResponseSince !== null) return s;
  const restarted = withTarget(s, 'next_response', idleClock);
  return { ...restarted, sla: { ...restarted.sla!, nextResponseSince: at } };
}

function promiseDetail(s: TicketState): Record<string, unknown> {
  if (!s.promise) return {};
  return { agentId: s.promise.agentId, dueAt: iso(s.promise.dueAt), note: s.promise.note };
}

function isoOrNull(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : iso(ms);
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
