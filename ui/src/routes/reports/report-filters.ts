// The dashboard's filters, all in the address so a view can be bookmarked and shared: team,
// queue, agent, channel, priority, the period (a preset or custom dates) and an optional
// comparison period (the pilot's "baseline vs after"). Pure: reads a URL, writes query strings.
import {
  channels,
  priorities,
  type Channel,
  type Priority,
} from '../../../../workflows/ticket/vocabulary.ts';

export const periodPresets = {
  'last-7-days': 'Last 7 days',
  'last-30-days': 'Last 30 days',
  'last-90-days': 'Last 90 days',
  'this-month': 'This month',
  'last-month': 'Last month',
  custom: 'Custom dates',
} as const;
export type PeriodPreset = keyof typeof periodPresets;

export const comparisonModes = {
  none: 'No comparison',
  previous: 'Previous period',
  custom: 'Custom baseline',
} as const;
export type ComparisonMode = keyof typeof comparisonModes;

export interface ReportFilters {
  period: PeriodPreset;
  /** Custom period as UTC dates `YYYY-MM-DD`, `to` inclusive as people read it. */
  from?: string;
  to?: string;
  compare: ComparisonMode;
  compareFrom?: string;
  compareTo?: string;
  teamId?: number;
  queueId?: number;
  agentId?: number;
  channel?: Channel;
  priority?: Priority;
}

/** A period as the API reads it: `[from, to)` in UTC dates. */
export interface DateRange {
  from: string;
  to: string;
}

const dayMs = 86_400_000;
const datePattern = /^\d{4}-\d{2}-\d{2}$/;

/** The filters named in the address; anything malformed falls back to the default. */
export function readReportFilters(url: URL): ReportFilters {
  const q = url.searchParams;
  const period = oneOf(q.get('period'), Object.keys(periodPresets)) ?? 'last-30-days';
  return {
    period: period as PeriodPreset,
    from: date(q.get('from')),
    to: date(q.get('to')),
    compare: (oneOf(q.get('compare'), Object.keys(comparisonModes)) ?? 'none') as ComparisonMode,
    compareFrom: date(q.get('compareFrom')),
    compareTo: date(q.get('compareTo')),
    teamId: positive(q.get('teamId')),
    queueId: positive(q.get('queueId')),
    agentId: positive(q.get('agentId')),
    channel: oneOf(q.get('channel'), channels) as Channel | undefined,
    priority: oneOf(q.get('priority'), priorities) as Priority | undefined,
  };
}

/** The address of the dashboard with these filters; empty ones are left out. */
export function reportSearch(filters: ReportFilters): string {
  const q = new URLSearchParams();
  q.set('period', filters.period);
  if (filters.period === 'custom') setAll(q, { from: filters.from, to: filters.to });
  if (filters.compare !== 'none') q.set('compare', filters.compare);
  if (filters.compare === 'custom') {
    setAll(q, { compareFrom: filters.compareFrom, compareTo: filters.compareTo });
  }
  setAll(q, narrowing(filters));
  return q.toString();
}

/** Team, queue, agent, channel and priority as query values. */
export function narrowing(filters: ReportFilters): Record<string, string | undefined> {
  return {
    teamId: filters.teamId?.toString(),
    queueId: filters.queueId?.toString(),
    agentId: filters.agentId?.toString(),
    channel: filters.channel,
    priority: filters.priority,
  };
}

/** Team, queue and agent only, as a query string: triage and load are about now, not a period. */
export function leadSearch(filters: ReportFilters): string {
  const query = new URLSearchParams();
  setAll(query, {
    teamId: filters.teamId?.toString(),
    queueId: filters.queueId?.toString(),
    agentId: filters.agentId?.toString(),
  });
  return query.toString();
}

/** The measured period as `[from, to)` UTC dates, relative to `today` (a UTC date). */
export function periodRange(filters: ReportFilters, today: string): DateRange {
  const tomorrow = addDays(today, 1);
  switch (filters.period) {
    case 'last-7-days':
      return { from: addDays(tomorrow, -7), to: tomorrow };
    case 'last-30-days':
      return { from: addDays(tomorrow, -30), to: tomorrow };
    case 'last-90-days':
      return { from: addDays(tomorrow, -90), to: tomorrow };
    case 'this-month':
      return { from: `${today.slice(0, 7)}-01`, to: tomorrow };
    case 'last-month': {
      const thisMonth = `${today.slice(0, 7)}-01`;
      return { from: `${addDays(thisMonth, -1).slice(0, 7)}-01`, to: thisMonth };
    }
    case 'custom': {
      const from = filters.from ?? addDays(tomorrow, -30);
      const to = filters.to === undefined ? tomorrow : addDays(filters.to, 1);
      return from < to ? { from, to } : { from: to, to: addDays(from, 1) };
    }
  }
}

/** The baseline period, or null without a comparison; "previous" is the same length just before. */
export function comparisonRange(filters: ReportFilters, period: DateRange): DateRange | null {
  if (filters.compare === 'none') return null;
  if (filters.compare === 'custom') {
    if (filters.compareFrom === undefined || filters.compareTo === undefined) return null;
    return { from: filters.compareFrom, to: addDays(filters.compareTo, 1) };
  }
  const days = Math.round((Date.parse(period.to) - Date.parse(period.from)) / dayMs);
  return { from: addDays(period.from, -days), to: period.from };
}

/** The API query for GET /api/reports/metrics and its drill-downs. */
export function metricsQuery(filters: ReportFilters, today: string): URLSearchParams {
  const period = periodRange(filters, today);
  const comparison = comparisonRange(filters, period);
  const q = new URLSearchParams({ from: period.from, to: period.to });
  if (comparison !== null) {
    setAll(q, { compareFrom: comparison.from, compareTo: comparison.to });
  }
  setAll(q, narrowing(filters));
  return q;
}

/** Today's UTC date, `YYYY-MM-DD`. */
export function utcToday(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** `date` moved by `days`, as a UTC date. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * dayMs).toISOString().slice(0, 10);
}

/** The inclusive last day of a `[from, to)` range, for people to read. */
export function lastDay(range: DateRange): string {
  return addDays(range.to, -1);
}

function setAll(q: URLSearchParams, values: Record<string, string | undefined>): void {
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && value !== '') q.set(key, value);
  }
}

function oneOf(value: string | null, allowed: readonly string[]): string | undefined {
  return value !== null && allowed.includes(value) ? value : undefined;
}

function date(value: string | null): string | undefined {
  return value !== null && datePattern.test(value) && !Number.isNaN(Date.parse(value))
    ? value
    : undefined;
}

function positive(value: string | null): number | undefined {
  const number = Number(value);
  return value !== null && Number.isInteger(number) && number > 0 ? number : undefined;
}
