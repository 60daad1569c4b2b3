// Starts and stops the bench's child processes (see bench-process.ts) and reads how much CPU
// each process the bench started has used, from /proc, so a report can say where time went.
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { BenchServices } from './bench-services.ts';

/** The roles a bench child can play. */
export const BenchRole = {
  TicketWorker: 'ticket-worker',
  Server: 'server',
  EmptyWorker: 'empty-worker',
} as const;
export type BenchRole = (typeof BenchRole)[keyof typeof BenchRole];

const benchProcessPath = fileURLToPath(new URL('./bench-process.ts', import.meta.url));

/** A running bench child: its pid, and how to stop it. */
export interface BenchChild {
  role: BenchRole;
  pid: number;
  stop(): Promise<void>;
}

/** Forks a bench child with its output in `<dataDir>/logs/<role>.log`; resolves once it is ready. */
export async function startBenchChild(bench: BenchServices, role: BenchRole): Promise<BenchChild> {
  const logFile = path.join(bench.config.dataDir, 'logs', `${role}.log`);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const logFd = fs.openSync(logFile, 'a');
  const child = fork(benchProcessPath, [role], {
    env: bench.childEnv,
    stdio: ['ignore', logFd, logFd, 'ipc'],
  });
  fs.closeSync(logFd);

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitForReady(child, { role, logFile });
  return { role, pid: child.pid!, stop: () => stopChild(child, exited) };
}

function waitForReady(
  child: ChildProcess,
  options: { role: BenchRole; logFile: string },
): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('message', (message: { type?: string }) => {
      if (message.type === 'ready') resolve();
    });
    child.once('exit', (code) =>
      reject(
        new Error(
          `bench ${options.role} exited with ${code} before it was ready; see ${options.logFile}`,
        ),
      ),
    );
  });
}

/** Asks the child to drain; after 30 s it is killed by its own pid. */
async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;

  child.send({ type: 'stop' });
  const timedOut = await Promise.race([
    exited.then(() => false),
    sleep(30_000, true, { ref: false }),
  ]);
  if (timedOut) {
    child.kill('SIGKILL');
    await exited;
  }
}

/** CPU seconds used so far by each direct child of this process, its own descendants included. */
export function cpuSecondsByChild(): Map<string, number> {
  const processes = readProcessTable();
  const byParent = new Map<number, number[]>();
  for (const entry of processes.values()) {
    byParent.set(entry.ppid, [...(byParent.get(entry.ppid) ?? []), entry.pid]);
  }

  const totals = new Map<string, number>();
  totals.set('bench driver (this process)', processes.get(process.pid)?.cpuSeconds ?? 0);
  for (const childPid of byParent.get(process.pid) ?? []) {
    const name = processLabel(processes.get(childPid)!);
    const seconds = descendantsOf(childPid, byParent).reduce(
      (sum, pid) => sum + (processes.get(pid)?.cpuSeconds ?? 0),
      0,
    );
    totals.set(name, (totals.get(name) ?? 0) + seconds);
  }
  return totals;
}

/** CPU seconds the whole machine has spent busy and idle since boot, summed over its cores. */
export function machineCpuSeconds(): { busy: number; idle: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { busy: busy / clockTicks, idle: (idle! + iowait!) / clockTicks };
}

interface ProcessEntry {
  pid: number;
  ppid: number;
  command: string;
  args: string;
  cpuSeconds: number;
}

const clockTicks = 100;

function readProcessTable(): Map<number, ProcessEntry> {
  const table = new Map<number, ProcessEntry>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const entry = readProcess(Number(name));
    if (entry !== null) table.set(entry.pid, entry);
  }
  return table;
}

function readProcess(pid: number): ProcessEntry | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command sits in parentheses and may itself contain spaces; fields follow the last ')'.
    const close = stat.lastIndexOf(')');
    const command = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { pid, ppid: Number(fields[1]), command, args, cpuSeconds: ticks / clockTicks };
  } catch {
    // The process ended between listing /proc and reading it.
    return null;
  }
}

function descendantsOf(pid: number, byParent: Map<number, number[]>): number[] {
  const children = byParent.get(pid) ?? [];
  return [pid, ...children.flatMap((child) => descendantsOf(child, byParent))];
}

function processLabel(entry: ProcessEntry): string {
  const role = /bench-process\.ts (\S+)/.exec(entry.args)?.[1];
  if (role !== undefined) return role;
  if (entry.args.includes('start-dev')) return 'temporal dev server';
  return entry.command;
}
