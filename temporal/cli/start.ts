// `npm start`: the whole product in one terminal. Resolves PostgreSQL, Temporal
// and Meilisearch (starting local ones unless external addresses are set),
// migrates and seeds the database, then runs the worker and the HTTP server.
// Ctrl-C stops them in reverse order and exits 0; a failed start exits 1.
// In a deployment each process runs one role (see docker-compose.yml):
// `--role migrate` migrates and exits, `--role server` and `--role worker` run one
// process against the external services; only the default `--role all` seeds demo data.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import { startServer, uiHandlerPath } from '../../api/server.ts';
import { migrateDatabase } from '../../db/orm.ts';
import { seedDemoWorkgroup } from '../../db/seed.ts';
import { demoPassword, seedAgentAccounts } from '../../db/seed-accounts.ts';
import { seedKnowledgeBase } from '../../db/seed-knowledge-base.ts';
import { loadConfig, repoRoot } from '../config.ts';
import type { CaseworkConfig } from '../config.ts';
import { createConsoleLogger, describeStartup, formatDuration } from '../local/console.ts';
import { startLocalServices } from '../local/index.ts';
import type { RunningServices } from '../local/index.ts';
import { runWorker } from '../worker.ts';
import { mailProcessSettings, runMailProcess } from '../../channels/email/mail-process.ts';
import { scheduleWeeklyTriage } from '../../reports/triage-schedule.ts';

interface Stoppable {
  name: string;
  stop(): Promise<void>;
}

const roles = ['all', 'migrate', 'server', 'worker', 'mail'] as const;
type Role = (typeof roles)[number];

/** Thrown between start-up steps once Ctrl-C arrived, so nothing more is started. */
class StopRequested extends Error {}

const began = performance.now();
const started: Stoppable[] = [];
let stopRequested = false;
let isRunning = false;

const role = roleOrExit();
const config = loadConfigOrExit();
const log = createConsoleLogger(config.logLevel);
listenForStopSignals();

try {
  await startCasework();
} catch (error) {
  if (!(error instanceof StopRequested)) {
    console.error(`\nCasework did not start: ${messageOf(error)}\n`);
    log.debug({ err: error }, 'start-up failure');
  }
  await stopAndExit(error instanceof StopRequested ? 0 : 1);
}

async function startCasework(): Promise<void> {
  const services = await startLocalServices(config, { log });
  started.push({ name: 'services', stop: () => services.stop() });
  throwIfStopRequested();

  if (role === 'all' || role === 'migrate') {
    await migrateDatabase({ databaseUrl: services.databaseUrl, log });
  }
  if (role === 'migrate') return await stopAndExit(0);
  if (role === 'all') {
    await seedDemoWorkgroup({ databaseUrl: services.databaseUrl, log });
    await seedAgentAccounts({ databaseUrl: services.databaseUrl, log });
    await seedKnowledgeBase({ databaseUrl: services.databaseUrl, log });
  }
  throwIfStopRequested();

  if (role === 'all' || role === 'worker') {
    const worker = await runWorker({ config, services, log });
    started.push({ name: 'worker', stop: () => worker.stop() });
    await scheduleWeeklyTriage({ ...services, taskQueue: config.temporal.taskQueue, log });
    throwIfStopRequested();
  }

  // The mail process: mailbox pollers and the SMTP outbox (channels/email/mail-process.ts).
  if (role === 'all' || role === 'mail') {
    const mail = await runMailProcess({ ...services, ...mailProcessSettings(config), log });
    started.push({ name: 'mail process', stop: () => mail.stop() });
    throwIfStopRequested();
  }

  let url: string | null = null;
  if (role === 'all' || role === 'server') {
    // A deployment's image is built with its UI; only a developer's tree may lack it.
    if (role === 'all') await buildUiIfMissing(log);
    const server = await startServer({ config, services, log });
    started.push({ name: 'server', stop: () => server.stop() });
    url = server.url;
    throwIfStopRequested();
  }

  printWelcome({ config, services, url });
  isRunning = true;
}

function roleOrExit(): Role {
  const { values } = parseArgs({ options: { role: { type: 'string', default: 'all' } } });
  const found = roles.find((known) => known === values.role);
  if (found) return found;

  console.error(`Unknown --role "${values.role}": use one of ${roles.join(', ')}.`);
  process.exit(1);
}

function loadConfigOrExit(): CaseworkConfig {
  try {
    return loadConfig();
  } catch (error) {
    console.error(`Casework did not start: ${messageOf(error)}`);
    process.exit(1);
  }
}

function listenForStopSignals(): void {
  const onSignal = (signal: NodeJS.Signals) => {
    // A second Ctrl-C means "now": the exit hook still sends SIGTERM to local services.
    if (stopRequested) process.exit(130);
    stopRequested = true;

    log.info({ signal }, 'stopping Casework');
    // While a start-up step runs, the step's caller stops everything once it returns.
    if (isRunning) void stopAndExit(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

function throwIfStopRequested(): void {
  if (stopRequested) throw new StopRequested('stop requested during start-up');
}

async function stopAndExit(code: number): Promise<never> {
  await stopEverything();
  process.exit(code);
}

const stepStopTimeoutMs = 20_000;

/**
 * Stops the server, then the worker, then the services: the reverse of start-up. A step
 * that does not finish in time (e.g. a worker waiting on a stuck task) is left behind with
 * a message, so the services are still stopped and Ctrl-C always ends in seconds.
 */
async function stopEverything(): Promise<void> {
  while (started.length > 0) {
    const next = started.pop()!;
    try {
      await withTimeout(next.stop(), stepStopTimeoutMs, `the ${next.name} did not stop in time`);
    } catch (error) {
      console.error(`Stopping the ${next.name} failed: ${messageOf(error)}`);
    }
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} (${ms / 1000} s)`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The server mounts the built SvelteKit app; build it once when a fresh clone has none. */
async function buildUiIfMissing(log: Logger): Promise<void> {
  if (fs.existsSync(uiHandlerPath)) return;
  if (!fs.existsSync(path.join(repoRoot, 'ui'))) return;

  log.info('building the workspace UI (npm run build:ui), once');
  const output: Buffer[] = [];
  const code = await new Promise<number | null>((resolve) => {
    // Vite's build report is noise on a normal start; it is shown only when the build fails.
    const child = spawn('npm', ['run', '--silent', 'build:ui'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    child.once('error', () => resolve(null));
    child.once('exit', resolve);
  });
  if (code !== 0) {
    process.stderr.write(Buffer.concat(output));
    throw new Error('`npm run build:ui` failed: see its output above.');
  }
  log.info('workspace UI built');
}

function printWelcome(options: {
  config: CaseworkConfig;
  services: RunningServices;
  url: string | null;
}): void {
  const { services } = options;
  const lines = [
    '',
    `Casework ${role === 'all' ? '' : `${role} `}is running (ready in ${formatDuration(performance.now() - began)})`,
    `  workspace        ${options.url ?? 'not served by this process'}`,
    ...(role === 'all' && options.url
      ? [
          `  sign in as       alice@casework.example (or bob, carol, dave, erin) / ${demoPassword()}`,
        ]
      : []),
    `  Temporal Web UI  ${services.temporalUiUrl ?? 'external Temporal: use its own UI'}`,
    `  services         ${describeStartup(services.startupMs)}`,
    `  data and logs    ${options.config.dataDir}`,
    'Press Ctrl-C to stop.',
    '',
  ];
  console.log(lines.join('\n'));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
