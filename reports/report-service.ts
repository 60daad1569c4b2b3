// reports: runs the metric definitions of reports/metrics.ts for a period and filters and
// shapes the answers of the reports API (reports/contract.ts): the dashboard's numbers with an
// optional comparison period, the per-agent, per-team, backlog-age and daily tables, the
// drill-down to the tickets behind a number, and CSV of each. It decides nothing about what a
// metric means. Read-only, except that it lays out business calendars whose revision moved
// (reports/business-windows.ts) before counting. Tests: tests/reports/.
import type { EntityManager } from '../db/orm.ts';
import { ensureBusinessWindows } from './business-windows.ts';
import { refreshFacts } from './facts.ts';
import type {
  BacklogAgeRow,
  DailyRow,
  DrillDown,
  DrillDownTicket,
  MetricId,
  MetricValue,
  MetricsReport,
  ReportQuery,
  ReportTableId,
  ReportTables,
  WorkloadRow,
} from './contract.ts';
import {
  aggregateFamily,
  aggregateOf,
  businessLabel,
  calendarLabel,
  definitionsVersion,
  factRows,
  filteredRows,
  foldOf,
  headlineValue,
  metricDefinition,
  metricDefinitions,
  roundMinutes,
  type Aggregate,
  type MetricDefinition,
  type ReportScope,
} from './metrics.ts';
import { query, sql, type Row } from './sql.ts';

/** Turns the API's query into the scope the definitions take; `now` bounds the backlog instant. */
export function scopeOf(q: ReportQuery, now: Date = new Date()): ReportScope {
  const from = new Date(q.from);
  const to = new Date(q.to);
  return {
    from,
    to,
    asOf: to.getTime() < now.getTime() ? to : now,
    teamId: q.teamId,
    queueId: q.queueId,
    agentId: q.agentId,
    channel: q.channel,
    priority: q.priority,
  };
}

function comparisonScopeOf(q: ReportQuery, now: Date): ReportScope | null {
  if (q.compareFrom === undefined || q.compareTo === undefined) return null;
  return scopeOf({ ...q, from: q.compareFrom, to: q.compareTo }, now);
}

/** Computes one metric's aggregate for a scope. */
export async function aggregateMetric(
  em: EntityManager,
  metric: MetricDefinition,
  scope: ReportScope,
): Promise<Aggregate> {
  const rows = await query(em, aggregateOf(filteredRows(metric, scope), foldOf(metric)));
  return normaliseAggregate(rows[0] ?? {});
}

function normaliseAggregate(row: Row): Aggregate {
  const num = (x: unknown) => (x === null || x === undefined ? null : Number(x));
  return {
    n: Number(row.n ?? 0),
    business_p50: num(row.business_p50),
    business_p90: num(row.business_p90),
    calendar_p50: num(row.calendar_p50),
    calendar_p90: num(row.calendar_p90),
    value_p50: num(row.value_p50),
    value_sum: Number(row.value_sum ?? 0),
    successes: Number(row.successes ?? 0),
    promoters: Number(row.promoters ?? 0),
    detractors: Number(row.detractors ?? 0),
  };
}

/** The query string of a report (filters and period), for drill-down and CSV links. */
export function queryString(q: ReportQuery, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...q, ...extra })) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  return params.toString();
}

function metricValue(
  metric: MetricDefinition,
  a: Aggregate,
  compared: Aggregate | null,
  q: ReportQuery,
): MetricValue {
  const value: MetricValue = {
    id: metric.id,
    label: metric.label,
    description: metric.description,
    unit: metric.unit,
    statistic: metric.statistic,
    value: headlineValue(metric, a),
    sampleSize: a.n,
    drillDown: `/api/reports/metrics/${metric.id}/tickets?${queryString(q)}`,
  };
  if (metric.isDuration) {
    Object.assign(value, {
      businessValue: roundMinutes(a.business_p50),
      businessLabel,
      calendarValue: roundMinutes(a.calendar_p50),
      calendarLabel,
      p90BusinessValue: roundMinutes(a.business_p90),
      p90CalendarValue: roundMinutes(a.calendar_p90),
    });
  }
  if (compared !== null) {
    value.comparisonValue = headlineValue(metric, compared);
    value.comparisonSampleSize = compared.n;
    if (metric.isDuration) {
      value.comparisonBusinessValue = roundMinutes(compared.business_p50);
      value.comparisonCalendarValue = roundMinutes(compared.calendar_p50);
    }
  }
  return value;
}

