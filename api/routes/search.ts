// Ticket search route: GET /search (mounted under /api). Validates the query and asks
// search/ticket-search.ts; when Meilisearch is down it still answers 200 with a notice, so
// the workspace shows a sentence instead of an error page. Read-only; tests in tests/search/.
import { Router } from 'express';
import { z } from 'zod';
import type { Meili } from '../../search/client.ts';
import { searchTickets } from '../../search/ticket-search.ts';
import { channels, priorities, ticketStatuses } from '../../workflows/ticket/vocabulary.ts';
import type { SearchResult } from '../contract.ts';
import { ProblemError } from '../errors.ts';

export interface SearchRouteDeps {
  meili: Meili;
  /** The index to search; production uses the default `tickets`. */
  indexUid?: string;
}

const searchQuery = z.object({
  q: z.string().trim().min(1).max(200),
  page: z.coerce.number().int().min(1).max(1_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
  status: z.enum(ticketStatuses).optional(),
  priority: z.enum(priorities).optional(),
  channel: z.enum(channels).optional(),
  queueId: z.coerce.number().int().positive().optional(),
  teamId: z.coerce.number().int().positive().optional(),
  assigneeId: z.coerce.number().int().positive().optional(),
});

/** Serves agents' ticket search; never answers an error because Meilisearch is down. */
export function searchRoutes(deps: SearchRouteDeps): Router {
  const router = Router();

  router.get('/search', async (req, res) => {
    const parsed = searchQuery.safeParse(req.query);
    if (!parsed.success) throw ProblemError.invalid(parsed.error, 'query');

    const { q, page, pageSize, ...filters } = parsed.data;
    const result: SearchResult = await searchTickets({
      meili: deps.meili,
      indexUid: deps.indexUid,
      q,
      filters,
      page,
      pageSize,
      log: req.log,
    });

    res.json(result);
  });

  return router;
}
