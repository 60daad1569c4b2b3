// The JSON shapes of the reports API (types only): what the lead's dashboard (ui/src/routes/
// reports, built by another hand) reads from GET /api/reports/*, the time log on a ticket and
// the public satisfaction surveys. The definitions behind every number live in
// reports/metrics.ts; this file only says what travels over the wire, so both sides can be
// built at once and cannot drift apart silently. Every table and list also answers CSV with
// `?format=csv` (same columns as the JSON rows, header row first).
import type { Channel, Priority, TicketStatus } from '../workflows/ticket/vocabulary.ts';

/**
 * The filters every report endpoint accepts as query parameters, all optional except the period.
 * `from`/`to` are ISO-8601 instants (or `YYYY-MM-DD`, read as UTC midnight); the period is
 * `[from, to)`. `compareFrom`/`compareTo` name the baseline period of a pilot. Team, queue and
 * channel are the ticket's current ones; `agentId` is the agent who owned the ticket when the
 * measured thing happened (first reply, resolution, survey) and, for backlog, its owner now.
 */
export interface ReportQuery {
  from: string;
  to: string;
  compareFrom?: string;
  compareTo?: string;
  teamId?: number;
  queueId?: number;
  agentId?: number;
  channel?: Channel;
  priority?: Priority;
}

/** The stable ids of the metrics; labels and definitions are in reports/metrics.ts. */
export type MetricId =
  | 'first_response_time'
  | 'next_response_time'
  | 'resolution_time'
  | 'sla_first_response_met'
  | 'sla_next_response_met'
  | 'sla_resolution_met'
  | 'backlog_size'
  | 'backlog_over_1_day'
  | 'backlog_over_3_days'
  | 'backlog_over_7_days'
  | 'backlog_over_30_days'
  | 'tickets_created'
  | 'tickets_resolved'
  | 'reassignment_rate'
  | 'reopen_rate'
  | 'handle_time'
  | 'csat'
  | 'nps';

/**
 * minutes: a duration; percent: 0–100; count: a number of tickets; score: NPS (−100…100).
 * CSAT is a percent (good ÷ all answered ratings, neutral included).
 */
export type MetricUnit = 'minutes' | 'percent' | 'count' | 'score';

/** How a metric folds its sample: durations are medians (an average of skewed times misleads). */
export type MetricStatistic = 'median' | 'ratio' | 'count' | 'sum' | 'nps';

export interface Period {
  from: string;
  to: string;
}

/**
 * One number on the dashboard. For durations `value` is the business-time median and
 * `businessValue`/`calendarValue` carry both, each with its label ("business hours (team
 * calendar)" / "calendar time"). `value` is null when the sample is empty: nothing to measure
 * is not zero. `drillDown` is the API URL listing the tickets behind the number, with the same
 * filters (append `&format=csv` for CSV).
 */
export interface MetricValue {
  id: MetricId;
  label: string;
  description: string;
  unit: MetricUnit;
  statistic: MetricStatistic;
  value: number | null;
  businessValue?: number | null;
  businessLabel?: string;
  calendarValue?: number | null;
  calendarLabel?: string;
  /** 90th percentile of durations (business and calendar), where a median hides the tail. */
  p90BusinessValue?: number | null;
  p90CalendarValue?: number | null;
  /** How many tickets, ratings or entries the value is computed from. */
  sampleSize: number;
  /** The same metric over the comparison period, when one was asked for. */
  comparisonValue?: number | null;
  comparisonBusinessValue?: number | null;
  comparisonCalendarValue?: number | null;
  comparisonSampleSize?: number;
  drillDown: string;
}

/** One row of the per-agent and per-team tables (agent fields absent in the team table). */
export interface WorkloadRow {
  agentId?: number;
  agentName?: string;
  teamId: number | null;
  teamName: string | null;
  /** Tickets assigned to them during the period (every assignment, reassignments included). */
  ticketsAssigned: number;
  /** Tickets they owned when resolved during the period. */
  ticketsResolved: number;
  /** Tickets they own now that are not resolved or closed. */
  openNow: number;
  medianFirstResponseBusinessMinutes: number | null;
  medianFirstResponseCalendarMinutes: number | null;
  handleMinutes: number;
  csatPercent: number | null;
  csatResponses: number;
}

