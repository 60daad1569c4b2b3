// reports: metric definitions and the queries behind the lead's dashboard. Every number the
// dashboard, the CSV exports, the snapshots and the drill-downs show is defined here ONCE, as
// SQL over the append-only ticket_event rows (plus the time log and surveys), under one version
// (`definitionsVersion`): change a definition, bump the version, and `npm run reports --
// recompute` shows what moved. The report service (reports/report-service.ts) only runs these.
//
// Each metric is a "rows" query (one row per thing counted: a ticket's first reply, a waiting
// customer answered, a final resolution, an SLA verdict, a survey answer…) with the same
// columns, folded by one aggregate: so the number, its drill-down and the per-agent and per-team
// tables can never disagree. Columns: ticket_id, agent_id, team_id, queue_id, channel,
// priority, at, business_ms, calendar_ms, value, outcome, note. The per-ticket parts that need
// a ticket's whole timeline (first, next and final responses, each resolution and whether it was
// reopened, reassignment chains) are defined in reports/facts.ts, in the same SQL over
// ticket_event, and stored per ticket version so a year of them is read, not re-derived.
//
// Business time: the calendar of the ticket's team, counted in SQL over the business_window
// table (reports/business-windows.ts lays each calendar out with the same pure module the
// workflow arms SLA timers with), one index look-up per instant; a team without a calendar
// counts 24x7. Durations are given in both business and calendar time, each labelled.
//
// Rules the definitions keep (tested on hand-worked timelines in tests/reports/):
// - first response: the first public reply (the projection flags it `firstResponse`); a reopen
//   never measures it again;
// - next response: from the oldest customer message no public reply has answered yet (after the
//   first response) to the public reply that answers it, so after a reopen it runs from the
//   customer's return;
// - resolution: from creation to the ticket's last resolution (set resolved or closed, or
//   auto-closed from an unresolved status), counted in the period of that resolution and only
//   while no reopen followed it; resolving straight from pending or on hold counts the same;
//   closing a ticket by merging it into another is not a resolution (nor a resolved ticket);
// - reopen: a `reopened` entry (the customer wrote back) or an agent moving a resolved or
//   closed ticket back; who resolved (an agent or automation) does not matter;
// - reassignment: an assignment to an agent other than the ticket's previous agent, unassigned
//   spells in between ignored, so A→B→C is two reassignments of one ticket;
// - SLA % met: verdicts from the workflow's own sla_met / sla_breached entries, each verdict
//   counted once at the instant it became known (a breach, or the met instant);
// - CSAT: good ÷ (good + neutral + bad) over answered surveys, latest answer only; unanswered
//   surveys do not count; traced to the agent and team owning the ticket at resolution;
// - NPS: % promoters (9–10) − % detractors (0–6) over answered NPS surveys.
import type { MetricId, MetricStatistic, MetricUnit } from './contract.ts';
import { joinSql, Sql, sql } from './sql.ts';

/** Bumped whenever a definition below changes meaning; stored with every snapshot. */
export const definitionsVersion = '2026-12-05.2';

export const businessLabel = 'business time (team calendar)';
export const calendarLabel = 'calendar time';

/** What a report is computed over: the period `[from, to)` and the optional filters. */
export interface ReportScope {
  from: Date;
  to: Date;
  /** Backlog is counted as of this instant: the period's end, or now when that is later. */
  asOf: Date;
  teamId?: number;
  queueId?: number;
  agentId?: number;
  channel?: string;
  priority?: string;
}

export interface MetricDefinition {
  id: MetricId;
  label: string;
  description: string;
  unit: MetricUnit;
  statistic: MetricStatistic;
  /** Durations carry business and calendar values. */
  isDuration: boolean;
  /** One row per thing counted; metrics sharing this function are computed in one query. */
  rows(scope: ReportScope): Sql;
  /** Which of the shared rows this metric counts (e.g. backlog older than 7 days), if not all. */
  subset?: Sql;
}

const day = 86_400_000;

// The ticket's own columns every rows query ends with, and the team calendar for business time.
export const ticketColumns = sql`t.team_id, t.queue_id, t.channel, t.priority`;
export const calendarOf = sql`tm.calendar_id`;
export const joinTeam = sql`left join team tm on tm.id = t.team_id`;

