// Reports routes: the lead's dashboard numbers, the tickets behind each number, the dashboard's
// tables, and recomputing a period against its last snapshot. Leads, admins and auditors may
// read; recomputing (which stores a snapshot) is for leads and admins. Every list and table
// answers CSV with `?format=csv`. The routes validate and shape; what each number means lives
// in reports/metrics.ts. Shapes: reports/contract.ts. Tests: tests/reports/reports-api.test.ts.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Orm } from '../../db/orm.ts';
import type { MetricId, ReportQuery, ReportTableId } from '../../reports/contract.ts';
import { toCsv } from '../../reports/csv.ts';
import { definitionsVersion, metricDefinition, metricDefinitions } from '../../reports/metrics.ts';
import {
  computeReport,
  computeTable,
  drillDown,
  queryString,
} from '../../reports/report-service.ts';
import { listSnapshots, recomputePeriod } from '../../reports/snapshots.ts';
import { channels, priorities } from '../../workflows/ticket/vocabulary.ts';
import { Role } from '../auth/roles.ts';
import { requireRole } from '../middleware/authenticate.ts';
import { ProblemError } from '../errors.ts';

const maxPeriodDays = 3 * 366;
const dayMs = 86_400_000;

// An instant with an offset, or a date read as UTC midnight.
const instant = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/,
    'must be YYYY-MM-DD or an ISO-8601 instant with Z or an offset',
  )
  .transform((s) => (s.length === 10 ? `${s}T00:00:00Z` : s))
  .refine((s) => !Number.isNaN(Date.parse(s)), 'is not a real date');

const id = z.coerce.number().int().positive();

const reportQuery = z
  .object({
    from: instant,
    to: instant,
    compareFrom: instant.optional(),
    compareTo: instant.optional(),
    teamId: id.optional(),
    queueId: id.optional(),
    agentId: id.optional(),
    channel: z.enum(channels).optional(),
    priority: z.enum(priorities).optional(),
    format: z.enum(['json', 'csv']).default('json'),
    limit: z.coerce.number().int().min(1).max(5000).default(500),
  })
  .superRefine((q, ctx) => {
    checkPeriod(ctx, q.from, q.to, ['from', 'to']);
    if ((q.compareFrom === undefined) !== (q.compareTo === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [q.compareFrom === undefined ? 'compareFrom' : 'compareTo'],
        message: 'compareFrom and compareTo go together',
      });
    } else if (q.compareFrom !== undefined) {
      checkPeriod(ctx, q.compareFrom, q.compareTo!, ['compareFrom', 'compareTo']);
    }
  });

function checkPeriod(ctx: z.RefinementCtx, from: string, to: string, names: [string, string]) {
  const span = Date.parse(to) - Date.parse(from);
  if (span <= 0) {
    ctx.addIssue({ code: 'custom', path: [names[1]], message: `must be after ${names[0]}` });
  } else if (span > maxPeriodDays * dayMs) {
    ctx.addIssue({
      code: 'custom',
      path: [names[1]],
      message: `the period may span at most ${maxPeriodDays} days`,
    });
  }
}

const tableIds = ['agents', 'teams', 'backlog-age', 'daily'] as const;
const recomputeBody = z.object({
  from: instant,
  to: instant,
  teamId: id.optional(),
  queueId: id.optional(),
  agentId: id.optional(),
  channel: z.enum(channels).optional(),
  priority: z.enum(priorities).optional(),
  reason: z.string().trim().max(500).optional(),
});

type ParsedQuery = z.infer<typeof reportQuery>;

