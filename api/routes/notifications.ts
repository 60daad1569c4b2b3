// The signed-in agent's in-app notifications: mentions in internal notes, handoffs to them,
// assignments by a macro, SLA warnings and escalations. Each agent reads and marks only their
// own; another agent's notification answers 404 as if it did not exist. New ones also arrive
// live as `notification` events on GET /api/stream (api/routes/stream.ts).
// Tests: tests/api/collab-mentions.test.ts.
import { Router } from 'express';
import { z } from 'zod';
import type { Orm } from '../../db/orm.ts';
import {
  listNotifications,
  markAllNotificationsRead,
  markNotificationRead,
  unreadCount,
} from '../../db/repositories/notifications.ts';
import { ProblemError } from '../errors.ts';
import { parse, pathId } from '../request-input.ts';

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  unread: z.enum(['true', 'false']).default('false'),
});
const idParams = z.object({ id: pathId });

/** GET /notifications, POST /notifications/:id/read, POST /notifications/read-all. */
export function notificationRoutes(deps: { orm: Orm }): Router {
  const router = Router();

  router.get('/notifications', async (req, res) => {
    const { limit, unread } = parse(listQuery, req.query, 'query');
    const agentId = req.agent!.id;
    res.json(
      await listNotifications(deps.orm.em.fork(), {
        agentId,
        limit,
        unreadOnly: unread === 'true',
      }),
    );
  });

  router.post('/notifications/read-all', async (req, res) => {
    const agentId = req.agent!.id;
    const marked = await markAllNotificationsRead(deps.orm.em.fork(), agentId);
    req.log.info({ marked }, 'notifications read');
    res.json({ marked, unreadCount: 0 });
  });

  router.post('/notifications/:id/read', async (req, res) => {
    const { id } = parse(idParams, req.params, 'path');
    const agentId = req.agent!.id;
    if (!(await markNotificationRead(deps.orm.em.fork(), { agentId, id }))) {
      throw ProblemError.notFound(`notification ${id}`);
    }
    res.json({ id, unreadCount: await unreadCount(deps.orm.em.fork(), agentId) });
  });

  return router;
}
