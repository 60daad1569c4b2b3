// The business-time deadlines of one ticket (patch `2026-12-business-time-sla`): which SLA due
// instants and warnings should be armed now, and every timer the ticket workflow must wait for
// next — warnings, breaches, escalation steps, a promise's reminder and lapse, the follow-up
// reminder and auto-close. Pure: the workflow re-reads them after every fact, which is how a
// reply, a pause or an edited calendar cancels and re-arms timers.
// Tests: tests/workflows/sla-deadlines.test.ts and tests/workflows/ticket-sla-workflow.test.ts.
import { stepInstant, stepsFor, type EscalationStep } from '../policies/escalation.ts';
import {
  slaTargets,
  targetDue,
  type CompleteSlaTerms,
  type SlaTarget,
  type TargetDue,
  type TargetFacts,
} from '../policies/sla.ts';
import { addBusinessTime, type BusinessCalendar } from '../shared/business-time.ts';
import type { SlaTrack, TicketState } from './ticket-state.ts';
import { TicketStatus } from './vocabulary.ts';

/** What the SLA of a ticket is measured with: its policy's terms and its team's calendar. */
export interface SlaSetting {
  terms: CompleteSlaTerms;
  calendar: BusinessCalendar;
}

/** One timer the workflow waits for; the earliest fires first, warnings before breaches. */
export type SlaDeadline =
  | { kind: 'warning'; at: number; target: SlaTarget; dueAt: number }
  | { kind: 'breach'; at: number; target: SlaTarget; dueAt: number }
  | {
      kind: 'step';
      at: number;
      target: SlaTarget;
      dueAt: number;
      step: EscalationStep;
      firedKey: string;
    }
  | { kind: 'promiseReminder'; at: number }
  | { kind: 'promiseLapse'; at: number }
  | { kind: 'followUp'; at: number }
  | { kind: 'autoClose'; at: number; reason: string };

const kindOrder: Record<SlaDeadline['kind'], number> = {
  warning: 0,
  breach: 1,
  step: 2,
  promiseReminder: 3,
  promiseLapse: 4,
  followUp: 5,
  autoClose: 6,
};

/** The facts one target's clock is read from, at `now`. */
export function targetFactsOf(options: {
  state: TicketState;
  sla: SlaTrack;
  setting: SlaSetting;
  target: SlaTarget;
  now: number;
}): TargetFacts {
  const { sla, setting } = options;
  return {
    target: options.target,
    terms: setting.terms,
    calendar: setting.calendar,
    priority: sla.priority,
    statusLog: sla.statusLog,
    nextResponseSince: sla.nextResponseSince,
    now: options.now,
  };
}

/** Targets whose armed instants differ from what the clock says now, with the new instants. */
export function targetsToRearm(options: {
  state: TicketState;
  sla: SlaTrack;
  setting: SlaSetting;
  now: number;
}): { target: SlaTarget; due: TargetDue }[] {
  return slaTargets.flatMap((target) => {
    const clock = options.sla.targets[target];
    if (clock.metAt !== null) return [];

    const due = targetDue(targetFactsOf({ ...options, target }));
    const unchanged = due.dueAt === clock.dueAt && due.warnAt === clock.warnAt;
    return unchanged ? [] : [{ target, due }];
  });
}

/** Every timer still to fire for the ticket, earliest first. */
export function pendingDeadlines(options: {
  state: TicketState;
  sla: SlaTrack;
  setting: SlaSetting;
  now: number;
}): SlaDeadline[] {
  const deadlines = [
    ...slaTargets.flatMap((target) => targetDeadlines({ ...options, target })),
    ...promiseDeadlines(options.state),
    ...lifecycleDeadlines(options.state, options.setting),
  ];
  return deadlines.sort((a, b) => a.at - b.at || kindOrder[a.kind] - kindOrder[b.kind]);
}

function targetDeadlines(options: {
  state: TicketState;
  sla: SlaTrack;
  setting: SlaSetting;
  target: SlaTarget;
  now: number;
}): SlaDeadline[] {
  const { sla, target } = options;
  const clock = sla.targets[target];
  if (clock.dueAt === null || clock.metAt !== null) return [];
  const dueAt = clock.dueAt;

  const deadlines: SlaDeadline[] = [];
  const isWarned = clock.warnedAt !== null || clock.breachedAt !== null;
  if (clock.warnAt !== null && !isWarned) {
    deadlines.push({ kind: 'warning', at: clock.warnAt, target, dueAt });
  }
  if (clock.breachedAt === null) deadlines.push({ kind: 'breach', at: dueAt, target, dueAt });

  const facts = targetFactsOf(options);
  const cycle = target === 'next_response' ? (sla.nextResponseSince ?? 0) : 0;
  for (const step of stepsFor(options.setting.terms.escalationLadder, target)) {
    const firedKey = `${target}:${step.level}:${cycle}`;
    if (sla.firedSteps.includes(firedKey)) continue;
    const at = stepInstant({ step, facts, dueAt });
    if (at !== null) deadlines.push({ kind: 'step', at, target, dueAt, step, firedKey });
  }
  return deadlines;
}

function promiseDeadlines(state: TicketState): SlaDeadline[] {
  const promise = state.promise;
  if (!promise) return [];

  const deadlines: SlaDeadline[] = [{ kind: 'promiseLapse', at: promise.dueAt }];
  if (promise.remindAt !== null && promise.remindedAt === null) {
    deadlines.push({ kind: 'promiseReminder', at: promise.remindAt });
  }
  return deadlines;
}

// Follow-up reminders and auto-close count business time, so a customer is never chased or
// closed on over a weekend or holiday the team does not work.
function lifecycleDeadlines(state: TicketState, setting: SlaSetting): SlaDeadline[] {
  const { terms, calendar } = setting;
  const after = (from: number, ms: number) => addBusinessTime({ calendar, from, ms });

  if (state.status === TicketStatus.Pending && state.pendingSince !== null) {
    if (state.followUpSentAt === null) {
      return [{ kind: 'followUp', at: after(state.pendingSince, terms.followUpAfterMs) }];
    }
    const at = after(state.followUpSentAt, terms.autoCloseAfterMs);
    return [{ kind: 'autoClose', at, reason: 'no reply after the follow-up reminder' }];
  }

  if (state.status === TicketStatus.Resolved && state.resolvedAt !== null) {
    const at = after(state.resolvedAt, terms.autoCloseAfterMs);
    return [{ kind: 'autoClose', at, reason: 'resolved with no further reply' }];
  }
  return [];
}
