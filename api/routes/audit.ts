// Audit route: GET /api/tickets/:id/audit answers a ticket's whole audit timeline (every
// timeline entry with its cause: rule ids, policy versions, timers, agents by name) as JSON,
// the same data `npm run audit -- timeline --json` prints. `?download=1` makes it a file
// (ticket-<id>-audit.json); `?tz=<IANA zone>` adds each instant in the viewer's zone.
// Read-only. Tests: tests/audit/audit-api.test.ts.
import { Router } from 'express';
import { z } from 'zod';
import type { Orm } from '../../db/orm.ts';
import { loadAuditSource } from '../../temporal/audit/audit-source.ts';
import { buildAuditTimeline, isTimeZone } from '../../temporal/audit/timeline.ts';
import { ProblemError } from '../errors.ts';
import { pathId } from '../request-input.ts';

const auditParams = z.object({ id: pathId });
const auditQuery = z.object({
  download: z.enum(['0', '1', 'true', 'false']).optional(),
  tz: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin').optional(),
});

/** Routes under /api/tickets/:id/audit. */
export function auditRoutes(deps: { orm: Orm }): Router {
  const router = Router();

  router.get('/tickets/:id/audit', async (req, res) => {
    const params = auditParams.safeParse(req.params);
    if (!params.success) throw ProblemError.invalid(params.error, 'path');
    const query = auditQuery.safeParse(req.query);
    if (!query.success) throw ProblemError.invalid(query.error, 'query');

    const { id } = params.data;
    const source = await loadAuditSource(deps.orm.em.fork(), id);
    if (source === null) throw ProblemError.notFound(`ticket ${id}`);

    const timeline = buildAuditTimeline(source, { timeZone: query.data.tz ?? null });
    const download = query.data.download === '1' || query.data.download === 'true';
    if (download) res.attachment(`ticket-${id}-audit.json`);
    res.json(timeline);
  });

  return router;
}
