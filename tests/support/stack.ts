// The real stack for integration tests: PostgreSQL, Temporal and Meilisearch started by
// `npm test` (their addresses arrive in the environment), with the schema migrated and the
// demo workgroup and its sign-in accounts seeded once, and a worker on a task queue of the
// test file's own so files running in parallel never take each other's workflow tasks.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import pino, { type Logger } from 'pino';
import { createIntake, type Intake } from '../../channels/intake.ts';
import { createFolderBlobStore, type BlobStore } from '../../db/blob-store.ts';
import { migrateDatabase, openOrm, type Orm } from '../../db/orm.ts';
import { seedDemoWorkgroup } from '../../db/seed.ts';
import { seedAgentAccounts } from '../../db/seed-accounts.ts';
import { connectTemporalClient, type TemporalClientHandle } from '../../temporal/client.ts';
import { loadConfig, type CaseworkConfig } from '../../temporal/config.ts';
import { runWorker, type RunningWorker } from '../../temporal/worker.ts';

export interface TestServices {
  databaseUrl: string;
  temporalAddress: string;
  temporalNamespace: string;
  meiliUrl: string;
  meiliMasterKey: string;
  dataDir: string;
}

/** The service addresses `npm test` put in the environment; fails with how to run the tests. */
export function testServices(): TestServices {
  const env = process.env;
  const missing = ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'MEILI_URL', 'MEILI_MASTER_KEY'].filter(
    (name) => !env[name],
  );
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(', ')} not set: run integration tests with \`npm test\`, which starts the services`,
    );
  }
  return {
    databaseUrl: env.DATABASE_URL!,
    temporalAddress: env.TEMPORAL_ADDRESS!,
    temporalNamespace: env.TEMPORAL_NAMESPACE ?? 'default',
    meiliUrl: env.MEILI_URL!,
    meiliMasterKey: env.MEILI_MASTER_KEY!,
    dataDir: env.CASEWORK_DATA_DIR ?? path.resolve('.data/test'),
  };
}

const migrationLock = 727_001;

/** Migrates and seeds once across parallel test files, serialised by an advisory lock. */
export async function prepareDatabase(services: TestServices, log: Logger): Promise<void> {
  const client = new pg.Client({ connectionString: services.databaseUrl });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [migrationLock]);
    await migrateDatabase({ databaseUrl: services.databaseUrl, log });
    await seedDemoWorkgroup({ databaseUrl: services.databaseUrl, log });
    await seedAgentAccounts({ databaseUrl: services.databaseUrl, log });
    // Every test file adds tickets to this one database; the demo capacity (25 open tickets
    // per agent) would fill up mid-run and leave later tickets unassigned for no test's reason.
    await client.query("update agent set capacity = 100000 where email like '%@casework.example'");
  } finally {
    await client.query('select pg_advisory_unlock($1)', [migrationLock]).catch(() => undefined);
    await client.end();
  }
}

export interface TestStack {
  services: TestServices;
  config: CaseworkConfig;
  orm: Orm;
  temporal: TemporalClientHandle;
  intake: Intake;
  blobs: BlobStore;
  log: Logger;
  stop(): Promise<void>;
}

/** Starts a worker and the clients a test needs, on a task queue of its own. */
export async function startTestStack(options: { name: string }): Promise<TestStack> {
  const services = testServices();
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' });
  await prepareDatabase(services, log);

  const taskQueue = `${options.name}-${randomUUID().slice(0, 8)}`;
  const config = loadConfig({ ...process.env, TEMPORAL_TASK_QUEUE: taskQueue });
  const worker: RunningWorker = await runWorker({
    config,
    services: { ...services, temporalNamespace: services.temporalNamespace },
    log,
  });
  const orm = await openOrm({ databaseUrl: services.databaseUrl, poolMax: 5 });
  const temporal = await connectTemporalClient({
    address: services.temporalAddress,
    namespace: services.temporalNamespace,
  });
  const blobs = createFolderBlobStore({ root: path.join(services.dataDir, 'blobs') });
  const intake = createIntake({ orm, temporal: temporal.client, taskQueue, blobs, log });

  return {
    services,
    config,
    orm,
    temporal,
    intake,
    blobs,
    log,
    async stop() {
      await worker.stop();
      await temporal.close();
      await orm.close();
    },
  };
}

/** Polls until `check` returns a value (not null/undefined/false), or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | null | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
