// Time log routes: agents record the time they spent on a ticket, as minutes typed in or as a
// stopped timer (startedAt/endedAt from the ticket page), and read it back per ticket or per
// agent. Rows are append-only: a correction is a new row (negative minutes naming the entry
// it corrects), never an edit, so handle time can be re-derived for any past period. An agent
// logs only their own time and sees only their own entries; leads, admins and auditors see
// everyone's. Handle time in reports reads these rows (reports/metrics.ts).
// Tests: tests/reports/time-log-api.test.ts.
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { EntityManager, Orm } from '../../db/orm.ts';
import type { TicketTimeLog, TimeLogEntry } from '../../reports/contract.ts';
import { Role } from '../auth/roles.ts';
import { requireRole } from '../middleware/authenticate.ts';
import { ProblemError } from '../errors.ts';
import { parse, pathId } from '../request-input.ts';

const maxMinutes = 24 * 60;
const clockSkewMs = 5 * 60_000;

const isoInstant = z.iso.datetime({ offset: true });
const timeBody = z
  .object({
    minutes: z.number().finite().min(-maxMinutes).max(maxMinutes).optional(),
    startedAt: isoInstant.optional(),
    endedAt: isoInstant.optional(),
    note: z.string().trim().max(2_000).optional(),
    correctsId: z.number().int().positive().optional(),
  })
  .superRefine((b, ctx) => {
    const hasTimer = b.startedAt !== undefined || b.endedAt !== undefined;
    if (b.minutes === undefined && !hasTimer) {
      ctx.addIssue({
        code: 'custom',
        path: ['minutes'],
        message: 'give minutes or startedAt and endedAt',
      });
    }
    if (b.minutes !== undefined && hasTimer) {
      ctx.addIssue({
        code: 'custom',
        path: ['minutes'],
        message: 'give minutes or a timer, not both',
      });
    }
    if (hasTimer && (b.startedAt === undefined || b.endedAt === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [b.startedAt === undefined ? 'startedAt' : 'endedAt'],
        message: 'a timer needs startedAt and endedAt',
      });
    }
    if (b.minutes === 0)
      ctx.addIssue({ code: 'custom', path: ['minutes'], message: 'must not be 0' });
    if (b.minutes !== undefined && b.minutes < 0 && b.correctsId === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['minutes'],
        message: 'negative minutes correct an entry: name it in correctsId',
      });
    }
    if (b.correctsId !== undefined && !(b.minutes !== undefined && b.minutes < 0)) {
      ctx.addIssue({
        code: 'custom',
        path: ['minutes'],
        message:
          'a correction takes time off an entry: give negative minutes (log added time as a new entry)',
      });
    }
  });

const ticketParams = z.object({ id: pathId });
const agentQuery = z.object({
  agentId: z.coerce.number().int().positive().optional(),
  from: isoInstant.optional(),
  to: isoInstant.optional(),
});

/** POST/GET /tickets/:id/time and GET /time-log (per agent). */
export function timeLogRoutes(deps: { orm: Orm }): Router {
  const router = Router();

  router.post(
    '/tickets/:id/time',
    requireRole(Role.Agent, Role.Lead, Role.Admin),
    async (req, res) => {
      const { id: ticketId } = parse(ticketParams, req.params, 'path');
      const body = parse(timeBody, req.body, 'body');
      const em = deps.orm.em.fork();
      await requireTicket(em, ticketId);
      const minutes = body.minutes ?? timerMinutes(body.startedAt!, body.endedAt!);
      // A correction stays the corrected agent's time, so handle time per agent adds up.
      const agentId =
        body.correctsId === undefined
          ? req.agent!.id
          : await checkCorrection(em, { ticketId, correctsId: body.correctsId, minutes, req });

      const idempotencyKey = req.get('idempotency-key') ?? null;
      const rows: Record<string, unknown>[] = await em.execute(
        `insert into time_log (ticket_id, agent_id, minutes, started_at, ended_at, note, corrects_id,
          idempotency_key)
       values (?, ?, ?, ?, ?, ?, ?, ?)
       on conflict (idempotency_key) do nothing returning id`,
        [
          ticketId,
          agentId,
          minutes,
          body.startedAt ?? null,
          body.endedAt ?? null,
          body.note ?? null,
          body.correctsId ?? null,
          idempotencyKey,
        ],
      );
      const byAgentId = req.agent!.id;
      req.log.info(
        { ticketId, agentId, byAgentId, minutes, correctsId: body.correctsId },
        'time logged',
      );
      res
        .status(rows.length === 0 ? 200 : 201)
        .json(await ticketTimeLog(em, ticketId, visibleTo(req)));
    },
  );

  router.get('/tickets/:id/time', async (req, res) => {
    const { id: ticketId } = parse(ticketParams, req.params, 'path');
    const em = deps.orm.em.fork();
    await requireTicket(em, ticketId);
    res.json(await ticketTimeLog(em, ticketId, visibleTo(req)));
  });

  router.get('/time-log', async (req, res) => {
    const q = parse(agentQuery, req.query, 'query');
    const own = visibleTo(req);
    const agentId = own ?? q.agentId;
    const entries = await listEntries(
      deps.orm.em.fork(),
      sqlFilter({ agentId, from: q.from, to: q.to }),
    );
    const totalMinutes = round(entries.reduce((sum, e) => sum + e.minutes, 0));
    res.json({ agentId: agentId ?? null, totalMinutes, entries });
  });

  return router;
}

