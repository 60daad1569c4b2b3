// Calendars and small helpers shared by the business-time and SLA-clock tests.
import type { BusinessCalendar, IsoWeekday } from '../../../workflows/shared/business-time.ts';

export const weekdaysMonToFri: IsoWeekday[] = [1, 2, 3, 4, 5];

/** Mon–Fri windows in one zone, with the given holidays. */
export function officeCalendar({
  timeZone,
  open = '09:00',
  close = '17:00',
  holidays = [],
}: {
  timeZone: string;
  open?: string;
  close?: string;
  holidays?: string[];
}): BusinessCalendar {
  return {
    id: `office-${timeZone}`,
    name: `Office ${timeZone}`,
    timeZone,
    weekly: weekdaysMonToFri.map((day) => ({ day, open, close })),
    holidays,
  };
}

/** C01's `DE-Office`: Mon–Fri 09:00–17:00 Europe/Berlin, Good Friday and Easter Monday off. */
export const deOffice: BusinessCalendar = {
  ...officeCalendar({ timeZone: 'Europe/Berlin', holidays: ['2025-04-18', '2025-04-21'] }),
  id: 'de-office',
  name: 'DE-Office',
};

/** One calendar with the given weekly windows, every day of the week alike. */
export function dailyCalendar({
  timeZone,
  windows,
  holidays = [],
}: {
  timeZone: string;
  windows: [string, string][];
  holidays?: string[];
}): BusinessCalendar {
  const days: IsoWeekday[] = [1, 2, 3, 4, 5, 6, 7];
  return {
    id: `daily-${timeZone}`,
    name: `Daily ${timeZone}`,
    timeZone,
    weekly: days.flatMap((day) => windows.map(([open, close]) => ({ day, open, close }))),
    holidays,
  };
}

export const minutes = (count: number): number => count * 60_000;
export const hours = (count: number): number => count * 3_600_000;

/** Epoch milliseconds of an ISO instant that carries its offset. */
export const at = (iso: string): number => Date.parse(iso);

/** The ISO form of an epoch instant, so failures print readable UTC times. */
export const iso = (epochMs: number | null): string | null =>
  epochMs === null ? null : new Date(epochMs).toISOString();
