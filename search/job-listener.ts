// The wake-up line of every index-job outbox: one pooled PostgreSQL connection held in
// LISTEN on the outbox's channel. If PostgreSQL drops it, it reconnects after a pause;
// meanwhile the indexer's poll keeps the outbox draining, only less promptly.
import type { PoolClient } from 'pg';
import type { Logger } from 'pino';
import type { Orm } from '../db/orm.ts';

const reconnectAfterMs = 5_000;

export interface JobListener {
  stop(): Promise<void>;
}

/** Calls `onNotify` on every NOTIFY on `channel`, and once after each (re)connection. */
export function listenForIndexJobs(options: {
  orm: Orm;
  log: Logger;
  channel: string;
  onNotify: () => void;
}): JobListener {
  const { channel } = options;
  let client: PoolClient | null = null;
  let retry: NodeJS.Timeout | null = null;
  let isStopped = false;

  const connect = async () => {
    retry = null;
    try {
      const pool = await options.orm.em.getConnection().getNativeClient();
      const fresh = await pool.connect();
      fresh.on('notification', options.onNotify);
      fresh.on('error', (error) => dropped(fresh, error));
      await fresh.query(`listen ${channel}`);
      client = fresh;
      if (isStopped) await release();
      // Jobs enqueued while nobody listened would otherwise wait for the next poll.
      options.onNotify();
    } catch (error) {
      options.log.warn({ channel, detail: (error as Error).message }, 'index job listener failed');
      scheduleReconnect();
    }
  };

  const dropped = (dead: PoolClient, error: Error) => {
    if (client !== dead) return;
    client = null;
    dead.release(error);
    options.log.warn({ channel, detail: error.message }, 'index job listener disconnected');
    scheduleReconnect();
  };

  const scheduleReconnect = () => {
    if (!isStopped) retry = setTimeout(() => void connect(), reconnectAfterMs);
  };

  const release = async () => {
    const held = client;
    client = null;
    if (!held) return;
    await held.query(`unlisten ${channel}`).catch(() => undefined);
    held.release();
  };

  const started = connect();

  return {
    async stop() {
      isStopped = true;
      if (retry) clearTimeout(retry);
      await started;
      await release();
    },
  };
}
