// Business-time arithmetic for SLA clocks: how much of a business calendar's open time lies
// between two instants, and when a given amount of it runs out. Ticket workflows arm their SLA
// timers with it inside Temporal's deterministic sandbox, and the UI draws countdowns with it,
// so it is pure: instants come in as arguments and zone rules come from Luxon (Intl/ICU data),
// always with the calendar's explicit zone, never the machine's.
// Tests: tests/workflows/shared/business-time*.test.ts.
//
// Rules (the product's SLA conventions):
// - a window is `[open, close)` read in the calendar's zone on each local date, so every date
//   uses its own UTC offset; a holiday is a whole local date with no window;
// - a local time the clocks skip (spring forward) means the instant they jump; a local time they
//   repeat (fall back) means its first occurrence;
// - the instant a duration runs out may be a window's close: it never moves to the next opening.
import { DateTime, FixedOffsetZone, IANAZone } from 'luxon';

export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** One weekly opening window, `[open, close)` as 'HH:mm' in the calendar's zone. */
export interface WeeklyWindow {
  day: IsoWeekday;
  open: string;
  /** 'HH:mm' after `open`; '24:00' closes at the next local midnight. */
  close: string;
}

export interface BusinessCalendar {
  id: string;
  name: string;
  /** IANA zone, e.g. 'Europe/Berlin'; windows and holidays are read in it. */
  timeZone: string;
  /** Several windows per day are allowed (split shifts, lunch breaks); none may overlap. */
  weekly: WeeklyWindow[];
  /** Local dates 'YYYY-MM-DD' that have no window at all. */
  holidays: string[];
}

/** An absolute instant: epoch milliseconds, or an ISO-8601 string carrying 'Z' or an offset. */
export type Instant = number | string;

const weekdays: readonly IsoWeekday[] = [1, 2, 3, 4, 5, 6, 7];

/** The 24x7 calendar in UTC, for SLA policies that count every minute. */
export const alwaysOpen: BusinessCalendar = Object.freeze({
  id: 'always-open',
  name: '24x7 (UTC)',
  timeZone: 'UTC',
  weekly: Object.freeze(
    weekdays.map((day) => Object.freeze({ day, open: '00:00', close: '24:00' })),
  ) as WeeklyWindow[],
  holidays: Object.freeze([]) as unknown as string[],
});

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const DAY_MINUTES = 1_440;

// A calendar whose holidays leave no window for ten years cannot ever reach a target; searching
// further would only hang the workflow task.
const MAX_DAYS_WITHOUT_WINDOW = 3_660;

const clockTimePattern = /^(\d{2}):(\d{2})$/;
const isoDatePattern = /^\d{4}-\d{2}-\d{2}$/;
const explicitOffsetPattern = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

interface Interval {
  start: number;
  end: number;
}

interface MinuteWindow {
  open: number;
  close: number;
}

interface CompiledCalendar {
  zone: string;
  windowsByDay: Map<number, MinuteWindow[]>;
  holidays: Set<string>;
}

/** Lists what is wrong with a business calendar (empty when it is usable); it never throws. */
export function validateCalendar(calendar: BusinessCalendar): string[] {
  if (calendar === null || typeof calendar !== 'object') {
    return ['the calendar must be an object with id, name, timeZone, weekly and holidays'];
  }

  return [
    ...identityProblems(calendar),
    ...zoneProblems(calendar.timeZone),
    ...weeklyProblems(calendar.weekly),
    ...holidayProblems(calendar.holidays),
  ];
}

function identityProblems(calendar: BusinessCalendar): string[] {
  const problems: string[] = [];
  if (typeof calendar.id !== 'string' || calendar.id === '') {
    problems.push('id must be a non-empty string');
  }
  if (typeof calendar.name !== 'string' || calendar.name === '') {
    problems.push('name must be a non-empty string');
  }
  return problems;
}

function zoneProblems(timeZone: unknown): string[] {
  if (typeof timeZone === 'string' && IANAZone.isValidZone(timeZone)) {
    return [];
  }
  return [`timeZone ${JSON.stringify(timeZone)} is not an IANA zone such as 'Europe/Berlin'`];
}

