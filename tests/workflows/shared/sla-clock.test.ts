import { describe, expect, it } from '@jest/globals';
import {
  addBusinessTime,
  alwaysOpen,
  businessMsBetween,
  formatBusinessDuration,
  isOpen,
  type BusinessCalendar,
} from '../../../workflows/shared/business-time.ts';
import {
  clockSegments,
  dueInstant,
  slaClock,
  warningInstant,
  type StatusTransition,
} from '../../../workflows/shared/sla-clock.ts';
import { at, deOffice, hours, iso, minutes, officeCalendar } from './calendars.ts';

const noPause: string[] = [];
const pendingCustomer = ['pending-customer'];

describe('C01: the clock starts at the first business minute after a weekend or holiday', () => {
  const created = '2025-04-19T12:20:00Z';
  const firstReply = '2025-04-22T08:30:00Z';
  const resolved = '2025-04-23T15:00:00Z';
  const openedT101: StatusTransition[] = [{ at: created, status: 'open' }];
  const history = { transitions: openedT101, pauseStatuses: noPause };

  it('starts T-101 on Tuesday 09:00 CEST, after Saturday, Sunday and Easter Monday', () => {
    const tuesdayOpening = '2025-04-22T07:00:00Z';

    const clock = slaClock({ calendar: deOffice, ...history, now: tuesdayOpening });

    expect(clock.usedMs).toBe(0);
    expect(isOpen({ calendar: deOffice, at: tuesdayOpening })).toBe(true);
  });

  it('puts T-101 first response due at Tuesday 13:00 CEST', () => {
    const due = dueInstant({ calendar: deOffice, ...history, targetMs: hours(4), now: created });

    expect(iso(due)).toBe('2025-04-22T11:00:00.000Z');
  });

  it('puts T-101 resolution due on the Wednesday 17:00 close, not Thursday 09:00', () => {
    const due = dueInstant({ calendar: deOffice, ...history, targetMs: hours(16), now: created });

    expect(iso(due)).toBe('2025-04-23T15:00:00.000Z');
  });

  it('measures the first response as 90 business minutes, met, with 68 h 10 min of calendar', () => {
    const clock = slaClock({ calendar: deOffice, ...history, now: firstReply });
    const due = dueInstant({ calendar: deOffice, ...history, targetMs: hours(4), now: firstReply });

    expect(clock.usedMs).toBe(minutes(90));
    expect(formatBusinessDuration(clock.usedMs)).toBe('1 h 30 min');
    expect(clock.calendarMs).toBe(hours(68) + minutes(10));
    expect(at(firstReply)).toBeLessThanOrEqual(due!);
  });

  it('meets the resolution target when resolved exactly at the due instant', () => {
    const transitions = [...openedT101, { at: resolved, status: 'resolved' }];

    const due = dueInstant({
      calendar: deOffice,
      transitions,
      pauseStatuses: noPause,
      targetMs: hours(16),
      now: resolved,
    });
    const clock = slaClock({
      calendar: deOffice,
      transitions,
      pauseStatuses: noPause,
      now: resolved,
    });

    expect(due).toBe(at(resolved));
    expect(clock).toMatchObject({ usedMs: hours(16), stopped: true });
  });

  it('starts T-102, created on the Easter Monday holiday inside normal hours, on Tuesday', () => {
    const transitions = [{ at: '2025-04-21T08:00:00Z', status: 'open' }];

    const due = dueInstant({
      calendar: deOffice,
      transitions,
      pauseStatuses: noPause,
      targetMs: hours(4),
      now: '2025-04-21T08:00:00Z',
    });

    expect(iso(due)).toBe('2025-04-22T11:00:00.000Z');
  });

  it('moves both dues when 2025-04-22 becomes a holiday while the ticket is open', () => {
    const edited: BusinessCalendar = {
      ...deOffice,
      holidays: [...deOffice.holidays, '2025-04-22'],
    };
    const editedAt = '2025-04-21T18:00:00Z';

    const firstResponse = dueInstant({
      calendar: edited,
      ...history,
      targetMs: hours(4),
      now: editedAt,
    });
    const resolution = dueInstant({
      calendar: edited,
      ...history,
      targetMs: hours(16),
      now: editedAt,
    });

    expect(iso(firstResponse)).toBe('2025-04-23T11:00:00.000Z');
    expect(iso(resolution)).toBe('2025-04-24T15:00:00.000Z');
  });
});