// Business ms the calendar had been open before instant `at`: one index look-up of the window
// starting at or before it. Written out here rather than calling the business_ms_at SQL
// function, which PostgreSQL cannot inline (it holds a subquery) and would call once per row.
function businessPosition(calendar: Sql, at: Sql): Sql {
  return sql`coalesce((select bw.ms_before
       + greatest(0, extract(epoch from (least(${at}, bw.ends_at) - bw.starts_at)) * 1000)
      from business_window bw where bw.calendar_id = ${calendar} and bw.starts_at <= ${at}
     order by bw.starts_at desc limit 1), 0)`;
}

/** Business ms from `a` to `b` in the calendar; calendar time when there is none (24x7). */
export function businessMsBetween(calendar: Sql, a: Sql, b: Sql): Sql {
  return sql`(case when ${calendar} is null then extract(epoch from (${b} - ${a})) * 1000
    else ${businessPosition(calendar, b)} - ${businessPosition(calendar, a)} end)`;
}

// A closure that is a merge into another ticket: the workflow records `merged_into` and then
// closes the source with its own status change, with no other status entry between them. The
// source's work goes on in the target, so that closure resolves nothing.
const mergeClosure = sql`(e.kind = 'status_changed' and exists (select 1 from ticket_event m
     where m.ticket_id = e.ticket_id and m.kind = 'merged_into' and m.seq < e.seq
       and not exists (select 1 from ticket_event b
                        where b.ticket_id = e.ticket_id and b.seq > m.seq and b.seq < e.seq
                          and b.kind in ('status_changed', 'auto_closed', 'reopened'))))`;

/**
 * An entry that ends a ticket's work: set resolved or closed, or auto-closed, from unresolved;
 * never the closure of a merge into another ticket.
 */
export const endsWork = sql`((e.kind = 'status_changed' and e.detail->>'to' in ('resolved', 'closed'))
   or e.kind = 'auto_closed') and coalesce(e.detail->>'from', '') not in ('resolved', 'closed')
   and not ${mergeClosure}`;

/** An entry that brings a resolved or closed ticket back to work (alias x). */
export const reopensWork = sql`(x.kind = 'reopened' or (x.kind = 'status_changed'
   and x.detail->>'from' in ('resolved', 'closed') and x.detail->>'to' not in ('resolved', 'closed')))`;

// The agent owning the ticket just before entry `e` (its last assignment, unless unassigned).
export const ownerBefore = sql`(select case when a.kind = 'assigned' then (a.detail->>'agentId')::int end
     from ticket_event a
    where a.ticket_id = e.ticket_id and a.kind in ('assigned', 'unassigned') and a.seq < e.seq
    order by a.seq desc limit 1)`;

// First response, next responses and final resolution are per-ticket facts: derived from the
// timeline by reports/facts.ts (where their definitions live) and stored in report_fact, since
// a year of them would take seconds to derive per request. Here they are only read by period.
/** The kinds of per-ticket facts reports/facts.ts derives. */
export type FactKind =
  | 'first_response'
  | 'next_response'
  | 'resolution'
  | 'reassignment'
  | 'assigned'
  | 'sla_first_response'
  | 'sla_next_response'
  | 'sla_resolution'
  | 'created';

/** A period's facts of one kind, as metric rows. */
export function factRows(kind: FactKind) {
  return (s: ReportScope): Sql => sql`
    select f.ticket_id, f.agent_id, f.team_id, f.queue_id, f.channel, f.priority, f.at,
           f.business_ms, f.calendar_ms, f.value, f.outcome, f.note
      from report_fact f
     where f.kind = ${kind} and f.at >= ${s.from} and f.at < ${s.to}`;
}

const firstResponseRows = factRows('first_response');
const nextResponseRows = factRows('next_response');
const finalResolutionRows = factRows('resolution');

function slaRows(target: 'first_response' | 'next_response' | 'resolution') {
  return factRows(`sla_${target}`);
}