/**
 * Brings what the metrics read up to date: calendars whose revision moved are laid out again,
 * then the per-ticket facts of tickets, calendars or definitions that moved are re-derived.
 */
export async function prepareReports(em: EntityManager): Promise<void> {
  await ensureBusinessWindows(em);
  await refreshFacts(em);
}

/** Every metric for the period (and comparison period), in dashboard order. */
export async function computeMetrics(
  em: EntityManager,
  q: ReportQuery,
  now: Date = new Date(),
  options: { prepared?: boolean } = {},
): Promise<MetricValue[]> {
  if (options.prepared !== true) await prepareReports(em);
  const comparison = comparisonScopeOf(q, now);
  // The period and its baseline on two connections at once: they share nothing.
  const [current, baseline] = await Promise.all([
    aggregateAll(em.fork(), scopeOf(q, now)),
    comparison === null ? null : aggregateAll(em.fork(), comparison),
  ]);
  return metricDefinitions.map((metric) =>
    metricValue(metric, current.get(metric.id)!, baseline?.get(metric.id) ?? null, q),
  );
}

/** Every metric's aggregate, one query per family of metrics sharing their rows. */
export async function aggregateAll(
  em: EntityManager,
  scope: ReportScope,
): Promise<Map<MetricId, Aggregate>> {
  const families = new Map<MetricDefinition['rows'], MetricDefinition[]>();
  for (const metric of metricDefinitions) {
    families.set(metric.rows, [...(families.get(metric.rows) ?? []), metric]);
  }

  // The families share nothing: each is folded on a connection of its own, all at once.
  const aggregates = new Map<MetricId, Aggregate>();
  await Promise.all(
    [...families.values()].map(async (members) => {
      const rows = filteredRows(members[0]!, scope, { withSubset: false });
      const subsets = members.map((m) => m.subset ?? sql`true`);
      const folds = members.map(foldOf);
      const folded = await query(em.fork(), aggregateFamily(rows, subsets, folds));
      members.forEach((m, i) => aggregates.set(m.id, normaliseAggregate(folded[i] ?? {})));
    }),
  );
  return aggregates;
}

/** The whole dashboard answer: numbers, tables and where their CSV lives. */
export async function computeReport(
  em: EntityManager,
  q: ReportQuery,
  now: Date = new Date(),
): Promise<MetricsReport> {
  await prepareReports(em);
  const [metrics, tables] = await Promise.all([
    computeMetrics(em.fork(), q, now, { prepared: true }),
    computeTables(em.fork(), q, now, { prepared: true }),
  ]);
  const csv = (id: ReportTableId) =>
    `/api/reports/tables/${id}?${queryString(q, { format: 'csv' })}`;
  const report: MetricsReport = {
    definitionsVersion,
    period: { from: scopeOf(q, now).from.toISOString(), to: scopeOf(q, now).to.toISOString() },
    filters: {
      teamId: q.teamId,
      queueId: q.queueId,
      agentId: q.agentId,
      channel: q.channel,
      priority: q.priority,
    },
    generatedAt: now.toISOString(),
    metrics,
    tables,
    tableCsv: {
      agents: csv('agents'),
      teams: csv('teams'),
      'backlog-age': csv('backlog-age'),
      daily: csv('daily'),
    },
  };
  const comparison = comparisonScopeOf(q, now);
  if (comparison !== null) {
    report.comparison = { from: comparison.from.toISOString(), to: comparison.to.toISOString() };
  }
  return report;
}

/** All four tables of the dashboard. */
export async function computeTables(
  em: EntityManager,
  q: ReportQuery,
  now: Date = new Date(),
  options: { prepared?: boolean } = {},
): Promise<ReportTables> {
  if (options.prepared !== true) await prepareReports(em);
  const scope = scopeOf(q, now);
  const comparison = comparisonScopeOf(q, now);
  // Each table on its own connection: they are independent reads.
  const [{ agent: agents, team: teams }, backlogAge, daily, comparisonDaily] = await Promise.all([
    workloadTables(em.fork(), scope, ['agent', 'team']),
    backlogAgeTable(em.fork(), scope),
    dailyTable(em.fork(), scope),
    comparison === null ? null : dailyTable(em.fork(), comparison),
  ]);
  const tables: ReportTables = { agents, teams, backlogAge, daily };
  if (comparisonDaily !== null) tables.comparisonDaily = comparisonDaily;
  return tables;
}

