// `npm run ingest -- [--mailbox <address>] <files or folders>`: files real .eml messages as
// tickets through the same intake a mailbox poller uses, with a worker in this process so the
// tickets are triaged and assigned even when `npm start` is not running. Safe to run twice:
// the second run finds every mail already stored. Prints a summary of where each mail went.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import pino, { type Logger } from 'pino';
import { createFolderBlobStore } from '../../../db/blob-store.ts';
import { migrateDatabase, openOrm, type Orm } from '../../../db/orm.ts';
import { seedDemoWorkgroup } from '../../../db/seed.ts';
import { connectTemporalClient } from '../../../temporal/client.ts';
import { loadConfig, type CaseworkConfig } from '../../../temporal/config.ts';
import { startLocalServices, type RunningServices } from '../../../temporal/local/index.ts';
import { runWorker } from '../../../temporal/worker.ts';
import { createIntake } from '../../intake.ts';
import { ingestRawEmail, type EmailIngestResult } from '../email-intake.ts';

const defaultMailbox = 'support@casework.example';
const readModelTimeoutMs = 60_000;

const usage = `Usage: npm run ingest -- [--mailbox <address>] <file.eml | folder> ...
Files every .eml message (folders are searched recursively) into the mailbox's tickets.
  --mailbox <address>   the mailbox the mails arrived in (default ${defaultMailbox})`;

interface Tally {
  files: number;
  created: number;
  appended: Record<string, number>;
  duplicates: number;
  automated: number;
  rejected: { source: string; reason: string }[];
  failed: { source: string; error: string }[];
  createdTicketIds: Set<number>;
}

await main();

async function main(): Promise<void> {
  const args = readArguments();
  if (args === null) return;

  const files = await collectEmlFiles(args.paths);
  if (files === null) return;
  if (files.length === 0) {
    console.error('No .eml files found in the given paths; nothing to ingest.');
    process.exitCode = 1;
    return;
  }

  const config = loadConfig();
  const log = cliLogger(config);
  const services = await startServices(config, log);
  if (services === null) return;

  try {
    await ingestWithServices({ config, services, log, files, mailbox: args.mailbox });
  } finally {
    await services.stop();
  }
}

function readArguments(): { mailbox: string; paths: string[] } | null {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      mailbox: { type: 'string', default: defaultMailbox },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length === 0) {
    console.error(usage);
    if (!values.help) process.exitCode = 1;
    return null;
  }

  const mailbox = values.mailbox.trim().toLowerCase();
  if (!/^[^@\s]+@[^@\s]+$/.test(mailbox)) {
    console.error(`--mailbox must be an email address, got "${values.mailbox}".`);
    process.exitCode = 1;
    return null;
  }
  return { mailbox, paths: positionals };
}

/** Every .eml file under the paths, sorted so a conversation's mails arrive in a stable order. */
async function collectEmlFiles(paths: string[]): Promise<string[] | null> {
  const files = new Set<string>();

  for (const given of paths) {
    const info = await stat(given).catch(() => null);
    if (info === null) {
      console.error(
        `Cannot read "${given}": no such file or folder. Check the path and try again.`,
      );
      process.exitCode = 1;
      return null;
    }

    if (info.isFile()) files.add(path.resolve(given));
    if (!info.isDirectory()) continue;

    const entries = await readdir(given, { recursive: true, withFileTypes: true });
    for (const entry of entries) {
      if (entry.isFile() && /\.eml$/i.test(entry.name)) {
        files.add(path.resolve(entry.parentPath, entry.name));
      }
    }
  }
  return [...files].sort();
}

/** Logs go to stderr beside the progress bar; below warnings only when LOG_LEVEL asks for it. */
function cliLogger(config: CaseworkConfig): Logger {
  const level = process.env.LOG_LEVEL ? config.logLevel : 'warn';
  return pino({ level }, pino.destination({ fd: 2, sync: true }));
}

async function startServices(config: CaseworkConfig, log: Logger): Promise<RunningServices | null> {
  try {
    return await startLocalServices(config, { log, temporalUi: false });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(message);

    // The launcher refuses ports and data folders that are in use; `npm start` holds them.
    if (/is in use|still uses/.test(message)) {
      console.error(
        "\nCasework's local services seem to be running already (is `npm start` running?). " +
          'Stop `npm start` and run the ingest again, or point the ingest at running services ' +
          'with DATABASE_URL, TEMPORAL_ADDRESS, MEILI_URL and MEILI_MASTER_KEY.',
      );
    }
    process.exitCode = 1;
    return null;
  }
}