function weeklyProblems(weekly: unknown): string[] {
  if (!Array.isArray(weekly)) {
    return ['weekly must be a list of { day, open, close } windows'];
  }

  const problems = weekly.flatMap((window: WeeklyWindow, index) => windowProblems(window, index));
  if (problems.length > 0) {
    return problems;
  }

  const overlaps = weekdays.flatMap((day) => overlapProblems(weekly, day));
  if (overlaps.length > 0) {
    return overlaps;
  }

  const hasOpenTime = weekly.some(
    (window) => clockMinutes(window.close)! > clockMinutes(window.open)!,
  );
  return hasOpenTime ? [] : ['weekly has no window, so no SLA target could ever be reached'];
}

function windowProblems(window: WeeklyWindow, index: number): string[] {
  const where = `weekly[${index}]`;
  if (window === null || typeof window !== 'object') {
    return [`${where} must be an object { day, open, close }`];
  }

  const problems: string[] = [];
  if (!weekdays.includes(window.day)) {
    problems.push(`${where}.day ${JSON.stringify(window.day)} must be an ISO weekday 1 (Mon) to 7`);
  }

  const open = clockMinutes(window.open);
  const close = clockMinutes(window.close);
  if (open === null || open >= DAY_MINUTES) {
    problems.push(
      `${where}.open ${JSON.stringify(window.open)} must be 'HH:mm' from 00:00 to 23:59`,
    );
  }
  if (close === null) {
    problems.push(`${where}.close ${JSON.stringify(window.close)} must be 'HH:mm' up to 24:00`);
  }
  if (open !== null && close !== null && close <= open) {
    problems.push(
      `${where} closes at ${window.close}, not after it opens at ${window.open}; ` +
        `split a window that crosses midnight into one ending 24:00 and one starting 00:00`,
    );
  }
  return problems;
}

function overlapProblems(weekly: WeeklyWindow[], day: IsoWeekday): string[] {
  const windows = weekly
    .filter((window) => window.day === day)
    .sort((a, b) => clockMinutes(a.open)! - clockMinutes(b.open)!);

  return windows.flatMap((window, index) => {
    const previous = windows[index - 1];
    if (previous === undefined || clockMinutes(window.open)! >= clockMinutes(previous.close)!) {
      return [];
    }
    return [
      `day ${day}: window ${previous.open}-${previous.close} overlaps ${window.open}-${window.close}`,
    ];
  });
}

function holidayProblems(holidays: unknown): string[] {
  if (!Array.isArray(holidays)) {
    return ['holidays must be a list of local dates YYYY-MM-DD'];
  }

  return holidays.flatMap((holiday: unknown, index) => {
    const isDate =
      typeof holiday === 'string' &&
      isoDatePattern.test(holiday) &&
      DateTime.fromISO(holiday, { zone: 'utc' }).isValid;
    return isDate ? [] : [`holidays[${index}] ${JSON.stringify(holiday)} is not a date YYYY-MM-DD`];
  });
}

/** Minutes since local midnight for 'HH:mm' (24:00 allowed), or null when malformed. */
function clockMinutes(value: unknown): number | null {
  const match = typeof value === 'string' ? clockTimePattern.exec(value) : null;
  if (match === null) {
    return null;
  }

  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (minutes > 59 || hours > 24 || (hours === 24 && minutes > 0)) {
    return null;
  }
  return hours * 60 + minutes;
}

function compileCalendar(calendar: BusinessCalendar): CompiledCalendar {
  const problems = validateCalendar(calendar);
  if (problems.length > 0) {
    throw new RangeError(
      `Business calendar ${JSON.stringify(calendar?.id)} cannot be used: ${problems.join('; ')}. ` +
        'Fix the calendar, then recompute the SLA clocks that use it.',
    );
  }

  const windowsByDay = new Map<number, MinuteWindow[]>();
  for (const window of calendar.weekly) {
    const windows = windowsByDay.get(window.day) ?? [];
    windows.push({ open: clockMinutes(window.open)!, close: clockMinutes(window.close)! });
    windowsByDay.set(
      window.day,
      windows.sort((a, b) => a.open - b.open),
    );
  }

  return { zone: calendar.timeZone, windowsByDay, holidays: new Set(calendar.holidays) };
}

/** Reads an instant as epoch milliseconds; a string without an offset is refused, never guessed. */
export function toEpochMs({
  instant,
  field = 'instant',
}: {
  instant: Instant;
  field?: string;
}): number {
  if (typeof instant === 'number' && Number.isFinite(instant)) {
    return instant;
  }

  // Luxon reads an ISO string without an offset in the machine's zone: refuse it, so the
  // result can never depend on where the code runs.
  if (typeof instant === 'string' && explicitOffsetPattern.test(instant)) {
    const parsed = DateTime.fromISO(instant, { zone: 'utc' });
    if (parsed.isValid) {
      return parsed.toMillis();
    }
  }

  throw new RangeError(
    `${field} ${JSON.stringify(instant)} is not an instant: pass epoch milliseconds or an ` +
      "ISO-8601 string ending in 'Z' or an offset such as '+02:00'",
  );
}