/** One table by id, for its own endpoint and CSV. */
export async function computeTable(
  em: EntityManager,
  id: ReportTableId,
  q: ReportQuery,
  now: Date = new Date(),
): Promise<Row[]> {
  await prepareReports(em);
  const scope = scopeOf(q, now);
  switch (id) {
    case 'agents':
      return (await workloadTable(em, scope, 'agent')) as unknown as Row[];
    case 'teams':
      return (await workloadTable(em, scope, 'team')) as unknown as Row[];
    case 'backlog-age':
      return (await backlogAgeTable(em, scope)) as unknown as Row[];
    case 'daily':
      return (await dailyTable(em, scope)) as unknown as Row[];
  }
}

function rowsOf(id: MetricId, scope: ReportScope) {
  return filteredRows(metricDefinition(id)!, scope);
}

// The per-agent or per-team table: each column is one metric's rows grouped by its owner, so
// a table cell and the metric's drill-down filtered to that agent always agree.
async function workloadTable(
  em: EntityManager,
  scope: ReportScope,
  by: 'agent' | 'team',
): Promise<WorkloadRow[]> {
  return (await workloadTables(em, scope, [by]))[by];
}

// Both tables read the same rows: one query groups each metric's rows by agent and by team at
// once (grouping sets), so a dashboard reads a period's facts once for the two tables; `owners`
// says which of the two the caller wants back.
async function workloadTables(
  em: EntityManager,
  scope: ReportScope,
  owners: ('agent' | 'team')[],
): Promise<Record<'agent' | 'team', WorkloadRow[]>> {
  const group = sql`group by grouping sets ((agent_id), (team_id))`;
  const owner = sql`case when grouping(agent_id) = 0 then 'agent' else 'team' end as owner,
    case when grouping(agent_id) = 0 then agent_id else team_id end as k`;
  const resolved = rowsOf('tickets_resolved', scope);
  const firstReplies = rowsOf('first_response_time', scope);
  const csat = rowsOf('csat', scope);
  const backlogNow = rowsOf('backlog_size', { ...scope, asOf: scope.asOf });
  const assigned = assignedRows(scope);
  const logged = loggedRows(scope);

  const rows = await query(
    em,
    sql`
    with resolved as (select ${owner}, count(*)::int as n from (${resolved}) r ${group}),
    assigned as (select ${owner}, count(distinct ticket_id)::int as n from (${assigned}) r
                  ${group}),
    open_now as (select ${owner}, count(*)::int as n from (${backlogNow}) r ${group}),
    first_replies as (
      select ${owner},
             percentile_cont(0.5) within group (order by business_ms) / 60000 as b,
             percentile_cont(0.5) within group (order by calendar_ms) / 60000 as c
        from (${firstReplies}) r ${group}),
    logged as (select ${owner}, sum(minutes)::float8 as m from (${logged}) r ${group}),
    csat as (select ${owner}, count(*)::int as n, count(*) filter (where outcome)::int as good
               from (${csat}) r ${group}),
    keys as (select owner, k from resolved union select owner, k from assigned
             union select owner, k from open_now union select owner, k from first_replies
             union select owner, k from logged union select owner, k from csat)
    select keys.owner, keys.k, coalesce(assigned.n, 0) as assigned,
           coalesce(resolved.n, 0) as resolved, coalesce(open_now.n, 0) as open_now,
           first_replies.b, first_replies.c, coalesce(logged.m, 0) as logged,
           coalesce(csat.n, 0) as csat_n, coalesce(csat.good, 0) as csat_good
      from keys
      left join resolved using (owner, k) left join assigned using (owner, k)
      left join open_now using (owner, k) left join first_replies using (owner, k)
      left join logged using (owner, k) left join csat using (owner, k)
     where keys.k is not null`,
  );
  const tables: Record<'agent' | 'team', WorkloadRow[]> = { agent: [], team: [] };
  for (const by of owners) {
    const names = await ownerNames(em, by);
    tables[by] = rows
      .filter((r) => r.owner === by)
      .map((r) => workloadRow(r, by, names))
      .sort((a, b) => b.ticketsResolved - a.ticketsResolved || b.openNow - a.openNow);
  }
  return tables;
}