/** One backlog age bucket: open tickets (not resolved or closed) older than `overDays`. */
export interface BacklogAgeRow {
  bucket: 'under_1_day' | '1_to_3_days' | '3_to_7_days' | '7_to_30_days' | 'over_30_days';
  label: string;
  count: number;
}

/** One day of the period (UTC dates), for charts. */
export interface DailyRow {
  date: string;
  created: number;
  resolved: number;
  firstResponses: number;
  medianFirstResponseBusinessMinutes: number | null;
  slaBreaches: number;
}

export interface ReportTables {
  agents: WorkloadRow[];
  teams: WorkloadRow[];
  backlogAge: BacklogAgeRow[];
  daily: DailyRow[];
  comparisonDaily?: DailyRow[];
}

export type ReportTableId = 'agents' | 'teams' | 'backlog-age' | 'daily';

/** GET /api/reports/metrics answer. */
export interface MetricsReport {
  /** The version of reports/metrics.ts the numbers were computed with. */
  definitionsVersion: string;
  period: Period;
  comparison?: Period;
  filters: Omit<ReportQuery, 'from' | 'to' | 'compareFrom' | 'compareTo'>;
  generatedAt: string;
  metrics: MetricValue[];
  tables: ReportTables;
  /** CSV of each table: `/api/reports/tables/<ReportTableId>?<same filters>&format=csv`. */
  tableCsv: Record<ReportTableId, string>;
}

/** One ticket behind a number, and what it contributed to it. */
export interface DrillDownTicket {
  id: number;
  subject: string;
  status: TicketStatus;
  priority: Priority;
  channel: Channel;
  teamId: number | null;
  teamName: string | null;
  queueId: number | null;
  queueName: string | null;
  agentId: number | null;
  agentName: string | null;
  createdAt: string;
  /** The ticket's measured value, in the metric's unit (e.g. business minutes); null for counts. */
  businessValue: number | null;
  calendarValue: number | null;
  /** What the value means for this ticket, e.g. "met", "breached", "good", "reopened". */
  note: string | null;
}

/** GET /api/reports/metrics/:metricId/tickets answer (CSV with `?format=csv`). */
export interface DrillDown {
  definitionsVersion: string;
  metricId: MetricId;
  label: string;
  period: Period;
  total: number;
  /** At most `limit` (default 500, max 5000) tickets; CSV carries them all up to 50,000. */
  tickets: DrillDownTicket[];
}

/** One append-only row of an agent's time on a ticket; a correction is a negative row. */
export interface TimeLogEntry {
  id: number;
  ticketId: number;
  agentId: number;
  agentName: string;
  minutes: number;
  startedAt: string | null;
  endedAt: string | null;
  note: string | null;
  /** The entry this one corrects, when it is a correction. */
  correctsId: number | null;
  createdAt: string;
}

/**
 * POST /api/tickets/:id/time body: either `minutes` (may be negative with `correctsId`) or
 * `startedAt` + `endedAt` (a stopped timer); `note` optional.
 */
export interface TimeLogRequest {
  minutes?: number;
  startedAt?: string;
  endedAt?: string;
  note?: string;
  correctsId?: number;
}

/** GET /api/tickets/:id/time answer. */
export interface TicketTimeLog {
  ticketId: number;
  totalMinutes: number;
  perAgent: { agentId: number; agentName: string; minutes: number }[];
  entries: TimeLogEntry[];
}

export type CsatRating = 'good' | 'neutral' | 'bad';

/**
 * POST /api/surveys/:token body (public, no session): a CSAT survey takes `rating`, an NPS
 * survey takes `score` 0–10; `comment` optional. Answering again replaces the earlier answer.
 */
export interface SurveyAnswer {
  rating?: CsatRating;
  score?: number;
  comment?: string;
}

/** POST /api/surveys/:token answer. */
export interface SurveyAnswered {
  kind: 'csat' | 'nps';
  rating: CsatRating | null;
  score: number | null;
  comment: string | null;
  answeredAt: string;
}

/** GET /api/reports/snapshots answer: the stored recomputations of a period. */
export interface ReportSnapshotSummary {
  id: number;
  definitionsVersion: string;
  period: Period;
  createdAt: string;
  reason: string | null;
}
