// `npm run audit -- <replay | timeline | simulate>`: the auditor's tools.
// - replay: fetches tickets' histories from Temporal and replays them against today's workflow
//   code, naming the patch markers each crossed. Exit 0 replayed, 1 diverged, 2 bad input.
// - timeline: every timeline entry of a ticket with its cause, from PostgreSQL.
// - simulate: runs a candidate policy module over past tickets' recorded facts (no Temporal).
// Services come from the same launcher as `npm start` (or DATABASE_URL / TEMPORAL_ADDRESS).
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import pino, { type Logger } from 'pino';
import { openOrm, type Orm } from '../../db/orm.ts';
import { loadAuditSource } from '../audit/audit-source.ts';
import { loadCandidatePolicy, type CandidatePolicy } from '../audit/candidate-policy.ts';
import {
  auditReplay,
  bundleTicketWorkflows,
  formatReplayReport,
  listOpenTicketIds,
} from '../audit/replay.ts';
import { simulatePolicy, type SimulationReport } from '../audit/simulate.ts';
import { loadPastTickets, loadSimulatedWorkgroup } from '../audit/simulation-facts.ts';
import { buildAuditTimeline, formatTimelineLines, isTimeZone } from '../audit/timeline.ts';
import { connectTemporalClient } from '../client.ts';
import { loadConfig, type CaseworkConfig } from '../config.ts';
import { startLocalServices, type RunningServices } from '../local/index.ts';

// Services that fail to start share 1 with a divergence: both mean "not proven".
const ExitCode = { Ok: 0, Diverged: 1, Failed: 1, BadInput: 2 } as const;

const usage = `Usage:
  npm run audit -- replay <ticket>... | --all-open [--json]
      Replays each ticket's Temporal history against today's workflow code.
      Exit 0: all replayed; 1: a replay diverged; 2: bad input or unknown ticket.
  npm run audit -- timeline <ticket> [--tz <IANA zone>] [--json]
      Every timeline entry with its cause, in UTC (and the zone given).
  npm run audit -- simulate --policy <module.ts> --since <date> [--until <date>] [--json] [--all]
      Runs a candidate policy over tickets that arrived in the window; prints what differs.
      Examples: temporal/audit/examples/faster-first-response.ts, billing-keywords-v2.ts`;

// The simulate report lists this many differing tickets unless --all asks for every one.
const shownDifferences = 50;

/** A mistake in what the auditor typed: printed with the usage, exit code 2. */
class BadInput extends Error {}

process.exitCode = await main();

async function main(): Promise<number> {
  try {
    return await runCommand(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof BadInput)) throw error;
    console.error(`${error.message}\n\n${usage}`);
    return ExitCode.BadInput;
  }
}

async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      'all-open': { type: 'boolean', default: false },
      tz: { type: 'string' },
      policy: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      all: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help) {
    console.log(usage);
    return ExitCode.Ok;
  }

  if (command === 'replay') {
    const ids = values['all-open'] ? 'all-open' : ticketIds(rest, 'at least one');
    return withServices((s) => replay(s, ids, values.json));
  }
  if (command === 'timeline') {
    const [id] = ticketIds(rest, 'exactly one');
    if (rest.length !== 1) throw new BadInput('timeline takes exactly one ticket number.');
    const tz = values.tz ?? null;
    if (tz !== null && !isTimeZone(tz)) {
      throw new BadInput(`--tz "${tz}" is not an IANA time zone; try e.g. Europe/Berlin.`);
    }
    return withServices((s) => timeline(s, id!, { json: values.json, tz }));
  }
  if (command === 'simulate') {
    const options = simulateOptions(values);
    const candidate = await loadCandidatePolicy(options.policy).catch((error: Error) => {
      throw new BadInput(error.message);
    });
    return withServices((s) => simulate(s, { ...options, candidate, all: values.all }));
  }
  throw new BadInput(command === undefined ? 'Name a command.' : `Unknown command "${command}".`);
}