// An agent without a reading role sees only their own entries.
function visibleTo(req: Request): number | undefined {
  const roles = req.agent?.roles ?? [];
  const seesAll = roles.some((r) => r === Role.Lead || r === Role.Admin || r === Role.Auditor);
  return seesAll ? undefined : req.agent?.id;
}

function timerMinutes(startedAt: string, endedAt: string): number {
  const start = Date.parse(startedAt);
  const end = Date.parse(endedAt);
  const problem = (field: string, message: string) =>
    new ProblemError({
      status: 422,
      type: 'invalid-request',
      title: 'Invalid request',
      detail: `body.${field}: ${message}`,
      errors: [{ field: `body.${field}`, problem: message }],
    });
  if (end <= start) throw problem('endedAt', 'must be after startedAt');
  if (end > Date.now() + clockSkewMs) throw problem('endedAt', 'must not be in the future');
  const minutes = round((end - start) / 60_000);
  if (minutes > maxMinutes)
    throw problem('endedAt', `a timer may run at most ${maxMinutes} minutes`);
  return minutes;
}

async function requireTicket(em: EntityManager, ticketId: number): Promise<void> {
  const rows: unknown[] = await em.execute('select 1 from ticket where id = ?', [ticketId]);
  if (rows.length === 0) throw ProblemError.notFound(`ticket ${ticketId}`);
}

// A correction names an original entry (not another correction) of the same ticket, may not
// take it below zero, and is made by the agent who logged it or by a lead or admin. Answers
// the agent the corrected time belongs to.
async function checkCorrection(
  em: EntityManager,
  c: { ticketId: number; correctsId: number; minutes: number; req: Request },
): Promise<number> {
  const rows: Record<string, unknown>[] = await em.execute(
    `select l.ticket_id, l.agent_id, l.corrects_id,
            l.minutes + coalesce((select sum(c.minutes) from time_log c
                                   where c.corrects_id = l.id), 0) as left_minutes
       from time_log l where l.id = ?`,
    [c.correctsId],
  );
  const original = rows[0];
  if (original === undefined || Number(original.ticket_id) !== c.ticketId) {
    throw ProblemError.unprocessable(
      `body.correctsId: time log entry ${c.correctsId} is not on ticket ${c.ticketId}`,
    );
  }
  if (original.corrects_id !== null) {
    throw ProblemError.unprocessable(
      `body.correctsId: entry ${c.correctsId} is itself a correction; correct entry ${Number(original.corrects_id)} instead`,
    );
  }

  const owner = Number(original.agent_id);
  const mayCorrectOthers = (c.req.agent?.roles ?? []).some(
    (r) => r === Role.Lead || r === Role.Admin,
  );
  if (owner !== c.req.agent!.id && !mayCorrectOthers) {
    throw ProblemError.forbidden(
      `Entry ${c.correctsId} is another agent's time; ask them or a lead to correct it.`,
    );
  }

  if (Number(original.left_minutes) + c.minutes < 0) {
    throw ProblemError.unprocessable(
      `body.minutes: the correction would take entry ${c.correctsId} below zero (it has ${Number(original.left_minutes)} minutes)`,
    );
  }
  return owner;
}

function sqlFilter(f: { ticketId?: number; agentId?: number; from?: string; to?: string }) {
  const conditions: [string, unknown][] = [
    ['l.ticket_id = ?', f.ticketId],
    ['l.agent_id = ?', f.agentId],
    ['l.created_at >= ?', f.from],
    ['l.created_at < ?', f.to],
  ];
  const used = conditions.filter(([, value]) => value !== undefined);
  return {
    where: ['true', ...used.map(([condition]) => condition)].join(' and '),
    params: used.map(([, value]) => value),
  };
}

async function listEntries(
  em: EntityManager,
  filter: { where: string; params: unknown[] },
): Promise<TimeLogEntry[]> {
  const rows: Record<string, unknown>[] = await em.execute(
    `select l.*, a.name as agent_name from time_log l join agent a on a.id = l.agent_id
      where ${filter.where} order by l.created_at, l.id limit 5000`,
    filter.params,
  );
  const iso = (v: unknown) => (v === null ? null : new Date(v as string).toISOString());
  return rows.map((r) => ({
    id: Number(r.id),
    ticketId: Number(r.ticket_id),
    agentId: Number(r.agent_id),
    agentName: String(r.agent_name),
    minutes: Number(r.minutes),
    startedAt: iso(r.started_at),
    endedAt: iso(r.ended_at),
    note: (r.note as string | null) ?? null,
    correctsId: r.corrects_id === null ? null : Number(r.corrects_id),
    createdAt: iso(r.created_at)!,
  }));
}

async function ticketTimeLog(
  em: EntityManager,
  ticketId: number,
  onlyAgentId: number | undefined,
): Promise<TicketTimeLog> {
  const entries = await listEntries(em, sqlFilter({ ticketId, agentId: onlyAgentId }));
  const perAgent = new Map<number, { agentId: number; agentName: string; minutes: number }>();
  for (const e of entries) {
    const total = perAgent.get(e.agentId) ?? {
      agentId: e.agentId,
      agentName: e.agentName,
      minutes: 0,
    };
    total.minutes = round(total.minutes + e.minutes);
    perAgent.set(e.agentId, total);
  }
  return {
    ticketId,
    totalMinutes: round(entries.reduce((sum, e) => sum + e.minutes, 0)),
    perAgent: [...perAgent.values()],
    entries,
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
