// The report facts follow the read model without a full check before each report: a ticket
// the projection moves (a new entry and a version bump) and a team whose calendar changes are
// marked dirty by triggers (db/migrations/2026-12-05g-report-dirty-tickets.ts), and the next
// report re-derives exactly those. Numbers worked out by hand on the team calendar of
// tests/reports/support.ts (Mon–Fri 09:00–17:00 UTC).
//
// The ticket: created Fri 6 Mar 2026 16:00, assigned Ada, first reply Mon 9 Mar 10:00
// (calendar 66 h = 3960 min; business Fri 16–17 + Mon 9–10 = 120 min). Later the agent
// resolves it Mon 9 Mar 11:00: resolution 4020 calendar minutes, 180 business minutes.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { EntityManager } from '../../db/orm.ts';
import type { MetricsReport, ReportQuery } from '../../reports/contract.ts';
import { computeReport } from '../../reports/report-service.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { createReportWorld, entry, insertTicket, type ReportWorld } from './support.ts';

let stack: TestStack;
let em: EntityManager;
let world: ReportWorld;
let ticketId: number;
const now = new Date('2026-12-01T00:00:00Z');

beforeAll(async () => {
  stack = await startTestStack({ name: 'reports-freshness' });
  em = stack.orm.em.fork();
  world = await createReportWorld(em);
  ticketId = await insertTicket(em, world, {
    id: world.nextTicketId(),
    createdAt: '2026-03-06T16:00:00Z',
    status: 'open',
    assigneeId: world.agents.a,
    entries: [
      entry.assigned('2026-03-06T16:00:00Z', world.agents.a),
      entry.reply('2026-03-09T10:00:00Z', world.agents.a, true),
    ],
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

function period(): ReportQuery {
  return { from: '2026-03-02T00:00:00Z', to: '2026-03-16T00:00:00Z', teamId: world.teamId };
}

function metric(report: MetricsReport, id: string) {
  const found = report.metrics.find((m) => m.id === id);
  if (found === undefined) throw new Error(`metric ${id} missing from the report`);
  return found;
}

describe('report facts follow the read model', () => {
  it('counts an open ticket in the backlog, not among the resolved', async () => {
    const report = await computeReport(em, period(), now);

    expect(metric(report, 'backlog_size').value).toBe(1);
    expect(metric(report, 'tickets_resolved').value).toBe(0);
    expect(metric(report, 'first_response_time')).toMatchObject({
      businessValue: 120,
      calendarValue: 3960,
    });
  });

  it('shows a resolution the projection wrote after the last report', async () => {
    await em.execute(
      `insert into ticket_event (ticket_id, seq, kind, at, actor, detail)
       values (?, 4, 'status_changed', '2026-03-09T11:00:00Z', ?, ?::jsonb)`,
      [ticketId, `agent:${world.agents.a}`, JSON.stringify({ from: 'open', to: 'resolved' })],
    );
    await em.execute(
      `update ticket set status = 'resolved', version = version + 1,
              updated_at = '2026-03-09T11:00:00Z' where id = ?`,
      [ticketId],
    );

    const report = await computeReport(em, period(), now);

    expect(metric(report, 'backlog_size').value).toBe(0);
    expect(metric(report, 'tickets_resolved').value).toBe(1);
    expect(metric(report, 'resolution_time')).toMatchObject({
      businessValue: 180,
      calendarValue: 4020,
    });
    const ada = report.tables.agents.find((row) => row.agentId === world.agents.a);
    expect(ada).toMatchObject({ ticketsResolved: 1, openNow: 0 });
  });

  it('counts business time round the clock once the team has no calendar', async () => {
    await em.execute('update team set calendar_id = null where id = ?', [world.teamId]);

    const report = await computeReport(em, period(), now);

    expect(metric(report, 'first_response_time')).toMatchObject({
      businessValue: 3960,
      calendarValue: 3960,
    });
    expect(metric(report, 'resolution_time')).toMatchObject({
      businessValue: 4020,
      calendarValue: 4020,
    });
  });
});
