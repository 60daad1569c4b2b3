// The shape every channel relay in the server process shares: a sweep that hands on what
// is owed (replies to mail, posts to send), woken by each ticket change on the feed and by
// a slow timer in case a wake-up was missed. One sweep runs at a time; a wake-up during a
// sweep joins it. A failed sweep is logged and the next wake-up tries again.
import type { Logger } from 'pino';
import type { TicketChangeFeed } from '../api/ticket-change-feed.ts';

export interface ChangeSweeper {
  /** Runs a sweep now (or joins the running one); answers how many items it handed on. */
  sweep(): Promise<number>;
  stop(): void;
}

export function startChangeSweeper(options: {
  feed: TicketChangeFeed;
  log: Logger;
  everyMs: number;
  /** What the log says when a sweep fails, e.g. "chat replies not mailed". */
  failure: string;
  sweepOnce: () => Promise<number>;
}): ChangeSweeper {
  let running: Promise<number> | null = null;
  const sweep = (): Promise<number> => {
    running ??= options.sweepOnce().finally(() => {
      running = null;
    });
    return running;
  };
  const sweepLogged = () =>
    void sweep().catch((error: unknown) =>
      options.log.warn({ err: error }, `${options.failure}; the next sweep retries`),
    );

  const unsubscribe = options.feed.subscribe(sweepLogged);
  const timer = setInterval(sweepLogged, options.everyMs);
  timer.unref();
  return {
    sweep,
    stop() {
      unsubscribe();
      clearInterval(timer);
    },
  };
}