// Open at `asOf`: the ticket's last status-bearing entry before then does not end its work. A
// ticket whose read-model row has not changed since `asOf` is in the same status now as then,
// so only tickets touched after `asOf` need their timeline read (none when asOf is now). The
// two cases are two scans, each on its own index: the open tickets (a partial index) and the
// tickets touched since `asOf` (by status and update time).
function backlogRows(s: ReportScope): Sql {
  const columns = sql`t.id as ticket_id, t.assignee_id as agent_id, ${ticketColumns},
           t.created_at as at, null::double precision as business_ms,
           extract(epoch from (${s.asOf}::timestamptz - t.created_at)) * 1000 as calendar_ms,
           null::numeric as value, null::boolean as outcome,
           'open ' || floor(extract(epoch from (${s.asOf}::timestamptz - t.created_at)) / 86400)
             || ' days' as note`;
  return sql`
    select ${columns} from ticket t
     where t.status not in ('resolved', 'closed') and t.created_at < ${s.asOf}
       and t.updated_at < ${s.asOf}
    union all
    select ${columns} from ticket t
     where t.updated_at >= ${s.asOf} and t.created_at < ${s.asOf}
       and coalesce((
             select not (e.kind = 'auto_closed' or (e.kind = 'status_changed'
                         and e.detail->>'to' in ('resolved', 'closed')))
               from ticket_event e
              where e.ticket_id = t.id and e.at < ${s.asOf}
                and e.kind in ('status_changed', 'auto_closed', 'reopened')
              order by e.seq desc limit 1), true)`;
}

function olderThan(days: number): Sql {
  return sql`calendar_ms > ${days * day}`;
}

// Each `created` entry in the period, owned by the ticket's current agent (a stored fact).
const createdRows = factRows('created');

const reassignmentRows = factRows('reassignment');

// Each ticket's first resolution in the period, and whether a reopen followed it.
function reopenRows(s: ReportScope): Sql {
  return sql`
    select distinct on (f.ticket_id) f.ticket_id, f.agent_id, f.team_id, f.queue_id, f.channel,
           f.priority, f.at, f.business_ms, f.calendar_ms, f.value, f.outcome, f.note
      from report_fact f
     where f.kind = 'resolved' and f.at >= ${s.from} and f.at < ${s.to}
     order by f.ticket_id, f.at, f.nth`;
}

function handleTimeRows(s: ReportScope): Sql {
  return sql`
    select r.ticket_id, r.agent_id, r.team_id, r.queue_id, r.channel, r.priority, r.at,
           null::double precision as business_ms, null::double precision as calendar_ms,
           l.minutes as value, null::boolean as outcome, l.entries || ' time log entries' as note
      from (${finalResolutionRows(s)}) r
      join (select ticket_id, sum(minutes) as minutes, count(*) as entries
              from time_log group by ticket_id) l on l.ticket_id = r.ticket_id`;
}

function csatRows(s: ReportScope): Sql {
  return sql`
    select v.ticket_id, v.agent_id, v.team_id, t.queue_id, t.channel, t.priority,
           v.answered_at as at, null::double precision as business_ms,
           null::double precision as calendar_ms, null::numeric as value,
           v.rating = 'good' as outcome, v.rating as note
      from survey v left join ticket t on t.id = v.ticket_id
     where v.kind = 'csat' and v.rating is not null
       and v.answered_at >= ${s.from} and v.answered_at < ${s.to}`;
}

function npsRows(s: ReportScope): Sql {
  return sql`
    select v.ticket_id, v.agent_id, v.team_id, t.queue_id, t.channel, t.priority,
           v.answered_at as at, null::double precision as business_ms,
           null::double precision as calendar_ms, v.score::numeric as value,
           null::boolean as outcome,
           case when v.score >= 9 then 'promoter' when v.score >= 7 then 'passive'
                else 'detractor' end as note
      from survey v left join ticket t on t.id = v.ticket_id
     where v.kind = 'nps' and v.score is not null
       and v.answered_at >= ${s.from} and v.answered_at < ${s.to}`;
}

function duration(
  id: MetricId,
  label: string,
  description: string,
  rows: (s: ReportScope) => Sql,
): MetricDefinition {
  return { id, label, description, unit: 'minutes', statistic: 'median', isDuration: true, rows };
}

function measure(
  id: MetricId,
  label: string,
  unit: MetricUnit,
  statistic: MetricStatistic,
  description: string,
  rows: (s: ReportScope) => Sql,
  subset?: Sql,
): MetricDefinition {
  return { id, label, description, unit, statistic, isDuration: false, rows, subset };
}

