// reports: the business_window table that lets SQL count business time. Each business calendar
// is laid out as absolute opening windows (with the business ms before each) by the same pure
// module the ticket workflow arms SLA timers with (workflows/shared/business-time.ts), so a
// report's "business minutes" and an SLA timer never disagree. A calendar is laid out again
// whenever its revision moves (a lead edited its hours or holidays), which is what makes a
// recomputed period show the effect of a calendar fix. Tests: tests/reports/.
import type { EntityManager } from '../db/orm.ts';
import { openingWindowsBetween, type BusinessCalendar } from '../workflows/shared/business-time.ts';

/** The span laid out: tickets outside it count business time as if the calendar were closed. */
export const businessWindowSpan = { from: '2015-01-01T00:00:00Z', to: '2036-01-01T00:00:00Z' };

/** Advisory lock (with the calendar id) held while a calendar is laid out. */
export const businessWindowLayoutLock = 727_105;

interface CalendarRow {
  id: number;
  name: string;
  time_zone: string;
  weekly: BusinessCalendar['weekly'];
  holidays: string[];
  revision: number;
}

/** Lays out every calendar whose stored windows are missing or from an older revision. */
export async function ensureBusinessWindows(em: EntityManager): Promise<{ rebuilt: number[] }> {
  const stale: CalendarRow[] = await em.execute(
    `select c.id, c.name, c.time_zone, c.weekly, c.holidays, c.revision
       from business_calendar c
      where not exists (select 1 from business_window w
                         where w.calendar_id = c.id and w.calendar_revision = c.revision)`,
  );
  for (const calendar of stale) await layOutCalendar(em, calendar);
  return { rebuilt: stale.map((c) => Number(c.id)) };
}

async function layOutCalendar(em: EntityManager, row: CalendarRow): Promise<void> {
  const windows = openingWindowsBetween({
    calendar: {
      id: String(row.id),
      name: row.name,
      timeZone: row.time_zone,
      weekly: row.weekly,
      holidays: row.holidays,
    },
    from: businessWindowSpan.from,
    to: businessWindowSpan.to,
  });

  let before = 0;
  const laidOut = windows.map((w) => {
    const entry = {
      s: new Date(w.start).toISOString(),
      e: new Date(w.end).toISOString(),
      b: before,
    };
    before += w.end - w.start;
    return entry;
  });

  // One transaction per calendar: a concurrent report reads the old layout or the new, never
  // half. Two reports finding the same stale calendar take turns; the second finds it done.
  await em.fork().transactional(async (tx) => {
    await tx.execute('select pg_advisory_xact_lock(?, ?)', [businessWindowLayoutLock, row.id]);
    const done: unknown[] = await tx.execute(
      'select 1 from business_window where calendar_id = ? and calendar_revision = ? limit 1',
      [row.id, row.revision],
    );
    if (done.length > 0) return;
    await tx.execute('delete from business_window where calendar_id = ?', [row.id]);
    await tx.execute(
      `insert into business_window (calendar_id, calendar_revision, starts_at, ends_at, ms_before)
       select ?, ?, x.s, x.e, x.b
         from jsonb_to_recordset(?::jsonb) as x(s timestamptz, e timestamptz, b double precision)`,
      [row.id, row.revision, JSON.stringify(laidOut)],
    );
  });
}