/** GET /reports/* for leads, admins and auditors; POST /reports/recompute for leads and admins. */
export function reportRoutes(deps: { orm: Orm }): Router {
  const router = Router();
  router.use('/reports', requireRole(Role.Lead, Role.Admin, Role.Auditor));

  router.get('/reports/definitions', (_req, res) => {
    res.json({
      definitionsVersion,
      metrics: metricDefinitions.map(({ id: metricId, label, description, unit, statistic }) => ({
        id: metricId,
        label,
        description,
        unit,
        statistic,
      })),
    });
  });

  router.get('/reports/metrics', async (req, res) => {
    const q = parseQuery(req);
    const report = await computeReport(deps.orm.em.fork(), toReportQuery(q));
    req.log.info({ from: q.from, to: q.to, metrics: report.metrics.length }, 'report computed');
    if (q.format === 'csv') {
      const rows = report.metrics.map(({ drillDown: _link, description: _d, ...m }) => m);
      return sendCsv(res, 'metrics', toCsv(rows, metricColumns));
    }
    res.json(report);
  });

  router.get('/reports/metrics/:metricId/tickets', async (req, res) => {
    const metric = metricDefinition(req.params.metricId ?? '');
    if (metric === undefined) throw ProblemError.notFound(`metric "${req.params.metricId}"`);
    const q = parseQuery(req);
    const limit = q.format === 'csv' ? 50_000 : q.limit;
    const list = await drillDown(deps.orm.em.fork(), metric.id as MetricId, toReportQuery(q), {
      limit,
    });
    if (q.format === 'csv') {
      const rows = list.tickets as unknown as Record<string, unknown>[];
      return sendCsv(res, `${metric.id}-tickets`, toCsv(rows, drillDownColumns));
    }
    res.json(list);
  });

  router.get('/reports/tables/:tableId', async (req, res) => {
    const tableId = req.params.tableId as ReportTableId;
    if (!(tableIds as readonly string[]).includes(tableId)) {
      throw ProblemError.notFound(
        `report table "${req.params.tableId}" (try ${tableIds.join(', ')})`,
      );
    }
    const q = parseQuery(req);
    const rows = await computeTable(deps.orm.em.fork(), tableId, toReportQuery(q));
    if (q.format === 'csv') return sendCsv(res, tableId, toCsv(rows));
    res.json({ definitionsVersion, table: tableId, query: queryString(toReportQuery(q)), rows });
  });

  router.get('/reports/snapshots', async (_req, res) => {
    res.json({ snapshots: await listSnapshots(deps.orm.em.fork()) });
  });

  router.post('/reports/recompute', requireRole(Role.Lead, Role.Admin), async (req, res) => {
    const parsed = recomputeBody.safeParse(req.body ?? {});
    if (!parsed.success) throw ProblemError.invalid(parsed.error, 'body');
    const { reason, ...query } = parsed.data;
    const result = await recomputePeriod(deps.orm.em.fork(), { query, reason });
    req.log.info(
      { snapshotId: result.snapshotId, changes: result.changes.length },
      'report period recomputed',
    );
    res.status(201).json(result);
  });

  return router;
}

const metricColumns = [
  'id',
  'label',
  'unit',
  'statistic',
  'value',
  'businessValue',
  'businessLabel',
  'calendarValue',
  'calendarLabel',
  'p90BusinessValue',
  'p90CalendarValue',
  'sampleSize',
  'comparisonValue',
  'comparisonBusinessValue',
  'comparisonCalendarValue',
  'comparisonSampleSize',
];

const drillDownColumns = [
  'id',
  'subject',
  'status',
  'priority',
  'channel',
  'teamName',
  'queueName',
  'agentName',
  'createdAt',
  'businessValue',
  'calendarValue',
  'note',
];

function parseQuery(req: Request): ParsedQuery {
  const parsed = reportQuery.safeParse(req.query);
  if (!parsed.success) throw ProblemError.invalid(parsed.error, 'query');
  return parsed.data;
}

function toReportQuery(q: ParsedQuery): ReportQuery {
  const { format: _format, limit: _limit, ...rest } = q;
  return rest;
}

function sendCsv(res: Response, name: string, csv: string): void {
  res.type('text/csv; charset=utf-8');
  res.set('content-disposition', `attachment; filename="${name}.csv"`);
  res.send(csv);
}
