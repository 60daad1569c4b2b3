// `npm test`: format, lint and type checks, then Jest against real services.
// The services come from the same launcher as `npm start`, on ports and in a
// data folder of their own (.data/test, wiped each run so runs repeat), unless
// DATABASE_URL, TEMPORAL_ADDRESS and MEILI_URL point at external ones.
// Extra arguments go to Jest: `npm test -- tests/unit` runs a subset. While several people
// work in one tree, CASEWORK_TEST_SKIP_CHECKS=1 skips the whole-tree checks and
// CASEWORK_TEST_SKIP_UI_BUILD=1 reuses the UI already built; CI sets neither.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, repoRoot } from '../config.ts';
import type { CaseworkConfig } from '../config.ts';
import { createConsoleLogger, describeStartup, formatDuration } from '../local/console.ts';
import { startLocalServices } from '../local/index.ts';
import type { RunningServices } from '../local/index.ts';
import { startTestMailServers, type TestMailServers } from '../local/mail-servers.ts';

interface CommandResult {
  label: string;
  code: number | null;
  output: string;
}

/** A file that marks a folder as ours to wipe, so a mistyped CASEWORK_TEST_DATA_DIR never deletes data. */
const wipeMarker = '.casework-test-data';

const began = performance.now();
const jestArgs = process.argv.slice(2);
const log = createConsoleLogger(process.env.LOG_LEVEL ?? 'info');
let interrupted = false;

// Ctrl-C reaches Jest directly (same process group); we stay to stop the services.
process.on('SIGINT', () => (interrupted = true));
process.on('SIGTERM', () => (interrupted = true));

process.exitCode = await runTests();

async function runTests(): Promise<number> {
  if (!process.env.CASEWORK_TEST_SKIP_CHECKS && !(await checksPass())) return 1;

  let services: RunningServices | undefined;
  let mailStarting: Promise<TestMailServers> | undefined;
  try {
    const config = testConfig();
    wipeTestData(config.dataDir);
    // Dovecot and Postfix on loopback for the mail tests (temporal/local/mail-servers.ts).
    mailStarting = startTestMailServers({ dataDir: config.dataDir, log });

    const [servicesStarted, uiBuilt] = await Promise.allSettled([
      startLocalServices(config, { log, temporalUi: false }),
      buildUiForEndToEndTests(),
    ]);
    // Keep the services before looking at the UI build, so a failed build still stops them.
    if (servicesStarted.status === 'rejected') throw servicesStarted.reason;
    services = servicesStarted.value;
    if (uiBuilt.status === 'rejected') throw uiBuilt.reason;
    console.log(`Services started: ${describeStartup(services.startupMs)}`);
    Object.assign(process.env, (await mailStarting).env);

    return interrupted ? 130 : await runJest({ config, services });
  } catch (error) {
    console.error(`\nnpm test could not run the tests: ${messageOf(error)}`);
    return 1;
  } finally {
    await (await mailStarting)?.stop();
    await services?.stop();
    console.log(`npm test took ${formatDuration(performance.now() - began)}`);
  }
}

/** Prettier, ESLint and tsc side by side; prints the output of each that failed. */
async function checksPass(): Promise<boolean> {
  const checksBegan = performance.now();
  const results = await Promise.all([
    runNode('prettier --check', tool('prettier', 'bin/prettier.cjs'), ['--check', '.']),
    runNode('eslint', tool('eslint', 'bin/eslint.js'), ['.']),
    runNode('tsc --noEmit', tool('typescript', 'bin/tsc'), ['--noEmit', '-p', 'tsconfig.json']),
  ]);

  const failed = results.filter((result) => result.code !== 0);
  for (const result of failed) {
    console.error(`\n${result.label} failed:\n${result.output.trimEnd()}`);
  }

  const took = formatDuration(performance.now() - checksBegan);
  if (failed.length > 0) {
    console.error(`\n${failed.map((r) => r.label).join(', ')} failed (${took}); tests not run.`);
    return false;
  }
  console.log(`Format, lint and type checks passed (${took}).`);
  return true;
}

function tool(packageName: string, script: string): string {
  return path.join(repoRoot, 'node_modules', packageName, script);
}

function runNode(label: string, script: string, args: string[]): Promise<CommandResult> {
  return runQuietly(label, process.execPath, [script, ...args]);
}

function runQuietly(label: string, command: string, args: string[]): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: repoRoot });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error) => resolve({ label, code: null, output: error.message }));
    child.once('close', (code) => resolve({ label, code, output }));
  });
}

/** The test services' own ports and folder, so `npm test` runs beside `npm start`. */
function testConfig(): CaseworkConfig {
  const env = process.env;
  return loadConfig({
    ...env,
    CASEWORK_DATA_DIR: env.CASEWORK_TEST_DATA_DIR ?? path.join(repoRoot, '.data', 'test'),
    CASEWORK_PG_PORT: env.CASEWORK_TEST_PG_PORT ?? '55439',
    CASEWORK_TEMPORAL_PORT: env.CASEWORK_TEST_TEMPORAL_PORT ?? '17233',
    CASEWORK_TEMPORAL_UI_PORT: env.CASEWORK_TEST_TEMPORAL_UI_PORT ?? '18233',
    CASEWORK_MEILI_PORT: env.CASEWORK_TEST_MEILI_PORT ?? '17700',
  });
}

function wipeTestData(dataDir: string): void {
  const isOurs = fs.existsSync(path.join(dataDir, wipeMarker));
  const isEmpty = !fs.existsSync(dataDir) || fs.readdirSync(dataDir).length === 0;
  if (!isOurs && !isEmpty) {
    throw new Error(
      `${dataDir} holds files npm test did not create; choose another CASEWORK_TEST_DATA_DIR.`,
    );
  }

  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(path.join(dataDir, wipeMarker), 'npm test wipes this folder at each run.\n');
}

/** End-to-end tests drive the built workspace, so build it when a UI exists. */
async function buildUiForEndToEndTests(): Promise<void> {
  const uiDir = path.join(repoRoot, 'ui');
  const hasUi = ['vite.config.ts', 'svelte.config.js'].some((name) =>
    fs.existsSync(path.join(uiDir, name)),
  );
  if (!hasUi || process.env.CASEWORK_TEST_SKIP_UI_BUILD) return;

  const uiBegan = performance.now();
  const args = ['run', '--silent', 'build:ui', '--', '--logLevel', 'warn'];
  const result = await runQuietly('npm run build:ui', 'npm', args);
  if (result.code !== 0) throw new Error(`the UI build failed:\n${result.output}`);
  log.info({ ms: Math.round(performance.now() - uiBegan) }, 'workspace UI built');
}

function runJest(options: { config: CaseworkConfig; services: RunningServices }): Promise<number> {
  const { config, services } = options;
  const env = {
    ...process.env,
    DATABASE_URL: services.databaseUrl,
    TEMPORAL_ADDRESS: services.temporalAddress,
    TEMPORAL_NAMESPACE: services.temporalNamespace,
    MEILI_URL: services.meiliUrl,
    MEILI_MASTER_KEY: services.meiliMasterKey,
    CASEWORK_DATA_DIR: config.dataDir,
  };
  const jest = path.join(repoRoot, 'node_modules', 'jest', 'bin', 'jest.js');

  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--experimental-vm-modules', '--disable-warning=ExperimentalWarning', jest, ...jestArgs],
      {
        cwd: repoRoot,
        env,
        stdio: 'inherit',
      },
    );
    child.once('error', () => resolve(1));
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 130 : 1)));
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