const backlogNote = 'Open at the end of the period (or now): not resolved or closed';

/** Every metric, in dashboard order. */
export const metricDefinitions: readonly MetricDefinition[] = [
  duration(
    'first_response_time',
    'First response time',
    'Median time from creation to the first public reply, for first replies in the period',
    firstResponseRows,
  ),
  duration(
    'next_response_time',
    'Next response time',
    'Median time from the oldest unanswered customer message (after the first response, or ' +
      'a reopen) to the public reply answering it, for replies in the period',
    nextResponseRows,
  ),
  duration(
    'resolution_time',
    'Resolution time',
    'Median time from creation to the last resolution, for tickets resolved in the period ' +
      'and not reopened since',
    finalResolutionRows,
  ),
  measure(
    'sla_first_response_met',
    '% first response SLA met',
    'percent',
    'ratio',
    'First-response targets met ÷ targets decided in the period (a breach decides at once)',
    slaRows('first_response'),
  ),
  measure(
    'sla_next_response_met',
    '% next response SLA met',
    'percent',
    'ratio',
    'Next-response targets met ÷ targets decided in the period',
    slaRows('next_response'),
  ),
  measure(
    'sla_resolution_met',
    '% resolution SLA met',
    'percent',
    'ratio',
    'Resolution targets met ÷ targets decided in the period',
    slaRows('resolution'),
  ),
  measure('backlog_size', 'Backlog', 'count', 'count', backlogNote, backlogRows),
  measure(
    'backlog_over_1_day',
    'Backlog older than 1 day',
    'count',
    'count',
    `${backlogNote}, created more than 1 day (calendar time) before`,
    backlogRows,
    olderThan(1),
  ),
  measure(
    'backlog_over_3_days',
    'Backlog older than 3 days',
    'count',
    'count',
    `${backlogNote}, created more than 3 days (calendar time) before`,
    backlogRows,
    olderThan(3),
  ),
  measure(
    'backlog_over_7_days',
    'Backlog older than 7 days',
    'count',
    'count',
    `${backlogNote}, created more than 7 days (calendar time) before`,
    backlogRows,
    olderThan(7),
  ),
  measure(
    'backlog_over_30_days',
    'Backlog older than 30 days',
    'count',
    'count',
    `${backlogNote}, created more than 30 days (calendar time) before`,
    backlogRows,
    olderThan(30),
  ),
  measure(
    'tickets_created',
    'Tickets created',
    'count',
    'count',
    'Tickets created in the period',
    createdRows,
  ),
  measure(
    'tickets_resolved',
    'Tickets resolved',
    'count',
    'count',
    'Tickets whose last resolution fell in the period and that were not reopened since',
    finalResolutionRows,
  ),
  measure(
    'reassignment_rate',
    'Reassignment rate',
    'percent',
    'ratio',
    'Tickets created in the period and assigned that moved to another agent at least once',
    reassignmentRows,
  ),
  measure(
    'reopen_rate',
    'Reopen rate',
    'percent',
    'ratio',
    'Tickets resolved in the period (first resolution in it) that were reopened afterwards',
    reopenRows,
  ),
  measure(
    'handle_time',
    'Handle time per resolved ticket',
    'minutes',
    'median',
    'Median of the minutes agents logged on each ticket resolved in the period ' +
      '(corrections included); tickets with no time logged are left out',
    handleTimeRows,
  ),
  measure(
    'csat',
    'CSAT',
    'percent',
    'ratio',
    'Good ÷ all answered ratings (neutral counts, unanswered surveys do not), latest answer',
    csatRows,
  ),
  measure(
    'nps',
    'NPS',
    'score',
    'nps',
    '% promoters (9–10) − % detractors (0–6) of NPS answers in the period',
    npsRows,
  ),
];

/** The definition of one metric, or undefined for an unknown id. */
export function metricDefinition(id: string): MetricDefinition | undefined {
  return metricDefinitions.find((m) => m.id === id);
}

