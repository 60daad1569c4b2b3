// The lead's actions beside the reports dashboard: weekly triage (stuck tickets, knowledge gaps,
// the weekly mail sent now), load per agent, and the one-click rebalance with its preview.
// Reading is for leads, admins and auditors; sending mail and moving tickets is for leads and
// admins. Moves go through each ticket workflow's assign Update (reports/load.ts), never the
// read model. Every table also answers CSV with `?format=csv`.
import { Router, type Response } from 'express';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { OutboundMailError } from '../../channels/email/outbound/outbox.ts';
import type { Orm } from '../../db/orm.ts';
import { applyRebalance, measureAgentLoad, planRebalance } from '../../reports/load.ts';
import { sendWeeklyTriageMail } from '../../reports/triage-mail.ts';
import { findKnowledgeGaps, findStuckTickets, type TriageFilters } from '../../reports/triage.ts';
import type { Meili } from '../../search/client.ts';
import { Role } from '../auth/roles.ts';
import { ProblemError } from '../errors.ts';
import { requireRole } from '../middleware/authenticate.ts';

export interface LeadRouteDeps {
  orm: Orm;
  temporal: Client;
  meili: Meili;
}

const dayMs = 86_400_000;
const id = z.coerce.number().int().positive();

const filterQuery = z.object({
  teamId: id.optional(),
  queueId: id.optional(),
  agentId: id.optional(),
  format: z.enum(['json', 'csv']).default('json'),
});

const stuckQuery = filterQuery.extend({
  stuckAfterHours: z.coerce.number().positive().max(2_000).optional(),
  // The dashboard shows the most idle few; the CSV carries every stuck ticket.
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
});

const gapsQuery = filterQuery.extend({
  from: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
  to: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
  minimumScore: z.coerce.number().min(0).max(1).optional(),
});

const planQuery = z.object({
  teamId: id.optional(),
  queueId: id.optional(),
  fromAgentId: id.optional(),
  toAgentId: id.optional(),
  count: z.coerce.number().int().min(1).max(50).default(3),
});

const applyBody = z.object({
  fromAgentId: z.number().int().positive(),
  toAgentId: z.number().int().positive(),
  ticketIds: z.array(z.number().int().positive()).min(1).max(50),
});

const stuckColumns = [
  'ticket',
  'subject',
  'status',
  'priority',
  'queue',
  'team',
  'assignee',
  'last_action_at',
  'idle_business_hours',
  'idle_calendar_hours',
  'reasons',
  'overdue_since',
];
const gapColumns = [
  'topic',
  'queue',
  'tag',
  'subject_word',
  'tickets',
  'common_words',
  'example_tickets',
];
const loadColumns = [
  'agent',
  'team',
  'status',
  'open_tickets',
  'active_tickets',
  'weighted_business_hours',
  'overdue_tickets',
  'capacity',
];