describe('C03: pending-customer pauses the clock, also when resolved straight from it', () => {
  const calendar = officeCalendar({ timeZone: 'Europe/Berlin' });
  const steps: StatusTransition[] = [
    { at: '2025-01-13T09:00:00Z', status: 'open' },
    { at: '2025-01-13T10:00:00Z', status: 'pending-customer' },
    { at: '2025-01-14T14:00:00Z', status: 'open' },
    { at: '2025-01-15T09:00:00Z', status: 'pending-customer' },
    { at: '2025-01-16T11:00:00Z', status: 'resolved' },
  ];
  const resolution = { calendar, pauseStatuses: pendingCustomer, targetMs: hours(8) };

  /** The resolution due as the workflow sees it right after step `count`. */
  const dueAfterStep = (count: number, now = steps[count - 1]!.at) =>
    dueInstant({ ...resolution, transitions: steps.slice(0, count), now });

  it('meets the first response at step 2 after 60 business minutes, pauses aside', () => {
    const firstResponse = { calendar, transitions: steps, pauseStatuses: noPause };

    const due = dueInstant({ ...firstResponse, targetMs: hours(2), now: steps[1]!.at });
    const clock = slaClock({ ...firstResponse, now: steps[1]!.at });

    expect(clock.usedMs).toBe(minutes(60));
    expect(at(steps[1]!.at as string)).toBeLessThanOrEqual(due!);
  });

  it('puts the resolution due after step 1 at Tuesday 10:00 CET', () => {
    expect(iso(dueAfterStep(1))).toBe('2025-01-14T09:00:00.000Z');
  });

  it('has no due while pending after step 2, so no breach can fire at Tuesday 10:00', () => {
    expect(dueAfterStep(2)).toBeNull();
    expect(dueAfterStep(2, '2025-01-14T09:00:00Z')).toBeNull();
  });

  it('moves the due to Wednesday 14:00 CET when the customer replies at step 3', () => {
    const clock = slaClock({ ...resolution, transitions: steps.slice(0, 3), now: steps[2]!.at });

    expect(clock.usedMs).toBe(minutes(60));
    expect(iso(dueAfterStep(3))).toBe('2025-01-15T13:00:00.000Z');
  });

  it('has used 240 minutes at step 4 and no due while pending, so none fires at Wednesday 14:00', () => {
    const clock = slaClock({ ...resolution, transitions: steps.slice(0, 4), now: steps[3]!.at });

    expect(clock).toMatchObject({ usedMs: minutes(240), paused: true });
    expect(dueAfterStep(4)).toBeNull();
    expect(dueAfterStep(4, '2025-01-15T13:00:00Z')).toBeNull();
  });

  it('records 240 business minutes, 1,320 on hold, 74 h calendar, 54 h hold, 20 h active at step 5', () => {
    const clock = slaClock({ ...resolution, transitions: steps, now: steps[4]!.at });

    expect(clock).toEqual({
      usedMs: minutes(240),
      pausedMs: minutes(1_320),
      paused: false,
      stopped: true,
      calendarMs: hours(74),
      activeCalendarMs: hours(20),
      pausedCalendarMs: hours(54),
    });
    expect(clock.usedMs).toBeLessThanOrEqual(resolution.targetMs);
  });

  it('keeps the recorded values after resolution, however late the clock is read', () => {
    const later = slaClock({ ...resolution, transitions: steps, now: '2025-08-01T00:00:00Z' });

    expect(later).toMatchObject({
      usedMs: minutes(240),
      pausedMs: minutes(1_320),
      calendarMs: hours(74),
    });
  });

  it('puts the due at Thursday 16:00 CET when the customer replies at step 5 instead', () => {
    const variant = [...steps.slice(0, 4), { at: '2025-01-16T11:00:00Z', status: 'open' }];

    const due = dueInstant({ ...resolution, transitions: variant, now: '2025-01-16T11:00:00Z' });

    expect(iso(due)).toBe('2025-01-16T15:00:00.000Z');
  });

  it('fires no breach while pending: at every armed due the clock is found paused', () => {
    const readings = Array.from(
      { length: 80 },
      (_, hour) => at(steps[0]!.at as string) + hours(hour),
    );
    const armed = readings
      .map((now) => dueInstant({ ...resolution, transitions: steps, now }))
      .filter((due) => due !== null);

    const fired = armed.map((due) => dueInstant({ ...resolution, transitions: steps, now: due }));

    expect(new Set(armed.map(iso))).toEqual(
      new Set(['2025-01-14T09:00:00.000Z', '2025-01-15T13:00:00.000Z']),
    );
    expect(fired).toEqual(armed.map(() => null));
  });
});

