// The benches' own world: PostgreSQL, Temporal and Meilisearch started by the local launcher
// on ports and a data folder of their own (wiped at every run), so a bench never touches the
// development services and always starts from the same empty, migrated and seeded database.
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { migrateDatabase } from '../../db/orm.ts';
import { seedDemoWorkgroup } from '../../db/seed.ts';
import { loadConfig, repoRoot, type CaseworkConfig } from '../../temporal/config.ts';
import { startLocalServices, type RunningServices } from '../../temporal/local/index.ts';

/** Bench settings a user may override, with the variable that overrides each. */
const benchDefaults = {
  BENCH_DATA_DIR: path.join(repoRoot, '.data', 'bench'),
  BENCH_HTTP_PORT: '17300',
  BENCH_PG_PORT: '55539',
  BENCH_TEMPORAL_PORT: '17333',
  BENCH_TEMPORAL_UI_PORT: '18333',
  BENCH_MEILI_PORT: '17800',
  BENCH_LOG_LEVEL: 'info',
};

/** The services a bench runs against, and the environment its child processes inherit. */
export interface BenchServices {
  config: CaseworkConfig;
  services: RunningServices;
  /** Casework's own variables pointing at these services, for the worker and server children. */
  childEnv: NodeJS.ProcessEnv;
}

/**
 * Builds Casework's environment from the BENCH_* variables only, so a developer's
 * DATABASE_URL or TEMPORAL_ADDRESS can never send a bench's load to their own services.
 */
export function benchEnvironment(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const pick = (name: keyof typeof benchDefaults) => env[name]?.trim() || benchDefaults[name];
  return {
    CASEWORK_DATA_DIR: pick('BENCH_DATA_DIR'),
    CASEWORK_HOST: '127.0.0.1',
    CASEWORK_PORT: pick('BENCH_HTTP_PORT'),
    CASEWORK_PG_PORT: pick('BENCH_PG_PORT'),
    CASEWORK_TEMPORAL_PORT: pick('BENCH_TEMPORAL_PORT'),
    CASEWORK_TEMPORAL_UI_PORT: pick('BENCH_TEMPORAL_UI_PORT'),
    CASEWORK_MEILI_PORT: pick('BENCH_MEILI_PORT'),
    TEMPORAL_TASK_QUEUE: 'casework-bench-tickets',
    LOG_LEVEL: pick('BENCH_LOG_LEVEL'),
  };
}

/** Wipes the bench data folder, starts the services, migrates and seeds; the caller stops them. */
export async function startBenchServices(options: { log: Logger }): Promise<BenchServices> {
  const casework = benchEnvironment();
  const config = loadConfig(casework);
  wipeDataFolder(config.dataDir);

  const services = await startLocalServices(config, { log: options.log, temporalUi: false });
  try {
    await migrateDatabase({ databaseUrl: services.databaseUrl, log: options.log });
    await seedDemoWorkgroup({ databaseUrl: services.databaseUrl, log: options.log });
    await liftAgentCapacity(services.databaseUrl);
  } catch (error) {
    await services.stop();
    throw error;
  }

  const childEnv = {
    ...casework,
    DATABASE_URL: services.databaseUrl,
    TEMPORAL_ADDRESS: services.temporalAddress,
    MEILI_URL: services.meiliUrl,
    MEILI_MASTER_KEY: services.meiliMasterKey,
    PATH: process.env.PATH,
    HOME: process.env.HOME,
  };
  return { config, services, childEnv };
}

/** Refuses any folder not named for benches, so a mistyped BENCH_DATA_DIR cannot wipe real data. */
function wipeDataFolder(dataDir: string): void {
  if (!path.basename(dataDir).includes('bench')) {
    throw new Error(
      `BENCH_DATA_DIR "${dataDir}" will be wiped at every run: use a folder whose name contains "bench".`,
    );
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
}

/**
 * The demo seed caps each agent at 25 open tickets; past that, new tickets stay unassigned
 * and the bench could never see them finish. Thousands of tickets need room.
 */
async function liftAgentCapacity(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('update agent set capacity = 1000000, available = true');
  } finally {
    await client.end();
  }
}
