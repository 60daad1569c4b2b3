// Temporal's time-skipping test server for workflow tests, so SLA timers of hours and days
// pass in seconds. The SDK's own download of a native server needs a host we cannot reach, so
// we run the Java build from Maven Central: Maven resolves its jars once into
// .tools/temporal-test-server/<version>/, and every later start is offline.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TestWorkflowEnvironment } from '@temporalio/testing';

const run = promisify(execFile);

const repoRoot = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const pomFile = fileURLToPath(new URL('./test-server-pom.xml', import.meta.url));
const cacheRoot = path.join(repoRoot, '.tools', 'temporal-test-server');
const mavenRepo = path.join(repoRoot, '.tools', 'm2');

// Pinned so a Maven upgrade cannot change how the jars are laid out.
const copyDependencies = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies';
const mainClass = 'io.temporal.testserver.TestServer';
const javaCommand = process.env.JAVA_HOME
  ? path.join(process.env.JAVA_HOME, 'bin', 'java')
  : 'java';

/** Returns the test server's launcher path; Maven runs only when the jars are not cached yet. */
export async function ensureTimeSkippingServer(): Promise<string> {
  await assertJavaRuns();

  const version = await readServerVersion();
  const home = path.join(cacheRoot, version);
  if (!(await hasServerJar({ home, version }))) await resolveJars({ home, version });

  return writeLauncher(home);
}

/** Starts a time-skipping test environment on that server; the caller calls `teardown()`. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const executable = await ensureTimeSkippingServer();

  try {
    return await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: executable } },
    });
  } catch (error) {
    throw new Error(
      `Temporal's time-skipping test server did not start: run "${executable} <port>" by hand ` +
        `to see why, or delete ${cacheRoot} to resolve its jars afresh.`,
      { cause: error },
    );
  }
}

async function assertJavaRuns(): Promise<void> {
  try {
    await run(javaCommand, ['-version']);
  } catch (error) {
    throw new Error(
      `Temporal's time-skipping test server runs on Java, and "${javaCommand} -version" failed: ` +
        `install Java 17 (apt-get install openjdk-17-jre-headless) or point JAVA_HOME at one.`,
      { cause: error },
    );
  }
}

/** The pom is the one place that names the version, so raising it there re-resolves here. */
async function readServerVersion(): Promise<string> {
  const pom = await fs.readFile(pomFile, 'utf8');
  const version = /<temporal\.test-server\.version>([^<]+)</.exec(pom)?.[1]?.trim();
  if (!version) {
    throw new Error(`${pomFile} must set <temporal.test-server.version> to a released version.`);
  }
  return version;
}

async function hasServerJar(options: { home: string; version: string }): Promise<boolean> {
  const jar = path.join(options.home, 'lib', `temporal-test-server-${options.version}.jar`);
  return fs.access(jar).then(
    () => true,
    () => false,
  );
}

/**
 * Jest runs test files in parallel, so two of them may resolve at once: each resolves into its
 * own staging folder and renames it into place, and a complete folder is never half-written.
 */
async function resolveJars(options: { home: string; version: string }): Promise<void> {
  const staging = `${options.home}.staging-${process.pid}`;

  try {
    await runMaven({ lib: path.join(staging, 'lib'), version: options.version });

    if (!(await hasServerJar(options))) {
      await fs.rm(options.home, { recursive: true, force: true });
      await fs.rename(staging, options.home);
    }
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

async function runMaven(options: { lib: string; version: string }): Promise<void> {
  const args = ['-B', '-q', '-f', pomFile, `-Dmaven.repo.local=${mavenRepo}`, copyDependencies];
  args.push('-DincludeScope=runtime', `-DoutputDirectory=${options.lib}`);

  try {
    // The environment is passed on explicitly so a caller's PATH decides which Maven runs.
    await run('mvn', args, { env: process.env, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const output = String((error as { stdout?: string }).stdout ?? '').trim();
    throw new Error(
      `Maven could not resolve io.temporal:temporal-test-server:${options.version}` +
        `${output ? `:\n${output.split('\n').slice(-15).join('\n')}\n` : '. '}` +
        `Install Maven 3 (apt-get install maven) and let it reach Maven Central once; ` +
        `the jars are then cached in ${cacheRoot} and later runs need no network.`,
      { cause: error },
    );
  }
}

/**
 * The SDK runs the launcher with the port as its only argument and kills it at teardown;
 * `exec` makes Java that very process, so the kill cannot leave a server behind.
 */
async function writeLauncher(home: string): Promise<string> {
  const launcher = path.join(home, 'bin', 'test-server');
  const script = launcherScript(path.join(home, 'lib'));

  const current = await fs.readFile(launcher, 'utf8').catch(() => null);
  if (current === script) return launcher;

  // Written beside and renamed, so a parallel test file never runs a half-written script.
  await fs.mkdir(path.dirname(launcher), { recursive: true });
  const partial = `${launcher}.${process.pid}.tmp`;
  await fs.writeFile(partial, script, { mode: 0o755 });
  await fs.rename(partial, launcher);
  return launcher;
}

function launcherScript(lib: string): string {
  const classpath = shellQuote(`${lib}/*`);
  const java = shellQuote(javaCommand);

  // C1 only and the serial collector: a test server lives for seconds, so start-up wins.
  const jvmOptions = '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC';
  const quietLogs = '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn';
  return [
    '#!/bin/sh',
    '# Written by temporal/testing/time-skipping-server.ts: Temporal time-skipping test server.',
    '# Usage: test-server <port>',
    `exec ${java} ${jvmOptions} ${quietLogs} -cp ${classpath} ${mainClass} "$@"`,
    '',
  ].join('\n');
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