/** The rows of a metric with the report's filters applied (one place, for every metric). */
export function filteredRows(
  metric: MetricDefinition,
  s: ReportScope,
  options: { withSubset?: boolean } = {},
): Sql {
  const where: Sql[] = [sql`true`];
  if (s.teamId !== undefined) where.push(sql`r.team_id = ${s.teamId}`);
  if (s.queueId !== undefined) where.push(sql`r.queue_id = ${s.queueId}`);
  if (s.agentId !== undefined) where.push(sql`r.agent_id = ${s.agentId}`);
  if (s.channel !== undefined) where.push(sql`r.channel = ${s.channel}`);
  if (s.priority !== undefined) where.push(sql`r.priority = ${s.priority}`);
  if (metric.subset !== undefined && options.withSubset !== false) {
    where.push(metric.subset);
  }
  return sql`select r.* from (${metric.rows(s)}) r where ${joinSql(where, ' and ')}`;
}

/**
 * Which order statistics a metric's fold needs: durations their business and calendar
 * percentiles, a median of values its value median, every other statistic only counts and
 * sums. Each percentile is a sort of the rows, so a fold skips those its metric never shows.
 */
export type Fold = 'all' | 'durations' | 'values' | 'counts';

/** The fold a metric's headline, comparison and p90 figures are read from. */
export function foldOf(metric: MetricDefinition): Fold {
  if (metric.isDuration) return 'durations';
  return metric.statistic === 'median' ? 'values' : 'counts';
}

/** The one fold every metric's rows go through; which columns matter depends on the statistic. */
export function aggregateOf(rows: Sql, fold: Fold = 'all'): Sql {
  return aggregateFamily(rows, [sql`true`], [fold]);
}

/**
 * Folds rows shared by several metrics once per metric's subset, in one query: the rows are
 * materialised, so each row's business time is looked up once, whatever reads it.
 * Answers one row per subset, in order, with its index in `i`; the percentiles a subset's fold
 * does not need are null.
 */
export function aggregateFamily(rows: Sql, subsets: Sql[], folds?: Fold[]): Sql {
  const parts = subsets.map((subset, i) => {
    const fold = folds?.[i] ?? 'all';
    const durations = fold === 'all' || fold === 'durations';
    // Fixed text only (no input reaches it): a percentile of a column, or null when unneeded.
    const percentile = (q: '0.5' | '0.9', column: string, wanted: boolean) =>
      new Sql(
        wanted ? `percentile_cont(${q}) within group (order by ${column})` : 'null::float8',
        [],
      );
    return sql`
    select ${i} as i, count(*)::int as n,
           ${percentile('0.5', 'business_ms', durations)} / 60000 as business_p50,
           ${percentile('0.9', 'business_ms', durations)} / 60000 as business_p90,
           ${percentile('0.5', 'calendar_ms', durations)} / 60000 as calendar_p50,
           ${percentile('0.9', 'calendar_ms', durations)} / 60000 as calendar_p90,
           ${percentile('0.5', 'value', fold === 'all' || fold === 'values')} as value_p50,
           coalesce(sum(value), 0)::float8 as value_sum,
           count(*) filter (where outcome)::int as successes,
           count(*) filter (where value >= 9)::int as promoters,
           count(*) filter (where value <= 6)::int as detractors
      from m where ${subset}`;
  });
  return sql`with m as materialized (${rows}) ${joinSql(parts, ' union all ')} order by i`;
}

export interface Aggregate {
  n: number;
  business_p50: number | null;
  business_p90: number | null;
  calendar_p50: number | null;
  calendar_p90: number | null;
  value_p50: number | null;
  value_sum: number;
  successes: number;
  promoters: number;
  detractors: number;
}

/** The headline value of a metric from its aggregate; null when there is nothing to measure. */
export function headlineValue(metric: MetricDefinition, a: Aggregate): number | null {
  const round = (x: number | null) => (x === null ? null : Math.round(Number(x) * 10) / 10);
  if (metric.statistic === 'count') return a.n;
  if (a.n === 0) return null;
  switch (metric.statistic) {
    case 'median':
      return round(metric.isDuration ? a.business_p50 : a.value_p50);
    case 'ratio':
      return round((100 * a.successes) / a.n);
    case 'sum':
      return round(a.value_sum);
    case 'nps':
      return round((100 * (a.promoters - a.detractors)) / a.n);
  }
}

/** Rounds a minutes figure to one decimal, keeping null. */
export function roundMinutes(x: unknown): number | null {
  return x === null || x === undefined ? null : Math.round(Number(x) * 10) / 10;
}