function ticketIds(args: string[], howMany: string): number[] {
  if (args.length === 0) throw new BadInput(`Give ${howMany} ticket number.`);
  return args.map((arg) => {
    const id = Number(arg.replace(/^#|^ticket-/, ''));
    if (!Number.isSafeInteger(id) || id <= 0) {
      throw new BadInput(`"${arg}" is not a ticket number (e.g. 1001 or ticket-1001).`);
    }
    return id;
  });
}

function simulateOptions(values: {
  policy?: string;
  since?: string;
  until?: string;
  json: boolean;
}) {
  if (values.policy === undefined) throw new BadInput('simulate needs --policy <module.ts>.');
  if (values.since === undefined) throw new BadInput('simulate needs --since <date>.');
  const since = parseDate(values.since, '--since');
  const until = values.until === undefined ? new Date() : parseDate(values.until, '--until');
  if (until <= since) throw new BadInput('--until must be later than --since.');
  return { policy: values.policy, since, until, json: values.json };
}

function parseDate(text: string, flag: string): Date {
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) {
    throw new BadInput(
      `${flag} "${text}" is not a date; use e.g. 2026-11-01 or 2026-11-01T09:00Z.`,
    );
  }
  return date;
}

/** Starts (or attaches to) the services, runs the command, and stops what it started. */
async function withServices(run: (services: RunningServices) => Promise<number>): Promise<number> {
  const config = loadConfig();
  const log = cliLogger(config);
  let services: RunningServices;
  try {
    services = await startLocalServices(config, { log, temporalUi: false });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(message);
    if (/is in use|still uses/.test(message)) {
      console.error(
        "\nCasework's local services seem to be running already (is `npm start` running?). " +
          'Point the audit at them with DATABASE_URL, TEMPORAL_ADDRESS, MEILI_URL and MEILI_MASTER_KEY, ' +
          'or stop `npm start` and run the audit again.',
      );
    }
    return ExitCode.Failed;
  }

  try {
    return await run(services);
  } finally {
    await services.stop();
  }
}

/** Logs go to stderr; below warnings only when LOG_LEVEL asks for it. */
function cliLogger(config: CaseworkConfig): Logger {
  const level = process.env.LOG_LEVEL ? config.logLevel : 'warn';
  return pino({ level }, pino.destination({ fd: 2, sync: true }));
}

async function replay(
  services: RunningServices,
  ids: number[] | 'all-open',
  json: boolean,
): Promise<number> {
  const temporal = await connectTemporalClient({
    address: services.temporalAddress,
    namespace: services.temporalNamespace,
  });
  try {
    const ticketIds = ids === 'all-open' ? await listOpenTicketIds(temporal.client) : ids;
    // Replay runs workers in this process: keep their state-change chatter off the report.
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const bundle = await bundleTicketWorkflows();
    const { reports, unknown } = await auditReplay({ client: temporal.client, bundle, ticketIds });

    if (json) console.log(JSON.stringify({ reports, unknownTickets: unknown }, null, 2));
    else printReplay(reports, unknown, ticketIds.length);

    if (reports.some((report) => report.outcome === 'diverged')) return ExitCode.Diverged;
    return unknown.length > 0 ? ExitCode.BadInput : ExitCode.Ok;
  } finally {
    await temporal.close();
  }
}

function printReplay(
  reports: Awaited<ReturnType<typeof auditReplay>>['reports'],
  unknown: number[],
  asked: number,
): void {
  if (asked === 0) console.log('No open tickets to replay.');
  for (const report of reports) console.log(formatReplayReport(report).join('\n'));
  for (const id of unknown) {
    console.log(`ticket ${id}: unknown — Temporal has no workflow ticket-${id}; check the number.`);
  }

  const diverged = reports.filter((r) => r.outcome === 'diverged').length;
  if (asked > 1) {
    console.log(
      `\n${reports.length - diverged} replayed, ${diverged} diverged, ${unknown.length} unknown.`,
    );
  }
}

async function timeline(
  services: RunningServices,
  ticketId: number,
  options: { json: boolean; tz: string | null },
): Promise<number> {
  return withOrm(services, async (orm) => {
    const source = await loadAuditSource(orm.em.fork(), ticketId);
    if (source === null) {
      console.error(`Ticket ${ticketId} is unknown: no such ticket in the read model.`);
      return ExitCode.BadInput;
    }

    const built = buildAuditTimeline(source, { timeZone: options.tz });
    console.log(
      options.json ? JSON.stringify(built, null, 2) : formatTimelineLines(built).join('\n'),
    );
    return ExitCode.Ok;
  });
}

async function simulate(
  services: RunningServices,
  options: { candidate: CandidatePolicy; since: Date; until: Date; json: boolean; all: boolean },
): Promise<number> {
  return withOrm(services, async (orm) => {
    const began = performance.now();
    const em = orm.em.fork();
    const [tickets, workgroup] = await Promise.all([
      loadPastTickets(em, options),
      loadSimulatedWorkgroup(em),
    ]);
    const report = simulatePolicy({
      tickets,
      workgroup,
      candidate: options.candidate,
      asOf: Math.min(Date.now(), options.until.getTime()),
    });
    const seconds = (performance.now() - began) / 1000;

    if (options.json) console.log(JSON.stringify({ ...report, seconds }, null, 2));
    else printSimulation(report, { ...options, seconds, names: agentNamesOf(workgroup) });
    return ExitCode.Ok;
  });
}

function agentNamesOf(workgroup: Awaited<ReturnType<typeof loadSimulatedWorkgroup>>) {
  return new Map(workgroup.agents.map((agent) => [String(agent.agentId), agent.name]));
}

function printSimulation(
  report: SimulationReport,
  options: { since: Date; until: Date; all: boolean; seconds: number; names: Map<string, string> },
): void {
  const { totals } = report;
  console.log(
    `Policy ${report.policy} over ${report.tickets} tickets that arrived ` +
      `${options.since.toISOString()} – ${options.until.toISOString()}:`,
  );

  const shown = options.all ? report.differences : report.differences.slice(0, shownDifferences);
  for (const difference of shown) {
    console.log(`  ticket ${difference.ticketId}: ${difference.changes.join('; ')}`);
  }
  const hidden = report.differences.length - shown.length;
  if (hidden > 0) console.log(`  … and ${hidden} more tickets (--all lists them all)`);

  const percent = (rate: number) => `${(rate * 100).toFixed(1)} %`;
  console.log(`\n  tickets that would differ  ${report.differences.length} of ${report.tickets}`);
  console.log(
    `  first-response breaches   ${totals.breaches.before} (${percent(totals.breachRate.before)}) → ` +
      `${totals.breaches.after} (${percent(totals.breachRate.after)})`,
  );
  console.log(
    `  escalations               ${totals.escalations.before} → ${totals.escalations.after}`,
  );
  console.log(`  queue / priority changes  ${totals.queueChanges} / ${totals.priorityChanges}`);
  console.log(`  due instants moved        ${totals.dueChanges}`);
  console.log(`  assigned to someone else  ${totals.reassignments}`);
  console.log('  tickets assigned on arrival, per agent (before → after):');
  for (const [agent, load] of Object.entries(totals.loadPerAgent)) {
    const name = agent === 'none' ? 'unassigned' : (options.names.get(agent) ?? `agent ${agent}`);
    console.log(`    ${name.padEnd(24)} ${load.before} → ${load.after}`);
  }

  const rate = options.seconds > 0 ? Math.round(report.tickets / options.seconds) : report.tickets;
  console.log(
    `\n  simulated ${report.tickets} tickets in ${options.seconds.toFixed(2)} s ` +
      `(${rate} tickets/s, loading included; policy run ${report.elapsedMs.toFixed(1)} ms)`,
  );
}

async function withOrm(services: RunningServices, run: (orm: Orm) => Promise<number>) {
  const orm = await openOrm({ databaseUrl: services.databaseUrl, poolMax: 2 });
  try {
    return await run(orm);
  } finally {
    await orm.close();
  }
}