function assertDuration(ms: number, field: string): void {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new RangeError(`${field} ${ms} must be a finite, non-negative number of milliseconds`);
  }
}

/** The calendar date (as a UTC-zoned DateTime at midnight) that `instant` falls on in `zone`. */
function localDate(zone: string, instant: number): DateTime {
  const local = DateTime.fromMillis(instant, { zone });
  return DateTime.fromObject(
    { year: local.year, month: local.month, day: local.day },
    { zone: 'utc' },
  );
}

/** What a wall clock in `zone` shows at `instant`, as a UTC-zoned reading that sorts. */
function wallReading(zone: string, instant: number): number {
  return DateTime.fromMillis(instant, { zone }).setZone('utc', { keepLocalTime: true }).toMillis();
}

/**
 * The zone as a fixed offset when its offset stays the same from the day before `date` to the
 * day after, which holds for almost every date; null near a change. Reading a fixed offset
 * skips Luxon's Intl look-ups, which are nearly all the cost of a long span.
 */
function steadyZoneOn(zone: string, date: DateTime): FixedOffsetZone | null {
  const rules = IANAZone.create(zone);
  const [before, middle, after] = [-1, 0.5, 2].map((days) =>
    rules.offset(date.toMillis() + days * DAY_MS),
  );
  return before === middle && middle === after ? FixedOffsetZone.instance(before!) : null;
}

/**
 * The instant a wall clock in `zone` first shows `minuteOfDay` on `date`.
 * Which occurrence of a repeated local time Luxon returns depends on its first guess of the
 * offset (`fromObject` even guesses from Settings.now(), i.e. today's date), so both
 * occurrences are listed and the earliest is taken.
 */
function localInstant(
  zone: string,
  steady: FixedOffsetZone | null,
  date: DateTime,
  minuteOfDay: number,
): number {
  const wall = date.plus({ minutes: minuteOfDay });
  if (steady !== null) {
    return wall.setZone(steady, { keepLocalTime: true }).toMillis();
  }

  const guess = wall.setZone(zone, { keepLocalTime: true });
  const occurrences = guess
    .getPossibleOffsets()
    .filter((candidate) => showsSameWallClock(candidate, wall))
    .map((candidate) => candidate.toMillis());
  if (occurrences.length > 0) {
    return Math.min(...occurrences);
  }

  return instantOfJump(zone, wall.toMillis(), guess.toMillis());
}

function showsSameWallClock(candidate: DateTime, wall: DateTime): boolean {
  return (
    candidate.day === wall.day &&
    candidate.hour === wall.hour &&
    candidate.minute === wall.minute &&
    candidate.month === wall.month &&
    candidate.year === wall.year
  );
}

/**
 * For a wall reading the clocks skip: the first instant whose reading is at or after it, i.e.
 * the instant of the jump. `after` is an instant already past it (Luxon's shifted guess).
 */
function instantOfJump(zone: string, wall: number, after: number): number {
  let low = after - DAY_MS;
  let high = after;

  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (wallReading(zone, middle) >= wall) {
      high = middle;
    } else {
      low = middle;
    }
  }
  return high;
}

/** The windows of one local date as absolute intervals, in order; none on a holiday. */
function windowsOnDate(calendar: CompiledCalendar, date: DateTime): Interval[] {
  if (calendar.holidays.has(date.toISODate()!)) {
    return [];
  }

  const windows = calendar.windowsByDay.get(date.weekday) ?? [];
  if (windows.length === 0) {
    return [];
  }

  const steady = steadyZoneOn(calendar.zone, date);
  return windows
    .map((window) => ({
      start: localInstant(calendar.zone, steady, date, window.open),
      end: localInstant(calendar.zone, steady, date, window.close),
    }))
    .filter((interval) => interval.end > interval.start);
}

