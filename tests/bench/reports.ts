// `npm run bench -- reports`: the lead dashboard's queries over a year of history. Starts its
// own PostgreSQL (BENCH_REPORTS_PG_PORT, default 56504; data in .data/bench-reports, wiped each
// run), migrates, seeds the demo workgroup, generates 100,000 tickets and 1,000,000 timeline
// entries with generate_series (plus time log rows and surveys), and prints each dashboard
// query's median and p95 over ten runs (after one warm-up), for a 30-day period with a 30-day
// baseline (the pilot's view) and for the whole year, with PASS or MISS against 500 ms on the
// p95. The ORM pool is the API server's (openOrm's default), since the dashboard request runs
// its independent queries on connections of their own. The one-off derivation of the
// per-ticket report facts is timed apart (reports/facts.ts). Prints figures; asserts nothing.
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { migrateDatabase, openOrm, type EntityManager } from '../../db/orm.ts';
import { seedDemoWorkgroup } from '../../db/seed.ts';
import { ensureBusinessWindows } from '../../reports/business-windows.ts';
import { refreshFacts } from '../../reports/facts.ts';
import { findStuckTickets } from '../../reports/triage.ts';
import type { ReportQuery, ReportTableId } from '../../reports/contract.ts';
import { measureAgentLoad, planRebalance } from '../../reports/load.ts';
import { metricDefinitions } from '../../reports/metrics.ts';
import {
  aggregateAll,
  aggregateMetric,
  computeReport,
  computeTable,
  drillDown,
  prepareReports,
  scopeOf,
} from '../../reports/report-service.ts';
import { loadConfig, repoRoot } from '../../temporal/config.ts';
import { startPostgres } from '../../temporal/local/postgres.ts';
import { formatTable, ms, percentile, verdict } from './bench-report.ts';

const tickets = 100_000;
const runs = 10;
const targetMs = 500;
const historyEnd = new Date('2026-11-30T00:00:00Z');

/** Runs the reports bench and prints its figures. */
export async function runReportsBench(): Promise<void> {
  const log = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'warn' });
  const dataDir = path.join(repoRoot, '.data', 'bench-reports');
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  const config = loadConfig({
    CASEWORK_DATA_DIR: dataDir,
    CASEWORK_PG_PORT: process.env.BENCH_REPORTS_PG_PORT ?? '56504',
  });
  const postgres = await startPostgres({ config, log });
  try {
    await migrateDatabase({ databaseUrl: postgres.databaseUrl, log });
    await seedDemoWorkgroup({ databaseUrl: postgres.databaseUrl, log });
    const orm = await openOrm({ databaseUrl: postgres.databaseUrl });
    try {
      await measure(orm.em.fork());
    } finally {
      await orm.close();
    }
  } finally {
    await postgres.stop();
  }
}

async function measure(em: EntityManager): Promise<void> {
  const loadStarted = performance.now();
  await generateHistory(em);
  const counts: { t: string; e: string }[] = await em.execute(
    'select (select count(*) from ticket) as t, (select count(*) from ticket_event) as e',
  );
  console.log(
    `Loaded ${counts[0]?.t} tickets and ${counts[0]?.e} timeline entries in ` +
      `${ms(performance.now() - loadStarted)} (generate_series, then ANALYZE).`,
  );
  const layout = performance.now();
  await ensureBusinessWindows(em);
  console.log(
    `Business calendars laid out in ${ms(performance.now() - layout)} (once per revision).`,
  );
  const derive = performance.now();
  const derived = await refreshFacts(em);
  console.log(
    `Report facts of ${derived} tickets derived in ${ms(performance.now() - derive)} ` +
      '(once; later only tickets, calendars or definitions that moved).',
  );
  await em.execute('update ticket set version = version + 1 where id % 1000 = 0');
  const touched = performance.now();
  const rederived = await refreshFacts(em);
  console.log(
    `Report facts of ${rederived} tickets the projection touched re-derived in ` +
      `${ms(performance.now() - touched)} (what a report after busy minutes pays).\n`,
  );

  const day = 86_400_000;
  const pilot: ReportQuery = {
    from: iso(historyEnd.getTime() - 30 * day),
    to: iso(historyEnd.getTime()),
    compareFrom: iso(historyEnd.getTime() - 60 * day),
    compareTo: iso(historyEnd.getTime() - 30 * day),
  };
  const year: ReportQuery = {
    from: iso(historyEnd.getTime() - 365 * day),
    to: iso(historyEnd.getTime()),
  };

  const rows: string[][] = [];
  for (const [name, q] of [
    ['30 days', pilot],
    ['365 days', year],
  ] as const) {
    rows.push(...(await timeQueries(em, name, q)));
  }
  rows.push(...(await timeLeadActions(em)));
  console.log(
    `\n${formatTable(['period', 'query', 'median', 'p95', `p95 < ${targetMs} ms`], rows)}`,
  );
}