function workloadRow(
  r: Row,
  by: 'agent' | 'team',
  names: Map<number, { name: string; teamId: number | null; teamName: string | null }>,
): WorkloadRow {
  const id = Number(r.k);
  const known = names.get(id);
  const csatN = Number(r.csat_n);
  const row: WorkloadRow = {
    teamId: by === 'team' ? id : (known?.teamId ?? null),
    teamName: by === 'team' ? (known?.name ?? null) : (known?.teamName ?? null),
    ticketsAssigned: Number(r.assigned),
    ticketsResolved: Number(r.resolved),
    openNow: Number(r.open_now),
    medianFirstResponseBusinessMinutes: roundMinutes(r.b),
    medianFirstResponseCalendarMinutes: roundMinutes(r.c),
    handleMinutes: roundMinutes(r.logged) ?? 0,
    csatPercent: csatN === 0 ? null : Math.round((1000 * Number(r.csat_good)) / csatN) / 10,
    csatResponses: csatN,
  };
  if (by === 'agent') return { agentId: id, agentName: known?.name ?? `agent ${id}`, ...row };
  return row;
}

async function ownerNames(
  em: EntityManager,
  by: 'agent' | 'team',
): Promise<Map<number, { name: string; teamId: number | null; teamName: string | null }>> {
  const rows: Row[] =
    by === 'agent'
      ? await em.execute(
          `select a.id, a.name, a.team_id, t.name as team_name
             from agent a left join team t on t.id = a.team_id`,
        )
      : await em.execute('select id, name, null as team_id, null as team_name from team');
  return new Map(
    rows.map((r) => [
      Number(r.id),
      {
        name: String(r.name),
        teamId: r.team_id === null ? null : Number(r.team_id),
        teamName: r.team_name === null ? null : String(r.team_name),
      },
    ]),
  );
}

// Assignments made in the period, with the same columns as metric rows, filtered alike.
function assignedRows(s: ReportScope) {
  return filteredRows({ ...metricDefinition('tickets_created')!, rows: factRows('assigned') }, s);
}

// Time logged in the period by each agent (by when it was logged), filtered alike.
function loggedRows(s: ReportScope) {
  return filteredRows(
    {
      ...metricDefinition('handle_time')!,
      rows: () => sql`
        select l.ticket_id, l.agent_id, t.team_id, t.queue_id, t.channel, t.priority,
               l.created_at as at, l.minutes
          from time_log l left join ticket t on t.id = l.ticket_id
         where l.created_at >= ${s.from} and l.created_at < ${s.to}`,
    },
    s,
  );
}

const ageBuckets: { bucket: BacklogAgeRow['bucket']; label: string; lo: number; hi: number }[] = [
  { bucket: 'under_1_day', label: 'under 1 day', lo: 0, hi: 1 },
  { bucket: '1_to_3_days', label: '1 to 3 days', lo: 1, hi: 3 },
  { bucket: '3_to_7_days', label: '3 to 7 days', lo: 3, hi: 7 },
  { bucket: '7_to_30_days', label: '7 to 30 days', lo: 7, hi: 30 },
  { bucket: 'over_30_days', label: 'over 30 days', lo: 30, hi: Number.POSITIVE_INFINITY },
];

async function backlogAgeTable(em: EntityManager, scope: ReportScope): Promise<BacklogAgeRow[]> {
  const rows = await query(
    em,
    sql`select calendar_ms / 86400000 as age_days from (${rowsOf('backlog_size', scope)}) r`,
  );
  const ages = rows.map((r) => Number(r.age_days));
  return ageBuckets.map(({ bucket, label, lo, hi }) => ({
    bucket,
    label: `${label} (calendar time)`,
    count: ages.filter((age) => (lo === 0 || age > lo) && age <= hi).length,
  }));
}

