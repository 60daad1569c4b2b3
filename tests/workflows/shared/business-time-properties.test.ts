// Property tests over random calendars, instants and histories. A small seeded generator keeps
// every run identical, so a failure names its seed and case and can be replayed.
import { describe, expect, it } from '@jest/globals';
import {
  addBusinessTime,
  businessMsBetween,
  isOpen,
  nextOpening,
  type BusinessCalendar,
  type IsoWeekday,
  type WeeklyWindow,
} from '../../../workflows/shared/business-time.ts';
import {
  dueInstant,
  slaClock,
  type StatusTransition,
} from '../../../workflows/shared/sla-clock.ts';
import { at, hours } from './calendars.ts';

const CASES = 150;

const zones = [
  'UTC',
  'Europe/Berlin',
  'Europe/London',
  'America/New_York',
  'America/Sao_Paulo',
  'Australia/Sydney',
  'Australia/Lord_Howe',
  'Pacific/Auckland',
  'Asia/Kolkata',
];

// Instants near these (UTC) dates land on or around a DST change in one of the zones above.
const dstChanges = [
  '2025-03-09',
  '2025-03-30',
  '2025-04-06',
  '2025-09-28',
  '2025-10-05',
  '2025-10-26',
  '2025-11-02',
  '2026-03-29',
];

/** mulberry32: a tiny seeded generator, good enough to spread test inputs. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = Math.imul(state ^ (state >>> 15), state | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function integer(random: () => number, below: number): number {
  return Math.floor(random() * below);
}

function clockTime(minutes: number): string {
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  return `${hh}:${mm}`;
}

/** Up to three non-overlapping windows for one day, on a 15-minute grid, some ending 24:00. */
function dayWindows(random: () => number, day: IsoWeekday): WeeklyWindow[] {
  const edges = Array.from({ length: integer(random, 4) * 2 }, () => integer(random, 97) * 15);
  const sorted = [...new Set(edges)].sort((a, b) => a - b);
  const windows: WeeklyWindow[] = [];

  for (let index = 0; index + 1 < sorted.length; index += 2) {
    windows.push({ day, open: clockTime(sorted[index]!), close: clockTime(sorted[index + 1]!) });
  }
  return windows.filter((window) => window.open !== '24:00');
}

function randomCalendar(random: () => number): BusinessCalendar {
  const days: IsoWeekday[] = [1, 2, 3, 4, 5, 6, 7];
  const weekly = days.flatMap((day) => dayWindows(random, day));
  const holidays = Array.from({ length: integer(random, 4) }, () =>
    new Date(randomInstant(random)).toISOString().slice(0, 10),
  );

  return {
    id: 'random',
    name: 'Random',
    timeZone: pick(random, zones),
    weekly: weekly.length > 0 ? weekly : [{ day: 3, open: '01:30', close: '02:30' }],
    holidays,
  };
}

function randomInstant(random: () => number): number {
  const center = at(`${pick(random, dstChanges)}T00:00:00Z`);
  return center + Math.floor((random() - 0.5) * hours(24 * 6));
}

function randomDuration(random: () => number): number {
  return random() < 0.1 ? integer(random, 3) * 900_000 : integer(random, hours(60));
}

function ascending(first: number, second: number): [number, number] {
  return first <= second ? [first, second] : [second, first];
}

/** Runs `check` on CASES random inputs from one seed, naming the case that fails. */
function forEachCase(seed: number, check: (random: () => number, label: string) => void): void {
  const random = seededRandom(seed);
  for (let index = 0; index < CASES; index += 1) {
    check(random, `seed ${seed} case ${index}`);
  }
}

