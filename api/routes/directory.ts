// The workgroup directory for the workspace: agents (to act as, assign and hand off to)
// and queues (to filter by). Read-only here; leads edit the workgroup elsewhere.
import { Router } from 'express';
import type { Orm } from '../../db/orm.ts';
import { listAgents, listQueues } from '../../db/repositories/ticket-reads.ts';

/** GET /agents and GET /queues. */
export function directoryRoutes(deps: { orm: Orm }): Router {
  const router = Router();
  router.get('/agents', async (_req, res) => res.json(await listAgents(deps.orm.em.fork())));
  router.get('/queues', async (_req, res) => res.json(await listQueues(deps.orm.em.fork())));
  return router;
}