async function timeQueries(em: EntityManager, period: string, q: ReportQuery): Promise<string[][]> {
  const scope = scopeOf(q, historyEnd);
  const rows: string[][] = [];
  const add = async (name: string, run: () => Promise<unknown>) => {
    const times = await timesOf(run);
    const p95 = percentile(times, 0.95);
    const row = [period, name, ms(percentile(times, 0.5)), ms(p95), verdict(-p95, -targetMs)];
    console.log(row.join('  '));
    rows.push(row);
  };
  await add('freshness check before each report (nothing changed)', () => prepareReports(em));
  for (const metric of metricDefinitions) {
    await add(`metric ${metric.id}`, () => aggregateMetric(em, metric, scope));
  }
  for (const table of ['agents', 'teams', 'backlog-age', 'daily'] as ReportTableId[]) {
    await add(`table ${table}`, () => computeTable(em, table, q, historyEnd));
  }
  await add('drill-down first_response_time (500 rows)', () =>
    drillDown(em, 'first_response_time', q, { limit: 500, now: historyEnd }),
  );
  await add('drill-down backlog_size (500 rows)', () =>
    drillDown(em, 'backlog_size', q, { limit: 500, now: historyEnd }),
  );
  await add('all 18 metrics (one query per family of shared rows)', () => aggregateAll(em, scope));
  await add('whole dashboard: metrics + comparison + tables (one request)', () =>
    computeReport(em, q, historyEnd),
  );
  return rows;
}

// The lead's panels beside the metrics read open tickets as they are now, whatever the period:
// stuck tickets (business hours idle, past SLA), load per agent and the rebalance preview.
// Knowledge gaps need Meilisearch and are not timed here.
async function timeLeadActions(em: EntityManager): Promise<string[][]> {
  const open: { n: string }[] = await em.execute(
    `select count(*) as n from ticket where status in ('new', 'open')`,
  );
  const stuck = await findStuckTickets({ em, now: historyEnd });
  console.log(`\n${open[0]?.n} open tickets, ${stuck.tickets.length} of them stuck.`);

  const rows: string[][] = [];
  for (const [name, run] of [
    ['stuck tickets (all, most idle first)', () => findStuckTickets({ em, now: historyEnd })],
    ['load per agent', () => measureAgentLoad({ em, now: historyEnd })],
    ['rebalance preview (5 tickets)', () => planRebalance({ em, now: historyEnd, count: 5 })],
  ] as const) {
    const times = await timesOf(run);
    const p95 = percentile(times, 0.95);
    const row = ['now', name, ms(percentile(times, 0.5)), ms(p95), verdict(-p95, -targetMs)];
    console.log(row.join('  '));
    rows.push(row);
  }
  return rows;
}

async function timesOf(run: () => Promise<unknown>): Promise<number[]> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  return times;
}

function iso(msSinceEpoch: number): string {
  return new Date(msSinceEpoch).toISOString();
}

