// The SLA clock of one ticket, read from its status history: how much business time a target
// has used, how long it sat paused, and the instant it runs out. Pure, so the ticket workflow
// can recompute the due instant after any status change or calendar edit and re-arm its
// timers, and the UI can draw the same countdown. Tests: tests/workflows/shared/sla-clock.test.ts.
//
// A status in `pauseStatuses` stops the clock from the instant the ticket enters it until it
// leaves. A status in `stopStatuses` (resolved and closed unless told otherwise) ends the clock
// altogether, also ending any pause; a reopen starts it again. Time in a stop status counts as
// neither used nor paused.
import { TicketStatus } from '../ticket/vocabulary.ts';
import {
  addBusinessTime,
  businessMsBetween,
  nextOpening,
  toEpochMs,
  type BusinessCalendar,
  type Instant,
} from './business-time.ts';

/** A status change of the ticket: from `at` on, the ticket has `status`. */
export interface StatusTransition {
  at: Instant;
  status: string;
}

/** A stretch of clock time, running or paused; `to` is null while it is still going at `now`. */
export interface ClockSegment {
  from: number;
  to: number | null;
  paused: boolean;
}

export interface ClockHistory {
  /** The ticket's status changes in time order; the first one is its creation. */
  transitions: readonly StatusTransition[];
  pauseStatuses: readonly string[];
  /** Statuses that end the clock; resolved and closed when omitted. */
  stopStatuses?: readonly string[];
  /** The instant the clock is read at; later transitions are ignored. */
  now: Instant;
}

export interface SlaClockOptions extends ClockHistory {
  calendar: BusinessCalendar;
}

export interface SlaTargetOptions extends SlaClockOptions {
  /** The target in business milliseconds, e.g. 4 business hours. */
  targetMs: number;
}

export interface SlaWarningOptions extends SlaTargetOptions {
  /** How much business time before the due instant to warn, e.g. 1 business hour. */
  warnBeforeMs: number;
}

export interface SlaClockReading {
  /** Business time counted against the target. */
  usedMs: number;
  /** Business time that passed while paused, not counted. */
  pausedMs: number;
  paused: boolean;
  /** Whether the ticket is in a stop status (resolved, closed) at `now`. */
  stopped: boolean;
  /** Wall time the clock existed: running plus paused, not stopped. */
  calendarMs: number;
  activeCalendarMs: number;
  pausedCalendarMs: number;
}

const defaultStopStatuses: readonly string[] = [TicketStatus.Resolved, TicketStatus.Closed];

interface ReadTransition {
  at: number;
  status: string;
}

/** Splits a ticket's status history into running and paused segments, leaving out stopped time. */
export function clockSegments({
  transitions,
  pauseStatuses,
  stopStatuses = defaultStopStatuses,
  now,
}: ClockHistory): ClockSegment[] {
  const seen = transitionsUntil(transitions, toEpochMs({ instant: now, field: 'now' }));
  const segments: ClockSegment[] = [];

  seen.forEach((transition, index) => {
    const to = seen[index + 1]?.at ?? null;
    if (stopStatuses.includes(transition.status) || to === transition.at) {
      return;
    }

    const paused = pauseStatuses.includes(transition.status);
    const previous = segments.at(-1);
    if (previous !== undefined && previous.to === transition.at && previous.paused === paused) {
      previous.to = to;
    } else {
      segments.push({ from: transition.at, to, paused });
    }
  });
  return segments;
}

function transitionsUntil(transitions: readonly StatusTransition[], now: number): ReadTransition[] {
  const read = transitions.map((transition, index) => ({
    at: toEpochMs({ instant: transition.at, field: `transitions[${index}].at` }),
    status: transition.status,
  }));

  read.forEach((transition, index) => {
    const previous = read[index - 1];
    if (previous !== undefined && transition.at < previous.at) {
      throw new RangeError(
        `transitions[${index}] is earlier than transitions[${index - 1}]; ` +
          'pass the status history in time order',
      );
    }
  });
  return read.filter((transition) => transition.at <= now);
}

function statusAt(transitions: readonly StatusTransition[], now: number): string | null {
  return transitionsUntil(transitions, now).at(-1)?.status ?? null;
}

/** Reads the ticket's SLA clock at `now`: business time used and paused, and wall-time totals. */
export function slaClock(options: SlaClockOptions): SlaClockReading {
  const now = toEpochMs({ instant: options.now, field: 'now' });
  const status = statusAt(options.transitions, now);
  const reading: SlaClockReading = {
    usedMs: 0,
    pausedMs: 0,
    paused: status !== null && options.pauseStatuses.includes(status),
    stopped: status !== null && (options.stopStatuses ?? defaultStopStatuses).includes(status),
    calendarMs: 0,
    activeCalendarMs: 0,
    pausedCalendarMs: 0,
  };

  for (const segment of clockSegments(options)) {
    const to = segment.to ?? now;
    const business = businessMsBetween({ calendar: options.calendar, from: segment.from, to });
    const wall = to - segment.from;
    if (segment.paused) {
      reading.pausedMs += business;
      reading.pausedCalendarMs += wall;
    } else {
      reading.usedMs += business;
      reading.activeCalendarMs += wall;
    }
  }

  reading.calendarMs = reading.activeCalendarMs + reading.pausedCalendarMs;
  return reading;
}

/**
 * The instant the target is used up: a past instant once breached, a future one while the clock
 * runs, null while it is paused or stopped short of the target (no timer may be armed then).
 */
export function dueInstant(options: SlaTargetOptions): number | null {
  assertPositive(options.targetMs, 'targetMs');

  return instantWhenUsed({ ...options, usedMs: options.targetMs, landing: 'close-counts' });
}

/**
 * The instant `warnBeforeMs` of business time is left before the target, moved to the next
 * opening when it would land on a window's close, so the warning reaches agents at work; null
 * while paused or stopped before it.
 */
export function warningInstant(options: SlaWarningOptions): number | null {
  assertPositive(options.targetMs, 'targetMs');
  if (!Number.isFinite(options.warnBeforeMs) || options.warnBeforeMs < 0) {
    throw new RangeError(`warnBeforeMs ${options.warnBeforeMs} must be a non-negative number`);
  }

  const usedMs = Math.max(0, options.targetMs - options.warnBeforeMs);
  return instantWhenUsed({ ...options, usedMs, landing: 'while-ticking' });
}

function assertPositive(ms: number, field: string): void {
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new RangeError(`${field} ${ms} must be a positive number of business milliseconds`);
  }
}

/**
 * Walks the running segments until `usedMs` of business time is reached. 'close-counts' answers
 * the first instant it is reached (possibly a close); 'while-ticking' the instant the clock
 * ticks on from there, which is always inside a window.
 */
function instantWhenUsed({
  calendar,
  usedMs,
  landing,
  ...history
}: SlaClockOptions & { usedMs: number; landing: 'close-counts' | 'while-ticking' }): number | null {
  let remaining = usedMs;

  for (const segment of clockSegments(history).filter((candidate) => !candidate.paused)) {
    const available =
      segment.to === null
        ? Number.POSITIVE_INFINITY
        : businessMsBetween({ calendar, from: segment.from, to: segment.to });

    if (landing === 'close-counts' && remaining <= available) {
      return addBusinessTime({ calendar, from: segment.from, ms: remaining });
    }
    if (landing === 'while-ticking' && remaining < available) {
      const reached = addBusinessTime({ calendar, from: segment.from, ms: remaining });
      return nextOpening({ calendar, at: reached });
    }
    remaining -= available;
  }
  return null;
}
