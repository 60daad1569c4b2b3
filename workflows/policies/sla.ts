// SLA policy: the targets a ticket must meet — first response, next response and resolution —
// and the instants they fall due, read from the ticket's status history in its team's business
// calendar. Pure, so the ticket workflow re-arms its timers from it after every status change,
// message or edited calendar, and auditors can recompute any due instant.
// Version 1 (`firstResponseDue`, `escalationOnBreach`) counts wall-clock time and is kept for
// tickets opened before the patch `2026-12-business-time-sla`; version 2 counts business time.
// Tests: tests/workflows/sla-policy.test.ts and tests/workflows/policies.test.ts.
import { alwaysOpen, type BusinessCalendar } from '../shared/business-time.ts';
import {
  dueInstant,
  slaClock,
  warningInstant,
  type StatusTransition,
} from '../shared/sla-clock.ts';
import { raisedPriority, TicketStatus, type Priority } from '../ticket/vocabulary.ts';
import type { EscalationStep } from './escalation.ts';

export const slaPolicyVersion = 'sla-2026-12-v1';

/** The business-time policy version (patch `2026-12-business-time-sla`). */
export const businessSlaPolicyVersion = 'sla-2026-12-v2';

/** The three targets a ticket's SLA measures. */
export const SlaTarget = {
  FirstResponse: 'first_response',
  NextResponse: 'next_response',
  Resolution: 'resolution',
} as const;
export type SlaTarget = (typeof SlaTarget)[keyof typeof SlaTarget];
export const slaTargets = Object.values(SlaTarget);

/**
 * What the workflow needs of a queue's SLA policy, in milliseconds. The fields after
 * `autoCloseAfterMs` came with business time: they are absent from terms recorded by version 1
 * tickets, and `completeTerms` fills them in.
 */
export interface SlaTerms {
  policyName: string;
  firstResponseMs: Record<Priority, number>;
  resolutionMs: Record<Priority, number>;
  /** Wall-clock in version 1, business time in version 2. */
  followUpAfterMs: number;
  autoCloseAfterMs: number;
  policyId?: number;
  /** Raised each time a lead edits the policy, so timeline entries name what was applied. */
  policyRevision?: number;
  /** Null when the policy measures no next response. */
  nextResponseMs?: Record<Priority, number> | null;
  /** Business time before a due instant at which the owner is warned; 0 for no warning. */
  warnBeforeMs?: number;
  /** Statuses that stop the next-response and resolution clocks. */
  pauseStatuses?: string[];
  escalationLadder?: EscalationStep[];
}

/** Terms with every business-time field present. */
export type CompleteSlaTerms = Required<SlaTerms>;

/** The escalation taken when a policy names no ladder: v1's single first-response step. */
export const defaultEscalationLadder: EscalationStep[] = [
  {
    level: 1,
    target: SlaTarget.FirstResponse,
    offsetMs: 0,
    actions: [{ kind: 'notify_lead' }, { kind: 'raise_priority' }],
  },
];

/** Fills in the business-time fields a policy left out, with the product's defaults. */
export function completeTerms(terms: SlaTerms): CompleteSlaTerms {
  return {
    policyId: 0,
    policyRevision: 1,
    nextResponseMs: null,
    warnBeforeMs: 0,
    pauseStatuses: [TicketStatus.Pending, TicketStatus.OnHold],
    escalationLadder: defaultEscalationLadder,
    ...terms,
  };
}

/** How the timeline names the policy a due instant was computed with. */
export function describePolicy(terms: SlaTerms): string {
  const revision = terms.policyRevision ?? 1;
  return `${terms.policyName} r${revision} (${businessSlaPolicyVersion})`;
}

/** The calendar a ticket counts in: its team's, or 24x7 UTC when the team has none. */
export function calendarOrAlwaysOpen(calendar: BusinessCalendar | null): BusinessCalendar {
  return calendar ?? alwaysOpen;
}