/** Routes under /api/lead. */
export function leadRoutes(deps: LeadRouteDeps): Router {
  const router = Router();
  router.get('/lead/*path', requireRole(Role.Lead, Role.Admin, Role.Auditor));
  router.post('/lead/*path', requireRole(Role.Lead, Role.Admin));

  router.get('/lead/stuck-tickets', async (req, res) => {
    const query = parse(stuckQuery, req.query, 'query');
    const report = await findStuckTickets({
      em: deps.orm.em.fork(),
      now: new Date(),
      stuckAfterBusinessHours: query.stuckAfterHours,
      filters: filtersOf(query),
    });
    if (query.format === 'json') {
      const shown = report.tickets.slice(0, query.limit);
      return void res.json({ ...report, total: report.tickets.length, tickets: shown });
    }
    sendCsv(
      res,
      'stuck-tickets',
      stuckColumns,
      report.tickets.map((t) => ({
        ticket: t.id,
        subject: t.subject,
        status: t.status,
        priority: t.priority,
        queue: t.queue?.name ?? '',
        team: t.team?.name ?? '',
        assignee: t.assignee?.name ?? '',
        last_action_at: t.lastActionAt,
        idle_business_hours: t.idleBusinessHours,
        idle_calendar_hours: t.idleCalendarHours,
        reasons: t.reasons.join(' '),
        overdue_since: t.overdueSince ?? '',
      })),
    );
  });

  router.get('/lead/knowledge-gaps', async (req, res) => {
    const query = parse(gapsQuery, req.query, 'query');
    const to = query.to === undefined ? new Date() : new Date(query.to);
    const from =
      query.from === undefined ? new Date(to.getTime() - 7 * dayMs) : new Date(query.from);
    requirePeriod(from, to);
    const report = await findKnowledgeGaps({
      em: deps.orm.em.fork(),
      meili: deps.meili,
      from,
      to,
      filters: filtersOf(query),
      minimumScore: query.minimumScore,
      log: req.log,
    });
    if (query.format === 'json') return void res.json(report);
    sendCsv(
      res,
      'knowledge-gaps',
      gapColumns,
      report.gaps.map((g) => ({
        topic: g.topic,
        queue: g.queue?.name ?? '',
        tag: g.tag ?? '',
        subject_word: g.subjectWord ?? '',
        tickets: g.ticketCount,
        common_words: g.commonWords.join(' '),
        example_tickets: g.examples.map((e) => e.ticketId).join(' '),
      })),
    );
  });

  router.post('/lead/triage-mail', async (req, res) => {
    // Keyed by the minute: a double click sends one mail, a later click another.
    const now = new Date();
    const outcome = await sendWeeklyTriageMail({
      orm: deps.orm,
      meili: deps.meili,
      now,
      dedupeKey: `weekly-triage:manual:${now.toISOString().slice(0, 16)}`,
      dashboardUrl: `${req.protocol}://${req.get('host')}/reports`,
      log: req.log,
    }).catch(refuseUnsendable);
    res.status(202).json(outcome);
  });

  router.get('/lead/load', async (req, res) => {
    const query = parse(filterQuery, req.query, 'query');
    const report = await measureAgentLoad({
      em: deps.orm.em.fork(),
      now: new Date(),
      filters: filtersOf(query),
    });
    if (query.format === 'json') return void res.json(report);
    sendCsv(
      res,
      'agent-load',
      loadColumns,
      report.agents.map((a) => ({
        agent: a.agent.name,
        team: a.team?.name ?? '',
        status: a.status,
        open_tickets: a.openTickets,
        active_tickets: a.activeTickets,
        weighted_business_hours: a.weightedBusinessHours,
        overdue_tickets: a.overdueTickets,
        capacity: a.capacity,
      })),
    );
  });

  router.get('/lead/rebalance', async (req, res) => {
    const query = parse(planQuery, req.query, 'query');
    const plan = await planRebalance({
      em: deps.orm.em.fork(),
      now: new Date(),
      count: query.count,
      filters: { teamId: query.teamId, queueId: query.queueId },
      fromAgentId: query.fromAgentId,
      toAgentId: query.toAgentId,
    });
    res.json(plan);
  });

  router.post('/lead/rebalance', async (req, res) => {
    const body = parse(applyBody, req.body);
    if (body.fromAgentId === body.toAgentId) {
      throw invalidField('body.toAgentId', 'must differ from fromAgentId');
    }
    const outcome = await applyRebalance({
      em: deps.orm.em.fork(),
      temporal: deps.temporal,
      log: req.log,
      byAgentId: req.agent!.id,
      fromAgentId: body.fromAgentId,
      toAgentId: body.toAgentId,
      ticketIds: body.ticketIds,
    });
    res.json(outcome);
  });

  return router;
}

function filtersOf(query: { teamId?: number; queueId?: number; agentId?: number }): TriageFilters {
  return { teamId: query.teamId, queueId: query.queueId, agentId: query.agentId };
}

function parse<T extends z.ZodType>(
  schema: T,
  input: unknown,
  where: 'body' | 'query' = 'body',
): z.infer<T> {
  const result = schema.safeParse(input ?? {});
  if (!result.success) throw ProblemError.invalid(result.error, where);
  return result.data;
}

function requirePeriod(from: Date, to: Date): void {
  if (from >= to) throw invalidField('query.from', 'must be before query.to');
  if (to.getTime() - from.getTime() > 92 * dayMs) {
    throw invalidField('query.from', 'the period may span at most 92 days');
  }
}

// No mailbox to send from is a setup problem a lead or admin can fix, not a server error.
function refuseUnsendable(error: unknown): never {
  if (!(error instanceof OutboundMailError)) throw error;
  throw new ProblemError({
    status: 422,
    type: 'mail-not-sendable',
    title: 'The triage mail cannot be sent',
    detail:
      error.field === 'from'
        ? 'No mailbox can send it: mark one mailbox as the default (it sends mail that belongs to no ticket), then try again'
        : `The outbox refused it: ${error.message}`,
    cause: error,
  });
}

function invalidField(field: string, problem: string): ProblemError {
  return new ProblemError({
    status: 422,
    type: 'invalid-request',
    title: 'Invalid request',
    detail: `${field}: ${problem}`,
    errors: [{ field, problem }],
  });
}

type CsvRow = Record<string, string | number>;

/** RFC 4180 CSV with a header row; a cell starting like a formula is quoted with a leading `'`. */
function sendCsv(res: Response, name: string, header: string[], rows: CsvRow[]): void {
  const lines = [header, ...rows.map((row) => header.map((key) => row[key] ?? ''))].map((cells) =>
    cells.map(csvCell).join(','),
  );
  res.type('text/csv; charset=utf-8');
  res.attachment(`${name}.csv`);
  res.send(`${lines.join('\r\n')}\r\n`);
}

function csvCell(value: string | number): string {
  const text = typeof value === 'number' ? String(value) : value.replace(/^([=+\-@\t\r])/, "'$1");
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
