// `npm run bench -- intake`: how many tickets per second Casework takes in and gets triaged and
// assigned, on real services, compared with what the same Temporal server does for empty
// workflows. The worker and the API server run as child processes, each with its own event
// loop as in production, while this process generates the HTTP load and watches the read model.
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import pino, { type Logger } from 'pino';
import { connectTemporalClient } from '../../temporal/client.ts';
import { figure, formatTable, ms, percentile, verdict } from './bench-report.ts';
import { startBenchServices, type BenchServices } from './bench-services.ts';
import {
  BenchRole,
  cpuSecondsByChild,
  machineCpuSeconds,
  startBenchChild,
} from './child-processes.ts';
import { measureEmptyWorkflowReference, type EmptyWorkflowResult } from './empty-workflow.ts';
import { sampleWorkflowTaskTimings, type WorkflowTaskTimings } from './ticket-histories.ts';

/** How hard and how long the bench pushes; each has a BENCH_* variable. */
export interface IntakeBenchSettings {
  durationMs: number;
  concurrency: number;
  maxTickets: number;
  /** Requests started per second at most; 0 sends as fast as `concurrency` allows. */
  ratePerSecond: number;
  drainTimeoutMs: number;
  emptyConcurrency: number;
  emptyDurationMs: number;
}

/** One ticket the API accepted, and when the read model showed it triaged and assigned. */
interface TicketSample {
  ticketId: number;
  sentAt: number;
  acceptedAt: number;
  assignedAt: number | null;
}

interface LoadResult {
  tickets: TicketSample[];
  apiLatencyMs: number[];
  failures: number;
  firstFailure: string | null;
  startedAt: number;
  endedAt: number;
}

const targetTicketsPerSecond = 150;
const targetShareOfEmptyRate = 0.5;
const pollIntervalMs = 50;
const warmUpTickets = 40;

/** Reads the bench settings from BENCH_* variables, with defaults sized for a 2-core machine. */
export function intakeBenchSettings(env: NodeJS.ProcessEnv = process.env): IntakeBenchSettings {
  const number = (name: string, fallback: number) => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) {
      throw new Error(`${name} must be a non-negative number, got "${raw}".`);
    }
    return value;
  };
  return {
    durationMs: number('BENCH_DURATION_S', 20) * 1000,
    concurrency: number('BENCH_CONCURRENCY', 32),
    maxTickets: number('BENCH_MAX_TICKETS', 8000),
    ratePerSecond: number('BENCH_RATE', 0),
    drainTimeoutMs: number('BENCH_DRAIN_TIMEOUT_S', 120) * 1000,
    emptyConcurrency: number('BENCH_EMPTY_CONCURRENCY', 64),
    emptyDurationMs: number('BENCH_EMPTY_DURATION_S', 15) * 1000,
  };
}

/** Runs the reference and the intake load, prints the tables, and stops all it started. */
export async function runIntakeBench(): Promise<void> {
  const settings = intakeBenchSettings();
  const log = pino({ level: process.env.BENCH_DRIVER_LOG_LEVEL ?? 'warn' });

  console.log('starting PostgreSQL, Temporal and Meilisearch for the bench ...');
  const bench = await startBenchServices({ log });
  try {
    const empty = await measureEmptyWorkflowReference(bench, {
      concurrency: settings.emptyConcurrency,
      durationMs: settings.emptyDurationMs,
    });
    console.log(`empty workflows: ${figure(empty.workflowsPerSecond)}/s`);
    await runIntake(bench, settings, empty, log);
  } finally {
    await bench.services.stop();
  }
}

async function runIntake(
  bench: BenchServices,
  settings: IntakeBenchSettings,
  empty: EmptyWorkflowResult,
  log: Logger,
): Promise<void> {
  const worker = await startBenchChild(bench, BenchRole.TicketWorker);
  const server = await startBenchChild(bench, BenchRole.Server);
  const database = new pg.Pool({ connectionString: bench.services.databaseUrl, max: 1 });
  try {
    const url = `http://127.0.0.1:${bench.config.http.port}`;
    console.log('warming up ...');
    await postAndWait({ url, database, settings: { ...settings, maxTickets: warmUpTickets } });

    console.log(
      `intake: ${settings.durationMs / 1000} s at concurrency ${settings.concurrency}` +
        (settings.ratePerSecond > 0 ? `, at most ${settings.ratePerSecond} requests/s` : '') +
        ' ...',
    );
    const cpuBefore = cpuSnapshot();
    const load = await postAndWait({ url, database, settings });
    const cpuAfter = cpuSnapshot();

    const timings = await sampleTimings(bench, load);
    printResults({ settings, empty, load, cpuBefore, cpuAfter, timings });
  } finally {
    await database.end();
    await server.stop();
    await worker.stop();
    log.debug('intake bench children stopped');
  }
}