/** The facts of one ticket a target's clock is read from. */
export interface TargetFacts {
  target: SlaTarget;
  terms: CompleteSlaTerms;
  calendar: BusinessCalendar;
  /** The priority the targets were fixed at when the ticket was triaged. */
  priority: Priority;
  /** The ticket's status history; the first transition is its creation. */
  statusLog: readonly StatusTransition[];
  /** Start of the running next-response cycle: the oldest unanswered customer message. */
  nextResponseSince: number | null;
  now: number;
}

/** A target's armed instants; `dueAt` null means no timer (paused, stopped or not running). */
export interface TargetDue {
  dueAt: number | null;
  warnAt: number | null;
}

const noDue: TargetDue = { dueAt: null, warnAt: null };

/** The instant a running target falls due and when to warn, or nulls when nothing may be armed. */
export function targetDue(facts: TargetFacts): TargetDue {
  const targetMs = targetMsOf(facts);
  const history = clockHistoryOf(facts);
  if (targetMs === null || history === null) return noDue;

  const options = { calendar: facts.calendar, now: facts.now, targetMs, ...history };
  const dueAt = dueInstant(options);
  const warnBeforeMs = facts.terms.warnBeforeMs;
  const warns = dueAt !== null && warnBeforeMs > 0 && warnBeforeMs < targetMs;
  return { dueAt, warnAt: warns ? warningInstant({ ...options, warnBeforeMs }) : null };
}

/** Business time a target has used up to `now`, e.g. a first response time of 90 minutes. */
export function businessTimeUsed(facts: TargetFacts): number {
  const history = clockHistoryOf(facts);
  if (history === null) return 0;
  return slaClock({ calendar: facts.calendar, now: facts.now, ...history }).usedMs;
}

function targetMsOf(facts: TargetFacts): number | null {
  const { terms, priority } = facts;
  if (facts.target === SlaTarget.FirstResponse) return terms.firstResponseMs[priority];
  if (facts.target === SlaTarget.Resolution) return terms.resolutionMs[priority];
  return terms.nextResponseMs?.[priority] ?? null;
}

// First response ignores pauses: a ticket waits on an agent's first word whatever its status.
// Next response runs from the oldest unanswered customer message; resolution from creation.
function clockHistoryOf(
  facts: TargetFacts,
): { transitions: StatusTransition[]; pauseStatuses: string[] } | null {
  const { target, statusLog, terms } = facts;
  if (target === SlaTarget.FirstResponse) {
    return { transitions: [...statusLog], pauseStatuses: [] };
  }
  if (target === SlaTarget.Resolution) {
    return { transitions: [...statusLog], pauseStatuses: terms.pauseStatuses };
  }
  if (facts.nextResponseSince === null) return null;
  return {
    transitions: transitionsSince(statusLog, facts.nextResponseSince),
    pauseStatuses: terms.pauseStatuses,
  };
}

function transitionsSince(log: readonly StatusTransition[], since: number): StatusTransition[] {
  const before = log.filter((t) => Number(t.at) <= since).at(-1);
  const after = log.filter((t) => Number(t.at) > since);
  const status = before?.status ?? TicketStatus.Open;
  return [{ at: since, status }, ...after];
}

/** The instant the first public reply is due, counted in wall-clock time (version 1). */
export function firstResponseDue(options: {
  terms: SlaTerms;
  priority: Priority;
  receivedAt: number;
}): number {
  return options.receivedAt + options.terms.firstResponseMs[options.priority];
}

/** Version 1's single escalation step on a first-response breach. */
export interface WallClockEscalationStep {
  level: number;
  toPriority: Priority;
  notify: 'queue-lead';
}

/** The step version 1 takes on a first-response breach: raise the priority and tell the lead. */
export function escalationOnBreach(options: {
  priority: Priority;
  escalationLevel: number;
}): WallClockEscalationStep {
  return {
    level: options.escalationLevel + 1,
    toPriority: raisedPriority(options.priority),
    notify: 'queue-lead',
  };
}