describe('addBusinessTime and businessMsBetween (properties)', () => {
  it('are inverse: the business time up to the due is exactly the duration added', () => {
    forEachCase(101, (random, label) => {
      const calendar = randomCalendar(random);
      const from = randomInstant(random);
      const ms = randomDuration(random);

      const due = addBusinessTime({ calendar, from, ms });

      expect([label, businessMsBetween({ calendar, from, to: due })]).toEqual([label, ms]);
    });
  });

  it('are monotonic in the duration and in the start', () => {
    forEachCase(202, (random, label) => {
      const calendar = randomCalendar(random);
      const [early, late] = ascending(randomInstant(random), randomInstant(random));
      const [short, long] = ascending(randomDuration(random), randomDuration(random));

      const byDuration = [short, long].map((ms) => addBusinessTime({ calendar, from: early, ms }));
      const byStart = [early, late].map((from) => addBusinessTime({ calendar, from, ms: long }));
      const byEnd = [early, late].map((to) => businessMsBetween({ calendar, from: early - 1, to }));

      expect([label, byDuration[0]! <= byDuration[1]!]).toEqual([label, true]);
      expect([label, byStart[0]! <= byStart[1]!]).toEqual([label, true]);
      expect([label, byEnd[0]! <= byEnd[1]!]).toEqual([label, true]);
    });
  });

  it('add up over consecutive spans and never exceed the wall time', () => {
    forEachCase(303, (random, label) => {
      const calendar = randomCalendar(random);
      const [a, b, c] = [0, 1, 2].map(() => randomInstant(random)).sort((x, y) => x - y);

      const whole = businessMsBetween({ calendar, from: a!, to: c! });
      const parts =
        businessMsBetween({ calendar, from: a!, to: b! }) +
        businessMsBetween({ calendar, from: b!, to: c! });

      expect([label, whole]).toEqual([label, parts]);
      expect([label, whole >= 0 && whole <= c! - a!]).toEqual([label, true]);
    });
  });

  it('chain: adding a then b equals adding a + b when b is positive', () => {
    forEachCase(404, (random, label) => {
      const calendar = randomCalendar(random);
      const from = randomInstant(random);
      const [first, second] = [randomDuration(random), 1 + randomDuration(random)];

      const chained = addBusinessTime({
        calendar,
        from: addBusinessTime({ calendar, from, ms: first }),
        ms: second,
      });

      expect([label, chained]).toEqual([
        label,
        addBusinessTime({ calendar, from, ms: first + second }),
      ]);
    });
  });

  it('land a positive duration in a window or on its close, and openings inside a window', () => {
    forEachCase(505, (random, label) => {
      const calendar = randomCalendar(random);
      const from = randomInstant(random);
      const ms = 1 + randomDuration(random);

      const due = addBusinessTime({ calendar, from, ms });
      const opening = nextOpening({ calendar, at: from });

      expect([label, isOpen({ calendar, at: due - 1 })]).toEqual([label, true]);
      expect([label, isOpen({ calendar, at: opening })]).toEqual([label, true]);
      expect([label, businessMsBetween({ calendar, from, to: opening })]).toEqual([label, 0]);
    });
  });
});

describe('slaClock and dueInstant (properties)', () => {
  const statuses = ['open', 'open', 'pending-customer', 'resolved'];

  function randomHistory(random: () => number): StatusTransition[] {
    let instant = randomInstant(random);
    return Array.from({ length: 1 + integer(random, 6) }, (_, index) => {
      instant += integer(random, hours(40));
      return { at: instant, status: index === 0 ? 'open' : pick(random, statuses) };
    });
  }

  it('use up exactly the target at the due, which never lies in a pause', () => {
    forEachCase(606, (random, label) => {
      const calendar = randomCalendar(random);
      const transitions = randomHistory(random);
      const now = transitions.at(-1)!.at as number;
      const targetMs = 1 + randomDuration(random);
      const options = { calendar, transitions, pauseStatuses: ['pending-customer'], now };

      const due = dueInstant({ ...options, targetMs });

      const runningBefore = (instant: number) => {
        const clock = slaClock({ ...options, now: instant });
        return !clock.paused && !clock.stopped;
      };

      if (due !== null) {
        const running = due <= now ? runningBefore(due - 1) : runningBefore(now);
        expect([label, slaClock({ ...options, now: due }).usedMs]).toEqual([label, targetMs]);
        expect([label, running]).toEqual([label, true]);
      }
    });
  });

  it('split the business time since creation into used and paused, minus stopped time', () => {
    forEachCase(707, (random, label) => {
      const calendar = randomCalendar(random);
      const transitions = randomHistory(random).map((transition) => ({
        ...transition,
        status: transition.status === 'resolved' ? 'open' : transition.status,
      }));
      const now = (transitions.at(-1)!.at as number) + integer(random, hours(30));

      const clock = slaClock({ calendar, transitions, pauseStatuses: ['pending-customer'], now });
      const total = businessMsBetween({ calendar, from: transitions[0]!.at, to: now });

      expect([label, clock.usedMs + clock.pausedMs]).toEqual([label, total]);
      expect([label, clock.calendarMs]).toEqual([label, now - (transitions[0]!.at as number)]);
    });
  });
});
