// Server-sent events for live views: each ticket change is pushed as a `ticket` event
// with its id and version, so queue and ticket pages refresh within a moment of the
// workflow's projection, without polling; each colleague's presence heartbeat is pushed as
// a `presence` event; a new in-app notification is pushed as a `notification` event to the
// agent it is for, and to no one else. Only signed-in agents reach this route
// (api/middleware/authenticate.ts), so presence never leaves the workspace. A comment line
// every 15 s keeps proxies open.
import { Router } from 'express';
import type { Orm } from '../../db/orm.ts';
import { unreadCount } from '../../db/repositories/notifications.ts';
import type { NotificationEvent } from '../contract.ts';
import type { TicketChangeFeed } from '../ticket-change-feed.ts';

const keepAliveMs = 15_000;

/** GET /stream: a text/event-stream of ticket changes and agents' presence. */
export function streamRoutes(deps: { feed: TicketChangeFeed; orm?: Orm }): Router {
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
    const unsubscribePresence = deps.feed.subscribePresence((presence) => {
      res.write(`event: presence\ndata: ${JSON.stringify(presence)}\n\n`);
    });
    // A `notification` event goes only to the agent it is for, with their new unread count.
    const agentId = req.agent?.id;
    const unsubscribeNotifications = deps.feed.subscribeNotifications((notification) => {
      if (notification.agentId !== agentId || deps.orm === undefined) return;
      void unreadCount(deps.orm.em.fork(), notification.agentId)
        .then((count) => {
          const event: NotificationEvent = {
            id: notification.id,
            ticketId: notification.ticketId,
            kind: notification.kind,
            unreadCount: count,
          };
          res.write(`event: notification\ndata: ${JSON.stringify(event)}\n\n`);
        })
        .catch((error: unknown) => req.log.warn({ err: error }, 'notification event not sent'));
    });
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), keepAliveMs);
    req.on('close', () => {
      clearInterval(keepAlive);
      unsubscribe();
      unsubscribePresence();
      unsubscribeNotifications();
    });
  });

  return router;
}
