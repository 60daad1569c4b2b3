import { describe, expect, it } from '@jest/globals';
import {
  addBusinessTime,
  alwaysOpen,
  businessMsBetween,
  formatBusinessDuration,
  isOpen,
  nextOpening,
  toEpochMs,
  validateCalendar,
  type BusinessCalendar,
} from '../../../workflows/shared/business-time.ts';
import { at, dailyCalendar, deOffice, hours, iso, minutes, officeCalendar } from './calendars.ts';

describe('validateCalendar', () => {
  it('accepts a well-formed office calendar and the 24x7 calendar', () => {
    expect(validateCalendar(deOffice)).toEqual([]);
    expect(validateCalendar(alwaysOpen)).toEqual([]);
  });

  it('names a zone that is not an IANA zone', () => {
    const calendar = { ...deOffice, timeZone: 'Europe/Atlantis' };

    expect(validateCalendar(calendar)).toEqual([expect.stringContaining('Europe/Atlantis')]);
  });

  it('refuses a window that closes before or when it opens, and says how to cross midnight', () => {
    const calendar: BusinessCalendar = {
      ...deOffice,
      weekly: [
        { day: 5, open: '22:00', close: '06:00' },
        { day: 6, open: '09:00', close: '09:00' },
      ],
    };

    const problems = validateCalendar(calendar);

    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('24:00');
  });

  it('refuses overlapping windows on the same day', () => {
    const calendar: BusinessCalendar = {
      ...deOffice,
      weekly: [
        { day: 1, open: '09:00', close: '13:00' },
        { day: 1, open: '12:00', close: '17:00' },
        { day: 2, open: '09:00', close: '13:00' },
        { day: 2, open: '13:00', close: '17:00' },
      ],
    };

    expect(validateCalendar(calendar)).toEqual([expect.stringContaining('day 1')]);
  });

  it('refuses malformed times, weekdays and holidays', () => {
    const calendar = {
      ...deOffice,
      weekly: [
        { day: 8, open: '09:00', close: '17:00' },
        { day: 1, open: '9:00', close: '24:30' },
      ],
      holidays: ['2025-02-30', '25-12-24'],
    } as unknown as BusinessCalendar;

    expect(validateCalendar(calendar)).toHaveLength(5);
  });

  it('refuses a calendar without any window, since no target could ever be reached', () => {
    const calendar = { ...deOffice, weekly: [] };

    expect(validateCalendar(calendar)).toEqual([expect.stringContaining('no window')]);
  });
});

describe('business-time functions', () => {
  it('throw a message naming the calendar when it is invalid', () => {
    const calendar = { ...deOffice, timeZone: 'Mars/Olympus' };

    expect(() => isOpen({ calendar, at: 0 })).toThrow(/de-office.*Mars\/Olympus/);
  });

  it('refuse an ISO instant without an offset instead of reading it in the machine zone', () => {
    expect(() => isOpen({ calendar: deOffice, at: '2025-04-22T10:00:00' })).toThrow(/offset/);
    expect(toEpochMs({ instant: '2025-04-22T10:00:00+02:00' })).toBe(at('2025-04-22T08:00:00Z'));
  });

  it('refuse a negative duration', () => {
    expect(() => addBusinessTime({ calendar: deOffice, from: 0, ms: -1 })).toThrow(/non-negative/);
  });
});

describe('isOpen and nextOpening', () => {
  it('treat a window as open at its opening and closed at its close', () => {
    expect(isOpen({ calendar: deOffice, at: '2025-04-22T07:00:00Z' })).toBe(true);
    expect(isOpen({ calendar: deOffice, at: '2025-04-22T14:59:59.999Z' })).toBe(true);
    expect(isOpen({ calendar: deOffice, at: '2025-04-22T15:00:00Z' })).toBe(false);
  });

  it('keep an instant that is already inside a window', () => {
    const instant = at('2025-04-22T09:17:00Z');

    expect(nextOpening({ calendar: deOffice, at: instant })).toBe(instant);
  });

  it('skip a weekend and a holiday to the next opening', () => {
    const saturday = '2025-04-19T12:20:00Z';

    expect(iso(nextOpening({ calendar: deOffice, at: saturday }))).toBe('2025-04-22T07:00:00.000Z');
  });

  it('move from a close to the next opening', () => {
    const close = '2025-04-22T15:00:00Z';

    expect(iso(nextOpening({ calendar: deOffice, at: close }))).toBe('2025-04-23T07:00:00.000Z');
  });
});

describe('holidays', () => {
  it('take a whole local date out, inside normal hours too', () => {
    const easterMonday = { from: '2025-04-21T00:00:00+02:00', to: '2025-04-22T00:00:00+02:00' };

    expect(businessMsBetween({ calendar: deOffice, ...easterMonday })).toBe(0);
    expect(isOpen({ calendar: deOffice, at: '2025-04-21T10:00:00+02:00' })).toBe(false);
  });

  it('are read as local dates, not UTC dates', () => {
    const calendar = officeCalendar({
      timeZone: 'Pacific/Auckland',
      open: '00:00',
      close: '24:00',
      holidays: ['2025-06-10'],
    });

    const holiday = { from: '2025-06-09T12:00:00Z', to: '2025-06-10T12:00:00Z' };

    expect(businessMsBetween({ calendar, ...holiday })).toBe(0);
  });
});