/** Every window that ends after `from`, in order, for as long as the caller reads. */
function* windowsFrom(calendar: CompiledCalendar, from: number): Generator<Interval, never> {
  // Start a day early: a window of the previous local date may still be open at `from`.
  let date = localDate(calendar.zone, from).minus({ days: 1 });
  let daysWithoutWindow = 0;

  while (daysWithoutWindow < MAX_DAYS_WITHOUT_WINDOW) {
    const windows = windowsOnDate(calendar, date).filter((window) => window.end > from);
    daysWithoutWindow = windows.length > 0 ? 0 : daysWithoutWindow + 1;
    yield* windows;
    date = date.plus({ days: 1 });
  }

  throw new RangeError(
    `The business calendar has no window in the ${MAX_DAYS_WITHOUT_WINDOW} days after ` +
      `${new Date(from).toISOString()}; check its holidays and weekly hours.`,
  );
}

/** The windows that overlap `[from, to]`, in order. */
function windowsBetween(calendar: CompiledCalendar, from: number, to: number): Interval[] {
  const last = localDate(calendar.zone, to);
  const windows: Interval[] = [];

  for (let date = localDate(calendar.zone, from).minus({ days: 1 }); date <= last;) {
    windows.push(...windowsOnDate(calendar, date).filter((w) => w.end > from && w.start <= to));
    date = date.plus({ days: 1 });
  }
  return windows;
}

/** Business milliseconds between two instants; negative when `to` is before `from`. */
export function businessMsBetween({
  calendar,
  from,
  to,
}: {
  calendar: BusinessCalendar;
  from: Instant;
  to: Instant;
}): number {
  const start = toEpochMs({ instant: from, field: 'from' });
  const end = toEpochMs({ instant: to, field: 'to' });
  if (end < start) {
    return -businessMsBetween({ calendar, from: end, to: start });
  }

  const windows = windowsBetween(compileCalendar(calendar), start, end);
  return windows.reduce(
    (total, window) =>
      total + Math.max(0, Math.min(window.end, end) - Math.max(window.start, start)),
    0,
  );
}

/**
 * The calendar's opening windows that overlap `[from, to]`, as absolute intervals in order. The
 * reports lay them out as a table so SQL counts business time by the same rules as SLA timers.
 */
export function openingWindowsBetween({
  calendar,
  from,
  to,
}: {
  calendar: BusinessCalendar;
  from: Instant;
  to: Instant;
}): { start: number; end: number }[] {
  const start = toEpochMs({ instant: from, field: 'from' });
  const end = toEpochMs({ instant: to, field: 'to' });
  return windowsBetween(compileCalendar(calendar), start, end);
}

/** The first instant at which `ms` of business time after `from` is used up (the due instant). */
export function addBusinessTime({
  calendar,
  from,
  ms,
}: {
  calendar: BusinessCalendar;
  from: Instant;
  ms: number;
}): number {
  const start = toEpochMs({ instant: from, field: 'from' });
  assertDuration(ms, 'ms');
  const windows = windowsFrom(compileCalendar(calendar), start);
  let remaining = ms;

  // A clock started outside hours begins at the next opening, because each window counts from
  // max(its start, from). Landing exactly on a close returns that close (`<=`), never the next
  // opening. windowsFrom throws rather than end, so the loop always returns.
  for (;;) {
    const window = windows.next().value;
    const counted = Math.max(window.start, start);
    const available = window.end - counted;
    if (remaining <= available) {
      return counted + remaining;
    }
    remaining -= available;
  }
}

/** The first instant at or after `at` that lies inside a window (`at` itself when open). */
export function nextOpening({ calendar, at }: { calendar: BusinessCalendar; at: Instant }): number {
  const instant = toEpochMs({ instant: at, field: 'at' });

  const window = windowsFrom(compileCalendar(calendar), instant).next().value;
  return Math.max(window.start, instant);
}

/** Whether `at` lies inside one of the calendar's windows (a close itself is outside). */
export function isOpen({ calendar, at }: { calendar: BusinessCalendar; at: Instant }): boolean {
  const instant = toEpochMs({ instant: at, field: 'at' });

  const windows = windowsBetween(compileCalendar(calendar), instant, instant);
  return windows.some((window) => window.start <= instant && instant < window.end);
}

/**
 * A business duration for people, in hours and minutes only ("1 h 30 min"): business days have
 * no fixed length, so the result never counts days. Seconds are dropped.
 */
export function formatBusinessDuration(ms: number): string {
  const minutes = Math.floor(Math.abs(ms) / MINUTE_MS);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;

  const parts = [hours > 0 ? `${hours} h` : '', rest > 0 || hours === 0 ? `${rest} min` : ''];
  const sign = ms < 0 && minutes > 0 ? '-' : '';
  return sign + parts.filter((part) => part !== '').join(' ');
}
