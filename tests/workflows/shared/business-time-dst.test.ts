import { afterEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { Settings } from 'luxon';
import {
  addBusinessTime,
  businessMsBetween,
  isOpen,
  nextOpening,
  type BusinessCalendar,
} from '../../../workflows/shared/business-time.ts';
import { at, hours, iso, officeCalendar } from './calendars.ts';

/** A calendar with one Sunday window, the day most zones change their clocks. */
function sundayWindow(timeZone: string, open: string, close: string): BusinessCalendar {
  return {
    id: `sunday-${timeZone}`,
    name: `Sunday ${open}-${close}`,
    timeZone,
    weekly: [{ day: 7, open, close }],
    holidays: [],
  };
}

/** Business time over the whole Sunday window of the weekend around `sunday`. */
function sundayLength(calendar: BusinessCalendar, sunday: string): number {
  const from = at(`${sunday}T00:00:00Z`) - hours(36);
  const to = at(`${sunday}T00:00:00Z`) + hours(36);
  return businessMsBetween({ calendar, from, to });
}

describe('night shift 00:00-04:00 on the DST nights', () => {
  const cases = [
    { zone: 'Europe/Berlin', springForward: '2025-03-30', fallBack: '2025-10-26' },
    { zone: 'America/New_York', springForward: '2025-03-09', fallBack: '2025-11-02' },
    { zone: 'Australia/Sydney', springForward: '2025-10-05', fallBack: '2025-04-06' },
    { zone: 'Pacific/Auckland', springForward: '2025-09-28', fallBack: '2025-04-06' },
  ];

  it.each(cases)('lasts 3 real hours when $zone springs forward', ({ zone, springForward }) => {
    const calendar = sundayWindow(zone, '00:00', '04:00');

    expect(sundayLength(calendar, springForward)).toBe(hours(3));
  });

  it.each(cases)('lasts 5 real hours when $zone falls back', ({ zone, fallBack }) => {
    const calendar = sundayWindow(zone, '00:00', '04:00');

    expect(sundayLength(calendar, fallBack)).toBe(hours(5));
  });
});

describe('windows that straddle a DST change', () => {
  it('opens Berlin at 00:00 CET and closes at 04:00 CEST on the spring-forward night', () => {
    const calendar = sundayWindow('Europe/Berlin', '00:00', '04:00');

    expect(iso(nextOpening({ calendar, at: '2025-03-29T12:00:00Z' }))).toBe(
      '2025-03-29T23:00:00.000Z',
    );
    expect(isOpen({ calendar, at: '2025-03-30T01:59:59Z' })).toBe(true);
    expect(isOpen({ calendar, at: '2025-03-30T02:00:00Z' })).toBe(false);
  });

  it('uses real elapsed time for a due inside the Berlin spring-forward night', () => {
    const calendar = sundayWindow('Europe/Berlin', '00:00', '04:00');

    const due = addBusinessTime({ calendar, from: '2025-03-30T00:00:00+01:00', ms: hours(2) });

    expect(iso(due)).toBe('2025-03-30T01:00:00.000Z');
  });

  it('counts the repeated hour twice in a New York fall-back night', () => {
    const calendar = sundayWindow('America/New_York', '00:00', '04:00');

    const due = addBusinessTime({ calendar, from: '2025-11-02T00:00:00-04:00', ms: hours(4) });

    expect(iso(due)).toBe('2025-11-02T08:00:00.000Z');
  });

  it('carries an office due over the weekend the offset changes (Berlin, New York, Sydney)', () => {
    const berlin = officeCalendar({ timeZone: 'Europe/Berlin' });
    const newYork = officeCalendar({ timeZone: 'America/New_York' });
    const sydney = officeCalendar({ timeZone: 'Australia/Sydney' });

    const dues = [
      addBusinessTime({ calendar: berlin, from: '2025-03-28T16:00:00+01:00', ms: hours(2) }),
      addBusinessTime({ calendar: newYork, from: '2025-10-31T16:00:00-04:00', ms: hours(2) }),
      addBusinessTime({ calendar: sydney, from: '2025-10-03T16:00:00+10:00', ms: hours(2) }),
    ];

    expect(dues.map(iso)).toEqual([
      '2025-03-31T08:00:00.000Z',
      '2025-11-03T15:00:00.000Z',
      '2025-10-05T23:00:00.000Z',
    ]);
  });

  it('keeps 8 business hours per office day on the Monday after each change', () => {
    const berlin = officeCalendar({ timeZone: 'Europe/Berlin' });

    const weekAfter = { from: '2025-03-29T00:00:00Z', to: '2025-04-05T00:00:00Z' };

    expect(businessMsBetween({ calendar: berlin, ...weekAfter })).toBe(hours(40));
  });
});

describe('window edges inside a skipped or repeated hour', () => {
  afterEach(() => {
    Settings.now = () => Date.now();
  });

  it('opens a window whose opening the clocks skip at the instant they jump', () => {
    const calendar = sundayWindow('Europe/Berlin', '02:30', '05:00');

    const opening = nextOpening({ calendar, at: '2025-03-29T12:00:00Z' });

    expect(iso(opening)).toBe('2025-03-30T01:00:00.000Z');
    expect(sundayLength(calendar, '2025-03-30')).toBe(hours(2));
  });

  it('closes a window whose close the clocks skip at the instant they jump', () => {
    const calendar = sundayWindow('America/New_York', '00:00', '02:30');

    expect(sundayLength(calendar, '2025-03-09')).toBe(hours(2));
  });

  it('leaves no business time in a window that lies wholly inside the skipped hour', () => {
    const calendar = sundayWindow('Europe/Berlin', '02:15', '02:45');

    expect(sundayLength(calendar, '2025-03-30')).toBe(0);
  });

  it('opens at the first occurrence of a repeated local time', () => {
    const calendar = sundayWindow('Europe/Berlin', '02:30', '04:00');

    const opening = nextOpening({ calendar, at: '2025-10-25T12:00:00Z' });

    expect(iso(opening)).toBe('2025-10-26T00:30:00.000Z');
    expect(sundayLength(calendar, '2025-10-26')).toBe(hours(2.5));
  });

  it('resolves a repeated local time the same in summer and in winter', () => {
    const calendar = sundayWindow('America/New_York', '01:30', '03:00');
    const readings: number[] = [];

    for (const today of ['2026-01-15T12:00:00Z', '2026-07-15T12:00:00Z']) {
      Settings.now = () => at(today);
      readings.push(nextOpening({ calendar, at: '2025-11-01T12:00:00Z' }));
    }

    expect(readings.map(iso)).toEqual(['2025-11-02T05:30:00.000Z', '2025-11-02T05:30:00.000Z']);
  });
});

describe('results and the process time zone', () => {
  // Jest gives each test file its own copy of process.env, so switching TZ needs a fresh Node.
  const moduleUrl = new URL('../../../workflows/shared/business-time.ts', import.meta.url).href;
  const probe = `
    const { addBusinessTime, businessMsBetween } = await import(${JSON.stringify(moduleUrl)});
    const calendar = {
      id: 'berlin', name: 'Berlin', timeZone: 'Europe/Berlin', holidays: ['2025-10-27'],
      weekly: [1, 2, 3, 4, 5].map((day) => ({ day, open: '09:00', close: '17:00' })),
    };
    const due = addBusinessTime({ calendar, from: '2025-10-24T15:00:00Z', ms: 6 * 3600000 });
    const used = businessMsBetween({ calendar, from: '2025-10-20T00:00:00Z', to: due });
    const machineHour = new Date('2025-10-24T15:00:00Z').getHours();
    console.log(JSON.stringify({ due: new Date(due).toISOString(), used, machineHour }));
  `;

  function runUnder(zone: string): { due: string; used: number; machineHour: number } {
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', probe], {
      env: { PATH: process.env.PATH, TZ: zone },
      encoding: 'utf8',
    });
    return JSON.parse(output);
  }

  it('are identical whatever TZ the process runs in', () => {
    const zones = ['UTC', 'Pacific/Auckland', 'America/Los_Angeles', 'Asia/Kolkata'];

    const runs = zones.map(runUnder);

    expect(new Set(runs.map((run) => run.machineHour)).size).toBe(zones.length);
    for (const run of runs) {
      expect(run).toMatchObject({ due: '2025-10-28T14:00:00.000Z', used: hours(46) });
    }
  });
});
