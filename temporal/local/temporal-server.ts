// Local Temporal for `npm start` and `npm test`: the official CLI's dev server
// with SQLite persistence in the data folder, so tickets survive a restart.
// The CLI comes from PATH, from .tools/bin, or is built once from its Go module.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import { repoRoot } from '../config.ts';
import type { CaseworkConfig } from '../config.ts';
import {
  LocalServiceError,
  environmentWithout,
  isPortFree,
  portInUseProblem,
  startServerProcess,
  stopServerProcess,
  tailOfLog,
  waitUntilReady,
} from './processes.ts';

const run = promisify(execFile);

/** The CLI release we build when none is installed; later tags carry a replace directive `go install` refuses. */
export const temporalCliModule = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

const toolsBin = path.join(repoRoot, '.tools', 'bin');

/** A local Temporal dev server the launcher started. */
export interface LocalTemporal {
  address: string;
  uiUrl: string | null;
  stop(): Promise<void>;
}

/** Starts `temporal server start-dev` on 127.0.0.1 with its state in `<dataDir>/temporal.db`. */
export async function startTemporal(options: {
  config: CaseworkConfig;
  log: Logger;
  withUi?: boolean;
}): Promise<LocalTemporal> {
  const { config, log } = options;
  const { port, uiPort, namespace } = config.temporal;
  const withUi = options.withUi ?? true;
  const logFile = path.join(config.dataDir, 'logs', 'temporal.log');
  const fail = (problem: string, fix: string, logTail?: string) =>
    new LocalServiceError({ service: 'temporal', problem, fix, logFile, logTail });

  const dbFile = path.join(config.dataDir, 'temporal.db');
  await ensurePortsFree({ port, uiPort, withUi, dbFile, fail });
  const cli = await ensureTemporalCli({ log });

  const server = startServerProcess({
    command: cli,
    args: devServerArgs({ config, withUi }),
    logFile,
    // The CLI reads TEMPORAL_ADDRESS and friends as its own client settings.
    env: environmentWithout('TEMPORAL_'),
  });

  const address = `127.0.0.1:${port}`;
  const problem = await waitUntilReady(server, () => namespaceIsReady(address, namespace), 60_000);
  if (problem) {
    await stopServerProcess(server);
    throw fail(
      problem,
      `Read the log; delete ${config.dataDir}/temporal.db* to start afresh.`,
      tailOfLog(logFile),
    );
  }

  return {
    address,
    uiUrl: withUi ? `http://127.0.0.1:${uiPort}` : null,
    stop: () => stopServerProcess(server),
  };
}

function devServerArgs(options: { config: CaseworkConfig; withUi: boolean }): string[] {
  const { dataDir, temporal } = options.config;
  const args = ['server', 'start-dev', '--db-filename', path.join(dataDir, 'temporal.db')];
  args.push('--ip', '127.0.0.1', '--port', String(temporal.port), '--log-level', 'warn');
  // Write-ahead logging lets the dev server's SQLite take concurrent workflow writes without
  // a full sync per transaction; it measured about twice the workflow throughput here.
  args.push('--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
  args.push(...(options.withUi ? ['--ui-port', String(temporal.uiPort)] : ['--headless']));

  // The dev server always creates "default"; any other namespace is created at launch.
  if (temporal.namespace !== 'default') args.push('--namespace', temporal.namespace);
  return args;
}

async function ensurePortsFree(options: {
  port: number;
  uiPort: number;
  withUi: boolean;
  dbFile: string;
  fail: (problem: string, fix: string) => Error;
}): Promise<void> {
  const busy = (port: number) => portInUseProblem({ port, leftoverArgument: options.dbFile });

  if (!(await isPortFree(options.port))) {
    const { problem, fix } = busy(options.port);
    throw options.fail(
      problem,
      fix ?? 'Set CASEWORK_TEMPORAL_PORT to a free port, or TEMPORAL_ADDRESS.',
    );
  }
  if (options.withUi && !(await isPortFree(options.uiPort))) {
    const { problem, fix } = busy(options.uiPort);
    throw options.fail(problem, fix ?? 'Set CASEWORK_TEMPORAL_UI_PORT to a free port.');
  }
}

/** Ready means the frontend answers and the namespace exists, so a worker can poll at once. */
async function namespaceIsReady(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: 2_000 });
  try {
    await connection.workflowService.describeNamespace({ namespace });
  } finally {
    await connection.close();
  }
}

/** Finds the Temporal CLI on PATH or in .tools/bin, building it there with Go when it is missing. */
export async function ensureTemporalCli(options: { log: Logger }): Promise<string> {
  const found = findOnPath('temporal') ?? executableOrNull(path.join(toolsBin, 'temporal'));
  if (found) return found;

  options.log.info(
    { module: temporalCliModule, into: toolsBin },
    'building the Temporal CLI once with go install (about 3 minutes)',
  );
  const started = Date.now();
  try {
    await run('go', ['install', temporalCliModule], {
      env: { ...process.env, GOBIN: toolsBin },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    throw new Error(
      `The Temporal CLI is not installed and building it failed: install Go 1.24+ or put ` +
        `"temporal" on PATH, or set TEMPORAL_ADDRESS to an existing server.`,
      { cause: error },
    );
  }

  options.log.info(
    { seconds: Math.round((Date.now() - started) / 1000) },
    'built the Temporal CLI',
  );
  return path.join(toolsBin, 'temporal');
}

function findOnPath(command: string): string | null {
  const directories = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const directory of directories) {
    const found = executableOrNull(path.join(directory, command));
    if (found) return found;
  }
  return null;
}

function executableOrNull(file: string): string | null {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile() ? file : null;
  } catch {
    return null;
  }
}
