// The agent's inbox: GET /inbox/counts answers how many tickets each named view holds for the
// signed-in agent (the queue page's tabs, refreshed on every change the stream reports), and
// GET /inbox/tickets lists one view with the queue page's filters. Both only read the ticket
// read model (db/repositories/inbox-reads.ts); /api/tickets stays the plain list for
// integrations.
import { Router } from 'express';
import { z } from 'zod';
import type { Orm } from '../../db/orm.ts';
import {
  countInboxViews,
  findInboxScope,
  listInboxTickets,
} from '../../db/repositories/inbox-reads.ts';
import { channels, priorities, ticketStatuses } from '../../workflows/ticket/vocabulary.ts';
import { inboxViews } from '../inbox-contract.ts';
import { ProblemError } from '../errors.ts';

// A list parameter arrives as `a,b` or as a repeated key; both become one array.
function listOf<T extends readonly [string, ...string[]]>(values: T) {
  return z
    .union([z.string(), z.array(z.string())])
    .transform((raw) =>
      [raw]
        .flat()
        .flatMap((value) => value.split(','))
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(values)))
    .optional();
}

const listQuery = z.object({
  view: z.enum(inboxViews).default('all'),
  status: listOf(ticketStatuses as [string, ...string[]]),
  priority: listOf(priorities as [string, ...string[]]),
  channel: listOf(channels as [string, ...string[]]),
  tag: z.string().trim().toLowerCase().min(1).max(64).optional(),
  assigneeId: z.union([z.literal('unassigned'), z.coerce.number().int().positive()]).optional(),
  queueId: z.coerce.number().int().positive().optional(),
  requesterId: z.coerce.number().int().positive().optional(),
  sort: z.enum(['sla_due', 'updated', 'created']).default('sla_due'),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});

/** Routes under /api/inbox, for the signed-in agent only. */
export function inboxRoutes(deps: { orm: Orm }): Router {
  const router = Router();

  router.get('/inbox/counts', async (req, res) => {
    const em = deps.orm.em.fork();
    const scope = await findInboxScope(em, req.agent!.id);
    res.json(await countInboxViews(em, scope));
  });

  router.get('/inbox/tickets', async (req, res) => {
    const parsed = listQuery.safeParse(req.query);
    if (!parsed.success) throw ProblemError.invalid(parsed.error, 'query');

    const em = deps.orm.em.fork();
    const scope = await findInboxScope(em, req.agent!.id);
    const filters = parsed.data as Parameters<typeof listInboxTickets>[2];
    res.json(await listInboxTickets(em, scope, filters));
  });

  return router;
}
