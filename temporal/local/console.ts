// What the `npm start` and `npm test` scripts share on the terminal: a readable
// pino logger for the launcher and the processes it runs, and one line saying
// how long each local service took to start.
import pino from 'pino';
import type { Logger } from 'pino';
import pretty from 'pino-pretty';
import type { RunningServices } from './index.ts';

/** A pino logger printing one readable line per entry, coloured when stdout is a terminal. */
export function createConsoleLogger(level: string): Logger {
  const stream = pretty({
    colorize: process.stdout.isTTY,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    sync: true,
  });
  return pino({ level }, stream);
}

/** "postgres 331 ms, temporal 1.1 s, meilisearch external", in the order the services are listed. */
export function describeStartup(startupMs: RunningServices['startupMs']): string {
  return Object.entries(startupMs)
    .map(([service, ms]) => `${service} ${ms === 0 ? 'external' : formatDuration(ms)}`)
    .join(', ');
}

/** Milliseconds below a second, seconds with one decimal above. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