async function ingestWithServices(options: {
  config: CaseworkConfig;
  services: RunningServices;
  log: Logger;
  files: string[];
  mailbox: string;
}): Promise<void> {
  const { config, services, log } = options;
  await migrateDatabase({ databaseUrl: services.databaseUrl, log });
  await seedDemoWorkgroup({ databaseUrl: services.databaseUrl, log });

  const worker = await runWorker({ config, services, log });
  const orm = await openOrm({ databaseUrl: services.databaseUrl });
  const temporal = await connectTemporalClient({
    address: services.temporalAddress,
    namespace: services.temporalNamespace,
  });

  try {
    const blobs = createFolderBlobStore({ root: path.join(config.dataDir, 'blobs') });
    const intake = createIntake({
      orm,
      temporal: temporal.client,
      taskQueue: config.temporal.taskQueue,
      blobs,
      log,
    });

    const began = performance.now();
    const tally = await ingestFiles(options.files, (raw, source) =>
      ingestRawEmail({ raw, mailbox: options.mailbox, source }, { orm, intake, blobs, log }),
    );
    const seconds = (performance.now() - began) / 1000;

    const missing = await waitForReadModel(orm, tally.createdTicketIds);
    printSummary({ tally, seconds, missing, mailbox: options.mailbox });
    if (tally.failed.length > 0 || missing.length > 0) process.exitCode = 1;
  } finally {
    await temporal.close();
    await orm.close();
    await worker.stop();
  }
}

/** Ingests one file after another; a file that fails is counted and the batch goes on. */
async function ingestFiles(
  files: string[],
  ingest: (raw: Buffer, source: string) => Promise<EmailIngestResult>,
): Promise<Tally> {
  const tally: Tally = {
    files: 0,
    created: 0,
    appended: {},
    duplicates: 0,
    automated: 0,
    rejected: [],
    failed: [],
    createdTicketIds: new Set(),
  };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: '{bar} {value}/{total} mails | {file}', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  const interrupted = stopOnInterrupt();

  bar.start(files.length, 0, { file: '' });
  for (const file of files) {
    if (interrupted()) break;
    bar.update({ file: path.basename(file) });

    try {
      const raw = await readFile(file);
      tally.files += 1;
      count(tally, file, await ingest(raw, file));
    } catch (error) {
      tally.failed.push({
        source: file,
        error: error instanceof Error ? error.message : String(error),
      });
    }
    bar.increment();
  }
  bar.stop();
  return tally;
}

/** The first Ctrl-C finishes the current mail and stops cleanly; a second one exits at once. */
function stopOnInterrupt(): () => boolean {
  let stopping = false;
  process.on('SIGINT', () => {
    if (stopping) process.exit(130);
    stopping = true;
    console.error('\nStopping after the current mail (press Ctrl-C again to quit at once).');
  });
  return () => stopping;
}

function count(tally: Tally, source: string, result: EmailIngestResult): void {
  if (result.outcome === 'rejected') {
    tally.rejected.push({ source, reason: result.reason ?? 'no reason given' });
    return;
  }
  if (result.outcome === 'duplicate') {
    tally.duplicates += 1;
    return;
  }

  if (result.automated) tally.automated += 1;
  if (result.outcome === 'created') {
    tally.created += 1;
    if (result.ticketId !== undefined) tally.createdTicketIds.add(result.ticketId);
    return;
  }
  const rule = result.via ?? 'unknown rule';
  tally.appended[rule] = (tally.appended[rule] ?? 0) + 1;
}

/**
 * The ticket rows are written by the workflows, a moment after intake; the summary waits for
 * them (bounded) so "created" means an agent can see the ticket. Returns the ids still missing.
 */
async function waitForReadModel(orm: Orm, ticketIds: Set<number>): Promise<number[]> {
  const wanted = [...ticketIds];
  const deadline = Date.now() + readModelTimeoutMs;
  let missing = wanted;

  while (missing.length > 0 && Date.now() < deadline) {
    const rows: { id: string }[] = await orm.em
      .fork()
      .execute('select id from ticket where id = any(?::bigint[])', [`{${missing.join(',')}}`]);
    const present = new Set(rows.map((row) => Number(row.id)));
    missing = missing.filter((id) => !present.has(id));
    if (missing.length > 0) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return missing;
}

function printSummary(options: {
  tally: Tally;
  seconds: number;
  missing: number[];
  mailbox: string;
}): void {
  const { tally, seconds, missing } = options;
  const appended = Object.values(tally.appended).reduce((sum, n) => sum + n, 0);
  const rules = Object.entries(tally.appended)
    .map(([rule, n]) => `${rule} ${n}`)
    .join(', ');
  const rate = seconds > 0 ? (tally.files / seconds).toFixed(1) : '0';

  console.log(`\nIngested into ${options.mailbox}:`);
  console.log(`  files read         ${tally.files} in ${seconds.toFixed(1)} s (${rate} mails/s)`);
  console.log(`  tickets created    ${tally.created}`);
  console.log(`  messages appended  ${appended}${rules ? ` (${rules})` : ''}`);
  console.log(`  duplicates         ${tally.duplicates} (already stored, nothing new)`);
  console.log(`  automated mails    ${tally.automated} (stored, never answered automatically)`);
  console.log(`  rejected           ${tally.rejected.length}`);
  for (const { source, reason } of tally.rejected) console.log(`    ${source}: ${reason}`);

  if (tally.failed.length > 0) {
    console.log(`  failed             ${tally.failed.length} (run the ingest again to retry them)`);
    for (const { source, error } of tally.failed) console.log(`    ${source}: ${error}`);
  }
  if (missing.length > 0) {
    console.log(
      `  ${missing.length} created tickets have no read-model row after ` +
        `${readModelTimeoutMs / 1000} s (${missing.join(', ')}); check the worker log.`,
    );
  }
}
