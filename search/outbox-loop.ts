// The loop every index-job outbox runs in the worker process: drain, then sleep until a
// NOTIFY or the poll interval; on failure, log the outage once, back off (a notification must
// not cut the backoff short, since during an outage every new job rings) and retry until the
// search service answers, then log the recovery once. What a drain does belongs to each indexer.
import type { Logger } from 'pino';
import type { Orm } from '../db/orm.ts';
import { listenForIndexJobs } from './job-listener.ts';

const firstBackoffMs = 500;
const maxBackoffMs = 30_000;

export interface OutboxLoop {
  /** Stops after the drain in flight and releases the LISTEN connection. */
  stop(): Promise<void>;
}

/** Runs `drain` whenever jobs may be waiting on `channel`, with backoff while it fails. */
export function runOutboxLoop(options: {
  orm: Orm;
  log: Logger;
  channel: string;
  /** Names the loop in its log lines, e.g. "ticket indexing". */
  activity: string;
  drain: () => Promise<unknown>;
  idleMs: number;
  /** After a wake-up, wait this long so the jobs of a burst go out in one write. */
  batchWindowMs?: number;
}): OutboxLoop {
  const bell = createDoorbell();
  const listener = listenForIndexJobs({
    orm: options.orm,
    log: options.log,
    channel: options.channel,
    onNotify: bell.ring,
  });
  const outage = createOutageLog(options.log, options.activity);
  let isStopping = false;

  const loop = (async () => {
    let backoffMs = firstBackoffMs;
    while (!isStopping) {
      try {
        await options.drain();
        outage.recovered();
        backoffMs = firstBackoffMs;
        await bell.waitForRing(options.idleMs);
        if (!isStopping && options.batchWindowMs) await bell.sleep(options.batchWindowMs);
      } catch (error) {
        outage.failed(error, backoffMs);
        await bell.sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, maxBackoffMs);
      }
    }
  })();

  return {
    async stop() {
      isStopping = true;
      bell.cancel();
      await loop;
      await listener.stop();
    },
  };
}

/** Logs an outage once at `warn` when it starts and once at `info` when the drain works again. */
function createOutageLog(log: Logger, activity: string) {
  let since: number | null = null;

  return {
    failed(error: unknown, retryInMs: number) {
      if (since !== null) return;
      since = Date.now();
      // Only name and message: a Meilisearch error's cause can carry the request body.
      const { name, message } = error as Error;
      log.warn({ reason: name, detail: message, retryInMs }, `${activity} paused`);
    },
    recovered() {
      if (since === null) return;
      log.info({ outageMs: Date.now() - since }, `${activity} resumed`);
      since = null;
    },
  };
}

/** Lets the loop sleep until a notification, a timeout, or stop, whichever comes first. */
function createDoorbell() {
  let hasRung = false;
  let isCancelled = false;
  let wakeOnRing: (() => void) | null = null;
  let wakeOnCancel: (() => void) | null = null;

  const pause = async (ms: number, isRingable: boolean) => {
    if (!isCancelled && !(isRingable && hasRung)) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          wakeOnRing = null;
          wakeOnCancel = null;
          resolve();
        }
        wakeOnCancel = done;
        if (isRingable) wakeOnRing = done;
      });
    }
    // A ring is consumed by the drain that follows; a ring during that drain wakes the next wait.
    if (isRingable) hasRung = false;
  };

  return {
    ring() {
      hasRung = true;
      wakeOnRing?.();
    },
    waitForRing: (ms: number) => pause(ms, true),
    sleep: (ms: number) => pause(ms, false),
    cancel() {
      isCancelled = true;
      wakeOnCancel?.();
    },
  };
}