describe('C05: the 24x7 clock gives one breach instant per target', () => {
  it('puts T-501 first response due at 11:00Z and keeps that instant on every recompute', () => {
    const transitions = [{ at: '2025-03-12T10:00:00Z', status: 'open' }];
    const recomputes = ['10:00:00', '10:30:00', '11:00:00', '11:00:05', '11:00:12'];

    const dues = recomputes.map((time) =>
      dueInstant({
        calendar: alwaysOpen,
        transitions,
        pauseStatuses: noPause,
        targetMs: minutes(60),
        now: `2025-03-12T${time}Z`,
      }),
    );

    expect(new Set(dues.map(iso))).toEqual(new Set(['2025-03-12T11:00:00.000Z']));
  });

  it('arms the T-502 update timer for 14:00Z when the customer replies at 12:00Z', () => {
    const transitions = [
      { at: '2025-03-12T09:00:00Z', status: 'pending-customer' },
      { at: '2025-03-12T12:00:00Z', status: 'open' },
    ];
    const update = {
      calendar: alwaysOpen,
      transitions,
      pauseStatuses: pendingCustomer,
      targetMs: minutes(120),
    };

    expect(dueInstant({ ...update, now: '2025-03-12T11:59:00Z' })).toBeNull();
    expect(iso(dueInstant({ ...update, now: '2025-03-12T12:00:00Z' }))).toBe(
      '2025-03-12T14:00:00.000Z',
    );
    expect(iso(dueInstant({ ...update, now: '2025-03-12T13:30:00Z' }))).toBe(
      '2025-03-12T14:00:00.000Z',
    );
  });
});

describe('clockSegments', () => {
  it('merges running statuses, splits at pauses and leaves out time after resolution', () => {
    const transitions = [
      { at: 0, status: 'new' },
      { at: 10, status: 'open' },
      { at: 20, status: 'pending-customer' },
      { at: 30, status: 'resolved' },
      { at: 40, status: 'open' },
    ];

    const segments = clockSegments({ transitions, pauseStatuses: pendingCustomer, now: 50 });

    expect(segments).toEqual([
      { from: 0, to: 20, paused: false },
      { from: 20, to: 30, paused: true },
      { from: 40, to: null, paused: false },
    ]);
  });

  it('reads the history as it stood at `now`, ignoring later transitions', () => {
    const transitions = [
      { at: 0, status: 'open' },
      { at: 30, status: 'pending-customer' },
    ];

    const segments = clockSegments({ transitions, pauseStatuses: pendingCustomer, now: 25 });

    expect(segments).toEqual([{ from: 0, to: null, paused: false }]);
  });

  it('refuses a history out of time order', () => {
    const transitions = [
      { at: 30, status: 'open' },
      { at: 10, status: 'pending-customer' },
    ];

    expect(() => clockSegments({ transitions, pauseStatuses: pendingCustomer, now: 50 })).toThrow(
      /time order/,
    );
  });
});

