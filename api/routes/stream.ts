// Server-sent events for live views: each ticket change is pushed as an `ticket` event
// with its id and version, so queue and ticket pages refresh within a moment of the
// workflow's projection, without polling. A comment line every 15 s keeps proxies open.
import { Router } from 'express';
import type { TicketChangeFeed } from '../ticket-change-feed.ts';

const keepAliveMs = 15_000;

/** GET /stream: a text/event-stream of ticket changes. */
export function streamRoutes(deps: { feed: TicketChangeFeed }): Router {
  const router = Router();

  router.get('/stream', (req, res) => {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');

    const unsubscribe = deps.feed.subscribe((change) => {
      res.write(`event: ticket\ndata: ${JSON.stringify(change)}\n\n`);
    });
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), keepAliveMs);
    req.on('close', () => {
      clearInterval(keepAlive);
      unsubscribe();
    });
  });

  return router;
}