describe('split shifts and lunch breaks', () => {
  const calendar = officeCalendar({ timeZone: 'Europe/Berlin' });
  const withLunch: BusinessCalendar = {
    ...calendar,
    weekly: calendar.weekly.flatMap((window) => [
      { day: window.day, open: '09:00', close: '12:00' },
      { day: window.day, open: '13:00', close: '17:00' },
    ]),
  };

  it('does not count the lunch break', () => {
    const monday = { from: '2025-01-13T09:00:00+01:00', to: '2025-01-13T17:00:00+01:00' };

    expect(businessMsBetween({ calendar: withLunch, ...monday })).toBe(hours(7));
  });

  it('carries a due over lunch', () => {
    const due = addBusinessTime({
      calendar: withLunch,
      from: '2025-01-13T11:00:00+01:00',
      ms: hours(2),
    });

    expect(iso(due)).toBe('2025-01-13T13:00:00.000Z');
  });

  it('keeps a due that lands exactly on the lunch close at 12:00, not 13:00', () => {
    const due = addBusinessTime({
      calendar: withLunch,
      from: '2025-01-13T09:00:00+01:00',
      ms: hours(3),
    });

    expect(iso(due)).toBe('2025-01-13T11:00:00.000Z');
  });

  it('starts a clock created during lunch at 13:00', () => {
    const due = addBusinessTime({
      calendar: withLunch,
      from: '2025-01-13T12:30:00+01:00',
      ms: minutes(30),
    });

    expect(iso(due)).toBe('2025-01-13T12:30:00.000Z');
  });

  it('supports a split shift of a morning and an evening window', () => {
    const split = dailyCalendar({
      timeZone: 'America/New_York',
      windows: [
        ['06:00', '10:00'],
        ['18:00', '22:00'],
      ],
    });

    const due = addBusinessTime({
      calendar: split,
      from: '2025-01-15T09:00:00-05:00',
      ms: hours(3),
    });

    expect(iso(due)).toBe('2025-01-16T01:00:00.000Z');
  });
});

describe("'24:00' closes and midnight-crossing shifts", () => {
  const nightShift: BusinessCalendar = {
    id: 'night',
    name: 'Night shift',
    timeZone: 'Europe/Berlin',
    weekly: [
      { day: 5, open: '22:00', close: '24:00' },
      { day: 6, open: '00:00', close: '06:00' },
    ],
    holidays: [],
  };

  it('counts a Friday 22:00 to Saturday 06:00 shift as one stretch of 8 hours', () => {
    const shift = { from: '2025-01-17T12:00:00+01:00', to: '2025-01-18T12:00:00+01:00' };

    expect(businessMsBetween({ calendar: nightShift, ...shift })).toBe(hours(8));
  });

  it('carries a due across midnight without a pause', () => {
    const due = addBusinessTime({
      calendar: nightShift,
      from: '2025-01-17T23:00:00+01:00',
      ms: hours(3),
    });

    expect(iso(due)).toBe('2025-01-18T01:00:00.000Z');
  });

  it('is open at the midnight where one window closes at 24:00 and the next opens', () => {
    expect(isOpen({ calendar: nightShift, at: '2025-01-18T00:00:00+01:00' })).toBe(true);
  });

  it('puts a due that lands on a 24:00 close at that midnight', () => {
    const evening = dailyCalendar({ timeZone: 'Europe/Berlin', windows: [['16:00', '24:00']] });

    const due = addBusinessTime({
      calendar: evening,
      from: '2025-01-13T16:00:00+01:00',
      ms: hours(8),
    });

    expect(iso(due)).toBe('2025-01-13T23:00:00.000Z');
  });

  it('closes a 24:00 window at the local midnight of a DST change date', () => {
    const evening = dailyCalendar({ timeZone: 'Europe/Berlin', windows: [['22:00', '24:00']] });

    const sundayEvening = { from: '2025-03-30T12:00:00Z', to: '2025-03-31T12:00:00Z' };

    expect(businessMsBetween({ calendar: evening, ...sundayEvening })).toBe(hours(2));
    expect(isOpen({ calendar: evening, at: '2025-03-30T21:59:59Z' })).toBe(true);
  });
});

describe('addBusinessTime', () => {
  it('returns a close when the target is used up exactly at it', () => {
    const due = addBusinessTime({ calendar: deOffice, from: '2025-04-23T07:00:00Z', ms: hours(8) });

    expect(iso(due)).toBe('2025-04-23T15:00:00.000Z');
  });

  it('returns the next opening for a zero duration from outside hours', () => {
    const due = addBusinessTime({ calendar: deOffice, from: '2025-04-23T15:00:00Z', ms: 0 });

    expect(iso(due)).toBe('2025-04-24T07:00:00.000Z');
  });

  it('counts every minute on the 24x7 calendar', () => {
    const due = addBusinessTime({
      calendar: alwaysOpen,
      from: '2025-03-12T10:00:00Z',
      ms: hours(49),
    });

    expect(iso(due)).toBe('2025-03-14T11:00:00.000Z');
  });
});

describe('businessMsBetween', () => {
  it('is negative when the end is before the start, so overdue countdowns read naturally', () => {
    const span = { from: '2025-04-22T08:30:00Z', to: '2025-04-22T07:00:00Z' };

    expect(businessMsBetween({ calendar: deOffice, ...span })).toBe(-minutes(90));
  });
});

describe('formatBusinessDuration', () => {
  it('writes hours and minutes', () => {
    expect(formatBusinessDuration(minutes(90))).toBe('1 h 30 min');
    expect(formatBusinessDuration(hours(2))).toBe('2 h');
    expect(formatBusinessDuration(minutes(45))).toBe('45 min');
    expect(formatBusinessDuration(0)).toBe('0 min');
  });

  it('never turns long business durations into days', () => {
    expect(formatBusinessDuration(hours(68) + minutes(10))).toBe('68 h 10 min');
  });

  it('marks an overdue duration with a minus sign and drops seconds', () => {
    expect(formatBusinessDuration(-minutes(5) - 30_000)).toBe('-5 min');
    expect(formatBusinessDuration(-30_000)).toBe('0 min');
  });
});
