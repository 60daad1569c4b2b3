// Every setting Casework reads from its environment, in one place. The server,
// the worker and the CLI scripts all call loadConfig(), and docker-compose.yml
// is tested against configVariables so a new variable cannot be forgotten there.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where each process listens and which external services it talks to. */
export interface CaseworkConfig {
  dataDir: string;
  http: { host: string; port: number };
  database: { url?: string; port: number };
  temporal: {
    address?: string;
    namespace: string;
    taskQueue: string;
    port: number;
    uiPort: number;
  };
  meili: { url?: string; masterKey?: string; port: number };
  logLevel: string;
}

type Env = Record<string, string | undefined>;

/** The repository root, so `.data/` and `.tools/` do not depend on the working directory. */
export const repoRoot = path.resolve(fileURLToPath(new URL('..', import.meta.url)));

/** Every environment variable loadConfig() reads. */
export const configVariables: string[] = [
  'CASEWORK_DATA_DIR',
  'CASEWORK_HOST',
  'CASEWORK_PORT',
  'DATABASE_URL',
  'CASEWORK_PG_PORT',
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_TASK_QUEUE',
  'CASEWORK_TEMPORAL_PORT',
  'CASEWORK_TEMPORAL_UI_PORT',
  'MEILI_URL',
  'MEILI_MASTER_KEY',
  'CASEWORK_MEILI_PORT',
  'LOG_LEVEL',
];

/** Variables that only place the local services `npm start` launches; a deployment sets none. */
export const localServiceVariables: string[] = [
  'CASEWORK_PG_PORT',
  'CASEWORK_TEMPORAL_PORT',
  'CASEWORK_TEMPORAL_UI_PORT',
  'CASEWORK_MEILI_PORT',
];

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads Casework's settings from the environment; throws naming the variable when one is invalid. */
export function loadConfig(env: Env = process.env): CaseworkConfig {
  const meiliUrl = optional(env, 'MEILI_URL');
  const meiliMasterKey = optional(env, 'MEILI_MASTER_KEY');

  // An external Meilisearch without its key would fail on the first index job, far from here.
  if (meiliUrl && !meiliMasterKey) {
    throw new Error('MEILI_URL is set but MEILI_MASTER_KEY is not: set both or neither.');
  }

  return {
    dataDir: path.resolve(optional(env, 'CASEWORK_DATA_DIR') ?? path.join(repoRoot, '.data')),
    http: {
      host: optional(env, 'CASEWORK_HOST') ?? '127.0.0.1',
      port: port(env, 'CASEWORK_PORT', 3000),
    },
    database: { url: optional(env, 'DATABASE_URL'), port: port(env, 'CASEWORK_PG_PORT', 54329) },
    temporal: {
      address: optional(env, 'TEMPORAL_ADDRESS'),
      namespace: optional(env, 'TEMPORAL_NAMESPACE') ?? 'default',
      taskQueue: optional(env, 'TEMPORAL_TASK_QUEUE') ?? 'casework-tickets',
      port: port(env, 'CASEWORK_TEMPORAL_PORT', 7233),
      uiPort: port(env, 'CASEWORK_TEMPORAL_UI_PORT', 8233),
    },
    meili: {
      url: meiliUrl,
      masterKey: meiliMasterKey,
      port: port(env, 'CASEWORK_MEILI_PORT', 7700),
    },
    logLevel: logLevel(env),
  };
}

/** An unset or blank variable counts as absent, so `FOO= npm start` falls back to the default. */
function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function port(env: Env, name: string, fallback: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;

  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > 65535) {
    throw new Error(`${name} must be a TCP port between 1 and 65535, got "${raw}".`);
  }
  return value;
}

function logLevel(env: Env): string {
  const level = optional(env, 'LOG_LEVEL') ?? 'info';
  if (!logLevels.includes(level)) {
    throw new Error(`LOG_LEVEL must be one of ${logLevels.join(', ')}, got "${level}".`);
  }
  return level;
}
