// Child-process plumbing shared by the local PostgreSQL, Temporal and Meilisearch
// launchers: start a server in its own process group with its output in a log
// file, wait until it answers, and stop it politely before forcing it.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The three services the launcher can start. */
export type ServiceName = 'postgres' | 'temporal' | 'meilisearch';

/** A local service that did not start: names the service, its log file and what to do. */
export class LocalServiceError extends Error {
  readonly service: ServiceName;
  readonly logFile: string;

  constructor(options: {
    service: ServiceName;
    problem: string;
    fix: string;
    logFile: string;
    logTail?: string;
  }) {
    const tail = options.logTail ? `\nLast lines of the log:\n${options.logTail}` : '';
    super(
      `${options.service} did not start: ${options.problem}. ${options.fix} (log: ${options.logFile})${tail}`,
    );
    this.name = 'LocalServiceError';
    this.service = options.service;
    this.logFile = options.logFile;
  }
}

/** A server process the launcher started and must stop. */
export interface ServerProcess {
  child: ChildProcess;
  logFile: string;
  exited: Promise<void>;
}

/** Options for startServerProcess: what to run, where its output goes, and as whom. */
export interface ServerProcessOptions {
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
}

const running = new Set<ChildProcess>();

// If this Node process ends without stopping its services (an uncaught error, a
// plain process.exit), the servers must not outlive it holding ports and locks.
process.on('exit', () => {
  for (const child of running) signalGroup(child, 'SIGTERM');
});

/** Starts a long-running server in its own process group, appending its output to logFile. */
export function startServerProcess(options: ServerProcessOptions): ServerProcess {
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  const logFd = fs.openSync(options.logFile, 'a');
  fs.writeSync(logFd, `\n--- ${new Date().toISOString()} ${path.basename(options.command)} ---\n`);

  // A process group of its own: Ctrl-C in the terminal reaches only our Node
  // process, which then stops the server, worker and services in order.
  const child = spawn(options.command, options.args, {
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: options.env ?? process.env,
    uid: options.uid,
    gid: options.gid,
  });
  fs.closeSync(logFd);

  running.add(child);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      running.delete(child);
      resolve();
    });
    child.once('error', () => {
      running.delete(child);
      resolve();
    });
  });
  return { child, logFile: options.logFile, exited };
}

/** Sends `signal` to the server's process group, then SIGKILL if it has not exited in time. */
export async function stopServerProcess(
  server: ServerProcess,
  options: { signal?: NodeJS.Signals; timeoutMs?: number } = {},
): Promise<void> {
  if (hasExited(server.child)) return;

  signalGroup(server.child, options.signal ?? 'SIGTERM');
  const timedOut = await Promise.race([
    server.exited.then(() => false),
    // Unreferenced, so a server that stopped in time does not keep Node waiting for this timer.
    sleep(options.timeoutMs ?? 15_000, true, { ref: false }),
  ]);

  if (timedOut) {
    signalGroup(server.child, 'SIGKILL');
    await server.exited;
  }
}

/** True once the process has exited or could not be spawned at all. */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null || child.pid === undefined;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || hasExited(child)) return;

  try {
    process.kill(-child.pid, signal);
  } catch (error) {
    // ESRCH: the group is already gone, which is what we wanted.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Answers whether nothing listens on 127.0.0.1:port, by binding it briefly rather than connecting. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      probe.close(() => resolve(true));
    });
  });
}

/**
 * The pid of a running process whose command line contains `argument` (such as
 * its data path), to tell a leftover server of an earlier run from a stranger.
 */
export function findProcessWithArgument(argument: string): number | null {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const args = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args.includes(argument)) return Number(entry);
    } catch {
      // The process ended while we looked: it is not the one we are after.
    }
  }
  return null;
}

/** The error for a busy port: names a leftover server of ours when there is one. */
export function portInUseProblem(options: { port: number; leftoverArgument: string }): {
  problem: string;
  fix?: string;
} {
  const pid = findProcessWithArgument(options.leftoverArgument);
  if (pid === null) return { problem: `port ${options.port} is in use` };

  return {
    problem: `port ${options.port} is held by a server from an earlier run (pid ${pid})`,
    fix: `Stop it with "kill ${pid}", then start again.`,
  };
}

/**
 * Polls `check` until it resolves, the server exits, or the timeout passes.
 * Returns the last error message when it gave up, or null once the server answered.
 */
export async function waitUntilReady(
  server: ServerProcess,
  check: () => Promise<void>,
  timeoutMs: number,
): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem = 'no answer yet';

  while (Date.now() < deadline) {
    if (hasExited(server.child)) return `it exited early (${exitDescription(server.child)})`;

    try {
      await check();
      return null;
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error);
    }
    await sleep(200);
  }
  return `no answer after ${Math.round(timeoutMs / 1000)} s (last: ${lastProblem})`;
}

function exitDescription(child: ChildProcess): string {
  if (child.signalCode) return `signal ${child.signalCode}`;
  if (child.exitCode !== null) return `exit code ${child.exitCode}`;
  return 'could not be spawned';
}

/** The last lines of a log file, to put the server's own words into an error message. */
export function tailOfLog(logFile: string, lines = 5): string {
  try {
    const text = fs.readFileSync(logFile, 'utf8').trimEnd();
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** The same environment minus variables whose prefix a child server would read as its own settings. */
export function environmentWithout(prefix: string): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith(prefix)),
  );
}