describe('dueInstant', () => {
  const calendar = officeCalendar({ timeZone: 'Europe/Berlin' });

  it('keeps a breach instant that already passed, even while the ticket is now paused', () => {
    const transitions = [
      { at: '2025-01-13T08:00:00Z', status: 'open' },
      { at: '2025-01-13T12:00:00Z', status: 'pending-customer' },
    ];

    const due = dueInstant({
      calendar,
      transitions,
      pauseStatuses: pendingCustomer,
      targetMs: hours(1),
      now: '2025-01-13T13:00:00Z',
    });

    expect(iso(due)).toBe('2025-01-13T09:00:00.000Z');
  });

  it('has no due for a resolved ticket that never reached its target', () => {
    const transitions = [
      { at: '2025-01-13T08:00:00Z', status: 'open' },
      { at: '2025-01-13T09:00:00Z', status: 'resolved' },
    ];

    const due = dueInstant({
      calendar,
      transitions,
      pauseStatuses: noPause,
      targetMs: hours(8),
      now: '2025-01-13T10:00:00Z',
    });

    expect(due).toBeNull();
  });

  it('keeps a due on the close when the ticket is paused at that same instant', () => {
    const transitions = [
      { at: '2025-01-13T15:00:00Z', status: 'open' },
      { at: '2025-01-13T16:00:00Z', status: 'pending-customer' },
    ];

    const due = dueInstant({
      calendar,
      transitions,
      pauseStatuses: pendingCustomer,
      targetMs: hours(1),
      now: '2025-01-13T16:00:00Z',
    });

    expect(iso(due)).toBe('2025-01-13T16:00:00.000Z');
  });

  it('agrees with addBusinessTime from the resume instant minus the time already used', () => {
    const transitions = [
      { at: '2025-01-13T09:00:00Z', status: 'open' },
      { at: '2025-01-13T10:00:00Z', status: 'pending-customer' },
      { at: '2025-01-14T14:00:00Z', status: 'open' },
    ];
    const options = {
      calendar,
      transitions,
      pauseStatuses: pendingCustomer,
      now: '2025-01-14T14:00:00Z',
    };

    const used = slaClock(options).usedMs;
    const due = dueInstant({ ...options, targetMs: hours(8) });

    expect(due).toBe(
      addBusinessTime({ calendar, from: '2025-01-14T14:00:00Z', ms: hours(8) - used }),
    );
  });
});

describe('warningInstant', () => {
  const calendar = officeCalendar({ timeZone: 'Europe/Berlin' });
  const transitions = [{ at: '2025-01-13T09:00:00Z', status: 'open' }];
  const options = {
    calendar,
    transitions,
    pauseStatuses: pendingCustomer,
    now: '2025-01-13T09:00:00Z',
  };

  it('warns one business hour before a due inside the same day', () => {
    const warning = warningInstant({ ...options, targetMs: hours(4), warnBeforeMs: hours(1) });

    expect(iso(warning)).toBe('2025-01-13T12:00:00.000Z');
  });

  it('warns at the morning opening, not the evening close, when an hour is left overnight', () => {
    const due = dueInstant({ ...options, targetMs: hours(8) });

    const warning = warningInstant({ ...options, targetMs: hours(8), warnBeforeMs: hours(1) });

    expect(iso(due)).toBe('2025-01-14T09:00:00.000Z');
    expect(iso(warning)).toBe('2025-01-14T08:00:00.000Z');
    expect(isOpen({ calendar, at: warning! })).toBe(true);
    expect(businessMsBetween({ calendar, from: warning!, to: due! })).toBe(hours(1));
  });

  it('warns as soon as the clock starts when the warning is longer than the target', () => {
    const warning = warningInstant({ ...options, targetMs: hours(1), warnBeforeMs: hours(2) });

    expect(iso(warning)).toBe('2025-01-13T09:00:00.000Z');
  });

  it('has no warning while paused before it', () => {
    const paused = [...transitions, { at: '2025-01-13T10:00:00Z', status: 'pending-customer' }];

    const warning = warningInstant({
      ...options,
      transitions: paused,
      now: '2025-01-13T11:00:00Z',
      targetMs: hours(4),
      warnBeforeMs: hours(1),
    });

    expect(warning).toBeNull();
  });
});
