// Business calendars, as leads edit them: opening windows and holidays per team. An edit
// is validated by the same pure module the workflows count with, then every open ticket
// counting in that calendar is signalled to re-arm its SLA timers, so a holiday added today
// moves the due instants of tickets already in flight.
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { z } from 'zod';
import { rearmOpenTickets } from '../../activities/rearm-open-tickets.ts';
import type { Orm } from '../../db/orm.ts';
import { validateCalendar } from '../../workflows/shared/business-time.ts';
import { ProblemError } from '../errors.ts';
import { parse, pathId } from '../request-input.ts';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:mm');
const calendarEdit = z.object({
  timeZone: z.string().min(1).max(64).optional(),
  weekly: z
    .array(z.object({ day: z.number().int().min(1).max(7), open: hhmm, close: hhmm }))
    .max(50)
    .optional(),
  holidays: z
    .array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'))
    .max(500)
    .optional(),
});
const params = z.object({ id: pathId });

interface CalendarRow {
  id: number;
  name: string;
  timeZone: string;
  weekly: { day: 1 | 2 | 3 | 4 | 5 | 6 | 7; open: string; close: string }[];
  holidays: string[];
  revision: number;
}

/** GET /calendars and PUT /calendars/:id (leads and admins; guarded in the app). */
export function calendarRoutes(deps: { orm: Orm; temporal: Client; log: Logger }): Router {
  const router = Router();

  router.get('/calendars', async (_req, res) => {
    res.json(await loadCalendars(deps.orm));
  });

  router.put('/calendars/:id', async (req, res) => {
    const { id } = parse(params, req.params, 'path');
    const edit = parse(calendarEdit, req.body, 'body');
    const current = (await loadCalendars(deps.orm, id))[0];
    if (current === undefined) throw ProblemError.notFound(`calendar ${id}`);

    const next = { ...current, ...edit } as CalendarRow;
    rejectInvalid(next);
    await saveCalendar(deps.orm, next);

    const rearmed = await rearmOpenTickets({
      orm: deps.orm,
      temporal: deps.temporal,
      calendarId: id,
    });
    req.log.info(
      { calendarId: id, rearmed: rearmed.signalled.length },
      'business calendar edited; open tickets re-armed',
    );
    const saved = (await loadCalendars(deps.orm, id))[0]!;
    res.json({ calendar: saved, rearmedTicketIds: rearmed.signalled });
  });

  return router;
}

function rejectInvalid(calendar: CalendarRow): void {
  const problems = validateCalendar({ ...calendar, id: String(calendar.id) });
  if (problems.length === 0) return;
  throw new ProblemError({
    status: 422,
    type: 'invalid-request',
    title: 'Invalid calendar',
    detail: problems.join('; '),
    errors: problems.map((problem) => ({ field: 'body', problem })),
  });
}

async function loadCalendars(orm: Orm, id?: number): Promise<CalendarRow[]> {
  const rows: Record<string, unknown>[] = await orm.em.fork().execute(
    `select id, name, time_zone, weekly, holidays, revision from business_calendar
        where (?::int is null or id = ?::int) order by name`,
    [id ?? null, id ?? null],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    name: String(r.name),
    timeZone: String(r.time_zone),
    weekly: r.weekly as CalendarRow['weekly'],
    holidays: r.holidays as string[],
    revision: Number(r.revision),
  }));
}

async function saveCalendar(orm: Orm, calendar: CalendarRow): Promise<void> {
  await orm.em
    .fork()
    .execute(
      'update business_calendar set time_zone = ?, weekly = ?::jsonb, holidays = ?::jsonb where id = ?',
      [
        calendar.timeZone,
        JSON.stringify(calendar.weekly),
        JSON.stringify(calendar.holidays),
        calendar.id,
      ],
    );
}