async function dailyTable(em: EntityManager, scope: ReportScope): Promise<DailyRow[]> {
  const byDay = (id: MetricId) =>
    sql`select (r.at at time zone 'UTC')::date as d, r.* from (${rowsOf(id, scope)}) r`;
  const breaches = filteredRows(
    {
      ...metricDefinition('tickets_created')!,
      rows: () => sql`
        select t.id as ticket_id, t.assignee_id as agent_id, t.team_id, t.queue_id, t.channel,
               t.priority, e.at
          from ticket_event e join ticket t on t.id = e.ticket_id
         where e.kind = 'sla_breached' and e.at >= ${scope.from} and e.at < ${scope.to}`,
    },
    scope,
  );
  const rows = await query(
    em,
    sql`
    with days as (
      select generate_series((${scope.from}::timestamptz at time zone 'UTC')::date,
                             ((${scope.to}::timestamptz - interval '1 microsecond')
                               at time zone 'UTC')::date, interval '1 day')::date as d
    ), created as (select d, count(*)::int as n from (${byDay('tickets_created')}) x group by d),
    resolved as (select d, count(*)::int as n from (${byDay('tickets_resolved')}) x group by d),
    replies as (
      select d, count(*)::int as n,
             percentile_cont(0.5) within group (order by business_ms) / 60000 as b
        from (${byDay('first_response_time')}) x group by d),
    breaches as (select (at at time zone 'UTC')::date as d, count(*)::int as n
                   from (${breaches}) x group by 1)
    select to_char(days.d, 'YYYY-MM-DD') as date, coalesce(created.n, 0) as created,
           coalesce(resolved.n, 0) as resolved, coalesce(replies.n, 0) as first_responses,
           replies.b, coalesce(breaches.n, 0) as breaches
      from days left join created using (d) left join resolved using (d)
      left join replies using (d) left join breaches using (d)
     order by days.d`,
  );
  return rows.map((r) => ({
    date: String(r.date),
    created: Number(r.created),
    resolved: Number(r.resolved),
    firstResponses: Number(r.first_responses),
    medianFirstResponseBusinessMinutes: roundMinutes(r.b),
    slaBreaches: Number(r.breaches),
  }));
}

/** The tickets behind one metric's number, with what each contributed. */
export async function drillDown(
  em: EntityManager,
  metricId: MetricId,
  q: ReportQuery,
  options: { limit: number; now?: Date },
): Promise<DrillDown> {
  await prepareReports(em);
  const metric = metricDefinition(metricId)!;
  const scope = scopeOf(q, options.now ?? new Date());
  // The page first (newest first, names joined for its rows only), then the count apart:
  // counting inside the page query would make it sort every row of a long period.
  const rows = await query(
    em,
    sql`
    with page as (
      select r.* from (${filteredRows(metric, scope)}) r
       order by r.at desc, r.ticket_id limit ${options.limit}
    )
    select r.ticket_id, r.agent_id, r.team_id, r.queue_id, r.business_ms, r.calendar_ms, r.value,
           r.note, t.subject, t.status, t.priority, t.channel, t.created_at,
           tm.name as team_name, q.name as queue_name, a.name as agent_name
      from page r
      left join ticket t on t.id = r.ticket_id
      left join team tm on tm.id = r.team_id
      left join queue q on q.id = r.queue_id
      left join agent a on a.id = r.agent_id
     order by r.at desc, r.ticket_id`,
  );
  const counted = await query(
    em,
    sql`select count(*)::int as n from (${filteredRows(metric, scope)}) r`,
  );
  return {
    definitionsVersion,
    metricId,
    label: metric.label,
    period: { from: scope.from.toISOString(), to: scope.to.toISOString() },
    total: Number(counted[0]?.n ?? 0),
    tickets: rows.map((r) => drillDownTicket(r, metric)),
  };
}

function drillDownTicket(r: Row, metric: MetricDefinition): DrillDownTicket {
  const minutes = (ms: unknown) => (ms === null ? null : roundMinutes(Number(ms) / 60000));
  const isCalendarOnly = metric.id.startsWith('backlog');
  return {
    id: Number(r.ticket_id),
    subject: String(r.subject ?? ''),
    status: r.status as DrillDownTicket['status'],
    priority: r.priority as DrillDownTicket['priority'],
    channel: r.channel as DrillDownTicket['channel'],
    teamId: r.team_id === null ? null : Number(r.team_id),
    teamName: (r.team_name as string | null) ?? null,
    queueId: r.queue_id === null ? null : Number(r.queue_id),
    queueName: (r.queue_name as string | null) ?? null,
    agentId: r.agent_id === null ? null : Number(r.agent_id),
    agentName: (r.agent_name as string | null) ?? null,
    createdAt: r.created_at === null ? '' : new Date(r.created_at as string).toISOString(),
    businessValue: metric.isDuration ? minutes(r.business_ms) : roundMinutes(r.value),
    calendarValue: metric.isDuration || isCalendarOnly ? minutes(r.calendar_ms) : null,
    note: (r.note as string | null) ?? null,
  };
}