interface CpuSnapshot {
  byProcess: Map<string, number>;
  machine: { busy: number; idle: number };
}

function cpuSnapshot(): CpuSnapshot {
  return { byProcess: cpuSecondsByChild(), machine: machineCpuSeconds() };
}

/** Posts tickets for the window, then waits until every accepted one is triaged and assigned. */
async function postAndWait(options: {
  url: string;
  database: pg.Pool;
  settings: IntakeBenchSettings;
}): Promise<LoadResult> {
  const waiting = new Map<number, TicketSample>();
  const watcher = watchAssignments({ database: options.database, waiting });

  const load = await postTickets({ ...options, waiting });
  await watcher.drain(options.settings.drainTimeoutMs);
  return load;
}

/** Polls the read model for waiting tickets that are open with an assignee, stamping when seen. */
function watchAssignments(options: { database: pg.Pool; waiting: Map<number, TicketSample> }) {
  let stopped = false;
  const poll = async () => {
    const ids = [...options.waiting.keys()];
    if (ids.length === 0) return;
    const result = await options.database.query<{ id: string }>(
      `select id from ticket
        where id = any($1::bigint[]) and assignee_id is not null and status = 'open'`,
      [ids],
    );
    const now = performance.now();
    for (const row of result.rows) {
      const sample = options.waiting.get(Number(row.id));
      if (sample === undefined) continue;
      sample.assignedAt = now;
      options.waiting.delete(sample.ticketId);
    }
  };
  const running = (async () => {
    while (!stopped) {
      await poll();
      await sleep(pollIntervalMs);
    }
  })();

  return {
    /** Resolves once nothing waits any more, or the timeout passed; then stops polling. */
    async drain(timeoutMs: number): Promise<void> {
      const deadline = performance.now() + timeoutMs;
      while (options.waiting.size > 0 && performance.now() < deadline) await sleep(pollIntervalMs);
      stopped = true;
      await running;
    },
  };
}

/** Keeps `concurrency` POST /api/tickets in flight for the window; each accepted ticket waits. */
async function postTickets(options: {
  url: string;
  settings: IntakeBenchSettings;
  waiting: Map<number, TicketSample>;
}): Promise<LoadResult> {
  const { settings } = options;
  const runId = Date.now().toString(36);
  const result: LoadResult = {
    tickets: [],
    apiLatencyMs: [],
    failures: 0,
    firstFailure: null,
    startedAt: performance.now(),
    endedAt: 0,
  };
  const deadline = result.startedAt + settings.durationMs;
  let sent = 0;

  const lane = async () => {
    while (performance.now() < deadline && sent < settings.maxTickets) {
      const number = sent++;
      await keepToRate(result.startedAt, number, settings.ratePerSecond);
      // A request whose turn comes after the window is not sent, so a rate run ends on time.
      if (performance.now() >= deadline) break;
      await postOne({ ...options, key: `${runId}-${number}`, number, result });
    }
  };
  await Promise.all(Array.from({ length: settings.concurrency }, lane));
  result.endedAt = performance.now();
  return result;
}

/** With a rate set, request n may not start before n / rate seconds into the window. */
async function keepToRate(startedAt: number, n: number, ratePerSecond: number): Promise<void> {
  if (ratePerSecond <= 0) return;
  const due = startedAt + (n * 1000) / ratePerSecond;
  const wait = due - performance.now();
  if (wait > 0) await sleep(wait);
}

