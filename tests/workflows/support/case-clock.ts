// The failure cases of /work/shared/cases (C01, C03, C05) happened in 2025, but the time-skipping
// server starts at today's time and only moves forward. A case clock moves a whole case forward
// by whole 52-week years — weekdays, local times and, for these spring and winter dates, the UTC
// offset stay the same — so a test drives the workflow at the shifted instants and reads every
// instant back on the case's own timeline, where it compares to the case's exact values.
import type { BusinessCalendar } from '../../../workflows/shared/business-time.ts';

const dayMs = 86_400_000;
const yearOfWeeksMs = 364 * dayMs;
const minuteMs = 60_000;

/** A case moved forward to run on the test server, and the way back to its own instants. */
export interface CaseClock {
  /** Server time of a case instant such as '2025-04-22T08:30:00Z'. */
  at(caseIso: string): number;
  /** The case instant a server instant stands for, to the minute (the server drifts by ms). */
  iso(serverMs: number | null): string | null;
  /** The calendar with its holidays moved along with the case. */
  calendar(calendar: BusinessCalendar): BusinessCalendar;
}

/** Moves a case that begins at `startIso` to the first 52-week year after `serverNow`. */
export function caseClock(startIso: string, serverNow: number): CaseClock {
  const start = Date.parse(startIso);
  const years = Math.ceil((serverNow + dayMs - start) / yearOfWeeksMs);
  const shiftMs = Math.max(years, 1) * yearOfWeeksMs;

  return {
    at: (caseIso) => Date.parse(caseIso) + shiftMs,
    iso: (serverMs) => {
      if (serverMs === null) return null;
      const minute = Math.round((serverMs - shiftMs) / minuteMs) * minuteMs;
      return new Date(minute).toISOString();
    },
    calendar: (calendar) => ({
      ...calendar,
      holidays: calendar.holidays.map((date) =>
        new Date(Date.parse(`${date}T00:00:00Z`) + shiftMs).toISOString().slice(0, 10),
      ),
    }),
  };
}