// A year of plausible history: every ticket is created, triaged, assigned and answered; most
// get a customer follow-up and a next reply; 90 % are resolved (some straight from pending),
// 8 % of those reopened; 15 % reassigned; SLA verdicts met or missed by their reply time.
async function generateHistory(em: EntityManager): Promise<void> {
  await em.execute(`insert into requester (name, email)
    select 'Bench requester ' || r, 'bench-' || r || '@customer.test' from generate_series(1, 20000) r`);
  await em.execute(
    `create temporary table bench_plan as
     select i as id,
            ?::timestamptz - interval '365 days' + (i::float8 / ? * interval '365 days') as created_at,
            q.id as queue_id, q.team_id,
            (select a.id from agent a where a.team_id = q.team_id order by a.id
              offset (i % 2) limit 1) as agent_id,
            (select a.id from agent a where a.team_id = q.team_id order by a.id desc limit 1)
              as other_agent_id,
            (array['email','web','chat','phone','social','api'])[1 + i % 6] as channel,
            (array['low','normal','normal','high','urgent'])[1 + i % 5] as priority,
            (1 + (i * 7919) % 20000) as requester_id,
            (5 + (i * 104729) % 2880) * interval '1 minute' as first_reply_after,
            ((i * 31) % 100) as roll
       from generate_series(1::bigint, ?) i
       cross join lateral (select id, team_id from queue order by id offset (i % 2) limit 1) q`,
    [historyEnd, tickets, tickets],
  );
  await em.execute(`insert into ticket (id, subject, status, priority, channel, queue_id, team_id,
       assignee_id, requester_id, created_at, updated_at, last_activity_at, version)
     select id, 'Bench ticket ' || id,
            case when roll < 10 then 'open' when roll < 18 then 'open' else 'resolved' end,
            priority, channel, queue_id, team_id,
            case when roll % 7 = 0 then other_agent_id else agent_id end,
            requester_id, created_at, created_at, created_at, 11
       from bench_plan`);
  await em.execute(
    `insert into ticket_event (ticket_id, seq, kind, at, actor, detail)
     select p.id, s.seq, s.kind, s.at, s.actor, s.detail
       from bench_plan p
       cross join lateral (values
         (1, 'created', p.created_at, 'requester', jsonb_build_object('channel', p.channel)),
         (2, 'triaged', p.created_at + interval '1 minute', 'policy', '{}'::jsonb),
         (3, 'assigned', p.created_at + interval '2 minutes', 'policy',
             jsonb_build_object('agentId', p.agent_id, 'previousAgentId', null)),
         (4, 'sla_met', p.created_at + p.first_reply_after, 'policy',
             jsonb_build_object('target', 'first_response', 'met', p.first_reply_after < interval '8 hours',
               'dueAt', to_char(p.created_at + interval '8 hours', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))),
         (5, 'public_reply', p.created_at + p.first_reply_after, 'agent:' || p.agent_id,
             '{"firstResponse": true}'::jsonb),
         (6, 'customer_message', p.created_at + p.first_reply_after + interval '5 hours', 'requester',
             '{"automated": false}'::jsonb),
         (7, 'public_reply', p.created_at + p.first_reply_after + interval '7 hours',
             'agent:' || p.agent_id, '{"firstResponse": false}'::jsonb),
         (8, case when p.roll % 7 = 0 then 'assigned' else 'internal_note' end,
             p.created_at + p.first_reply_after + interval '8 hours', 'policy',
             jsonb_build_object('agentId', p.other_agent_id, 'previousAgentId', p.agent_id)),
         (9, 'status_changed', p.created_at + p.first_reply_after + interval '30 hours',
             'agent:' || p.agent_id,
             case when p.roll < 10 then '{"from": "open", "to": "pending"}'::jsonb
                  else '{"from": "open", "to": "resolved"}'::jsonb end),
         (10, case when p.roll between 10 and 17 then 'reopened' else 'internal_note' end,
             p.created_at + p.first_reply_after + interval '50 hours', 'requester', '{}'::jsonb)
       ) as s(seq, kind, at, actor, detail)`,
  );
  await em.execute(`insert into time_log (ticket_id, agent_id, minutes, created_at)
    select id, agent_id, 5 + roll % 40, created_at + interval '1 day'
      from bench_plan where roll % 3 = 0`);
  await em.execute(`insert into survey (token, kind, ticket_id, requester_id, agent_id, team_id,
       resolution_seq, sent_at, rating, answered_at)
     select 'bench-' || id, 'csat', id, requester_id, agent_id, team_id, 9,
            created_at + interval '2 days',
            case when roll % 4 = 0 then null else (array['good','neutral','bad'])[1 + roll % 3] end,
            case when roll % 4 = 0 then null else created_at + interval '3 days' end
       from bench_plan where roll >= 18`);
  await em.execute('analyze');
}