async function postOne(options: {
  url: string;
  key: string;
  number: number;
  result: LoadResult;
  waiting: Map<number, TicketSample>;
}): Promise<void> {
  const { result } = options;
  const sentAt = performance.now();
  try {
    const response = await fetch(`${options.url}/api/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': options.key },
      body: JSON.stringify(ticketRequest(options.number)),
    });
    const body = (await response.json()) as { ticketId?: number; detail?: string };
    if (response.status !== 201 || body.ticketId === undefined) {
      throw new Error(`POST /api/tickets answered ${response.status}: ${body.detail ?? ''}`);
    }

    const acceptedAt = performance.now();
    const sample = { ticketId: body.ticketId, sentAt, acceptedAt, assignedAt: null };
    result.apiLatencyMs.push(acceptedAt - sentAt);
    result.tickets.push(sample);
    options.waiting.set(sample.ticketId, sample);
  } catch (error) {
    result.failures += 1;
    result.firstFailure ??= error instanceof Error ? error.message : String(error);
  }
}

/** A plausible web-form ticket; one in five is about billing, so both queues get work. */
function ticketRequest(number: number) {
  const isBilling = number % 5 === 0;
  return {
    requester: {
      email: `customer-${number % 500}@bench.example`,
      name: `Customer ${number % 500}`,
    },
    subject: isBilling ? `Question about invoice ${number}` : `Cannot export report ${number}`,
    body: isBilling
      ? 'I was charged twice this month; please refund the second payment.'
      : 'The export button spins and nothing downloads. It worked last week.',
  };
}

async function sampleTimings(bench: BenchServices, load: LoadResult): Promise<WorkflowTaskTimings> {
  const temporal = await connectTemporalClient({
    address: bench.services.temporalAddress,
    namespace: bench.services.temporalNamespace,
  });
  try {
    const ticketIds = load.tickets.map((ticket) => ticket.ticketId);
    return await sampleWorkflowTaskTimings({ client: temporal.client, ticketIds, sample: 40 });
  } finally {
    await temporal.close();
  }
}

function printResults(options: {
  settings: IntakeBenchSettings;
  empty: EmptyWorkflowResult;
  load: LoadResult;
  cpuBefore: CpuSnapshot;
  cpuAfter: CpuSnapshot;
  timings: WorkflowTaskTimings;
}): void {
  const { empty, load } = options;
  const figures = throughputOf(load);
  const ratio = figures.endToEndPerSecond / empty.workflowsPerSecond;

  console.log('\nCasework intake bench: results\n');
  console.log(
    formatTable(
      ['figure', 'value', 'target', 'result'],
      [
        ['empty workflows/s (reference)', figure(empty.workflowsPerSecond), '', ''],
        [
          'tickets/s end to end',
          figure(figures.endToEndPerSecond),
          `>= ${targetTicketsPerSecond}`,
          verdict(figures.endToEndPerSecond, targetTicketsPerSecond),
        ],
        [
          'ratio to empty-workflow rate',
          figure(ratio, 2),
          `>= ${targetShareOfEmptyRate}`,
          verdict(ratio, targetShareOfEmptyRate),
        ],
        ['API latency p50', ms(percentile(load.apiLatencyMs, 0.5)), '', ''],
        ['API latency p99', ms(percentile(load.apiLatencyMs, 0.99)), '', ''],
      ],
    ),
  );

  console.log('\nDetails\n');
  console.log(formatTable(['figure', 'value'], detailRows(options, figures)));
  console.log('\nCPU during the load and drain (cores busy on average)\n');
  console.log(formatTable(['process', 'cores'], cpuRows(options)));
}

interface Throughput {
  accepted: number;
  assigned: number;
  endToEndPerSecond: number;
  acceptedPerSecond: number;
  assignedInWindowPerSecond: number;
  drainMs: number;
  measuredSeconds: number;
  endToEndMs: number[];
}

/**
 * End to end is every ticket assigned, divided by the time from the first request to the
 * last assignment, so a backlog the API built up but the worker had not cleared counts.
 */
function throughputOf(load: LoadResult): Throughput {
  const assigned = load.tickets.filter((t) => t.assignedAt !== null);
  const lastAssigned = Math.max(...assigned.map((t) => t.assignedAt!));
  const windowSeconds = (load.endedAt - load.startedAt) / 1000;
  const measuredSeconds = (lastAssigned - load.startedAt) / 1000;
  const inWindow = assigned.filter((t) => t.assignedAt! <= load.endedAt).length;
  return {
    accepted: load.tickets.length,
    assigned: assigned.length,
    endToEndPerSecond: assigned.length / measuredSeconds,
    acceptedPerSecond: load.tickets.length / windowSeconds,
    assignedInWindowPerSecond: inWindow / windowSeconds,
    drainMs: Math.max(0, lastAssigned - load.endedAt),
    measuredSeconds,
    endToEndMs: assigned.map((t) => t.assignedAt! - t.acceptedAt),
  };
}

function detailRows(
  options: {
    settings: IntakeBenchSettings;
    empty: EmptyWorkflowResult;
    load: LoadResult;
    timings: WorkflowTaskTimings;
  },
  figures: Throughput,
): string[][] {
  const { settings, empty, load, timings } = options;
  const rows = [
    [
      'empty workflows completed / failed',
      `${empty.completed} / ${empty.failed} in ${figure(empty.seconds)} s at concurrency ${empty.concurrency}`,
    ],
    [
      'load window',
      `${figure((load.endedAt - load.startedAt) / 1000)} s at concurrency ${settings.concurrency}`,
    ],
    ['tickets accepted (201) / failed requests', `${figures.accepted} / ${load.failures}`],
    ['tickets triaged and assigned', `${figures.assigned}`],
    ['API accepted/s over the window', figure(figures.acceptedPerSecond)],
    ['assigned/s within the window', figure(figures.assignedInWindowPerSecond)],
    ['tail drain after the window', ms(figures.drainMs)],
    [
      'accept to assigned p50 / p99',
      `${ms(percentile(figures.endToEndMs, 0.5))} / ${ms(percentile(figures.endToEndMs, 0.99))}`,
    ],
    [
      'first workflow task: schedule to start p50 / p99',
      `${ms(percentile(timings.scheduleToStartMs, 0.5))} / ${ms(percentile(timings.scheduleToStartMs, 0.99))}`,
    ],
    [
      'first workflow task: start to complete p50 / p99',
      `${ms(percentile(timings.startToCompleteMs, 0.5))} / ${ms(percentile(timings.startToCompleteMs, 0.99))}`,
    ],
    [
      'workflow tasks / local-activity markers per ticket (median)',
      `${percentile(timings.workflowTasksPerTicket, 0.5)} / ${percentile(timings.markersPerTicket, 0.5)} over ${timings.sampled} sampled`,
    ],
  ];
  if (load.firstFailure !== null) rows.push(['first failed request', load.firstFailure]);
  if (empty.firstFailure !== null) rows.push(['first failed empty workflow', empty.firstFailure]);
  return rows;
}

/**
 * Cores each bench process kept busy, then everything else on the machine: on a shared
 * machine, other people's processes take cores the bench's figures never see.
 */
function cpuRows(options: { cpuBefore: CpuSnapshot; cpuAfter: CpuSnapshot }): string[][] {
  const { cpuBefore, cpuAfter } = options;
  const seconds = secondsBetween(cpuBefore, cpuAfter);
  const ours = [...cpuAfter.byProcess.entries()]
    .map(([name, after]) => [name, after - (cpuBefore.byProcess.get(name) ?? 0)] as const)
    .sort((a, b) => b[1] - a[1]);
  const oursTotal = ours.reduce((sum, [, used]) => sum + used, 0);
  const machineBusy = cpuAfter.machine.busy - cpuBefore.machine.busy;
  const idle = cpuAfter.machine.idle - cpuBefore.machine.idle;

  return [
    ...ours.map(([name, used]) => [name, figure(used / seconds, 2)]),
    ['all bench processes', figure(oursTotal / seconds, 2)],
    [
      'processes the bench did not start',
      figure(Math.max(0, machineBusy - oursTotal) / seconds, 2),
    ],
    ['idle', figure(idle / seconds, 2)],
    ['cores on this machine', String(os.availableParallelism())],
    ['load average, last minute (runnable processes)', figure(os.loadavg()[0]!, 1)],
  ];
}

/** Wall-clock seconds between two snapshots, from the machine's own busy plus idle time. */
function secondsBetween(before: CpuSnapshot, after: CpuSnapshot): number {
  const elapsed =
    after.machine.busy + after.machine.idle - before.machine.busy - before.machine.idle;
  return elapsed / os.availableParallelism();
}
