// The metric definitions (reports/metrics.ts) on fixed ticket timelines whose numbers were
// worked out by hand, written straight into the read model (tests/reports/support.ts). The
// team's calendar is Mon–Fri 09:00–17:00 UTC; the period is Mon 2 to Mon 16 March 2026.
//
// T1 weekend: created Fri 6 Mar 16:00, assigned Ada; first reply Mon 9 Mar 10:00;
//    resolved Mon 11:00. FRT: calendar 66 h = 3960 min; business Fri 16–17 + Mon 9–10 = 120.
//    Resolution: calendar 67 h = 4020; business 60 + 120 = 180. FRT SLA breached at Mon 09:30,
//    then met late (met: false, same due instant): one missed verdict, not two.
// T2 reopen after resolution: created Mon 2 Mar 09:00, Ada; first reply 09:30 (30/30);
//    resolved 10:00; customer writes Tue 3 Mar 09:00 (reopened); Ada replies 10:00 (next
//    response 60/60, measured from the customer's return); resolved again Tue 12:00.
//    Resolution to the last resolution: calendar 27 h = 1620; business Mon 480 + Tue 180 = 660.
//    FRT stays 30. Reopened.
// T3 resolved by automation, reopened by the customer: created Mon 2 Mar 13:00, Ben; first
//    reply 14:00 (60/60); automation resolves 15:00; customer writes Wed 4 Mar 09:00
//    (reopened); still open. Counts as reopened; not resolved; in the backlog.
// T4 resolved straight from a pause: created Tue 3 Mar 09:00, Ben; reply 09:15 (15/15);
//    pending 09:15; resolved from pending 11:00. Resolution 120/120.
// T5 reassignment chain: created Wed 4 Mar 09:00, Ada → Ben (10:00) → unassigned (11:00) →
//    Cy (11:30): two reassignments of one ticket. Cy replies 12:00 (FRT 180/180), resolves
//    13:00 (240/240); owner at resolution Cy. FRT SLA met late without a breach entry: missed.
// T6 old backlog: created Fri 20 Feb 10:00, never assigned, still open: 24 days old at the end.
// T7 merged, not resolved: created Tue 3 Mar 10:00, never assigned; Ben merges it into T4 at
//    10:06 (merged_into, then the merge's own status change open → closed; T4 gets merged_from).
//    A merge is no resolution: not resolved, no resolution time, no reopen sample, not in the
//    backlog; T4's numbers stay as they were. It still counts as created.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { EntityManager } from '../../db/orm.ts';
import type { MetricsReport, MetricValue, ReportQuery } from '../../reports/contract.ts';
import { computeReport, drillDown } from '../../reports/report-service.ts';
import { recomputePeriod } from '../../reports/snapshots.ts';
import { answerSurvey } from '../../reports/surveys.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { createReportWorld, entry, insertTicket, type ReportWorld } from './support.ts';

let stack: TestStack;
let em: EntityManager;
let world: ReportWorld;
let query: ReportQuery;
let report: MetricsReport;
const ids: Record<string, number> = {};

beforeAll(async () => {
  stack = await startTestStack({ name: 'reports-timelines' });
  em = stack.orm.em.fork();
  world = await createReportWorld(em);
  await insertTimelines();
  query = { from: '2026-03-02T00:00:00Z', to: '2026-03-16T00:00:00Z', teamId: world.teamId };
  report = await computeReport(em, query, new Date('2026-12-01T00:00:00Z'));
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

async function insertTimelines(): Promise<void> {
  const { a, b, c } = world.agents;
  const add = (name: string, t: Omit<Parameters<typeof insertTicket>[2], 'id'>) =>
    insertTicket(em, world, { id: (ids[name] = world.nextTicketId()), ...t });

  await add('t1', {
    createdAt: '2026-03-06T16:00:00Z',
    status: 'resolved',
    assigneeId: a,
    entries: [
      entry.assigned('2026-03-06T16:00:00Z', a),
      entry.slaBreached('2026-03-09T09:30:00Z', 'first_response', '2026-03-09T09:30:00.000Z'),
      entry.slaMet('2026-03-09T10:00:00Z', 'first_response', '2026-03-09T09:30:00.000Z', false),
      entry.reply('2026-03-09T10:00:00Z', a, true),
      entry.status('2026-03-09T11:00:00Z', 'open', 'resolved', a),
    ],
  });
  await add('t2', {
    createdAt: '2026-03-02T09:00:00Z',
    status: 'resolved',
    assigneeId: a,
    entries: [
      entry.assigned('2026-03-02T09:00:00Z', a),
      entry.slaMet('2026-03-02T09:30:00Z', 'first_response', '2026-03-02T10:00:00.000Z', true),
      entry.reply('2026-03-02T09:30:00Z', a, true),
      entry.status('2026-03-02T10:00:00Z', 'open', 'resolved', a),
      entry.customer('2026-03-03T09:00:00Z'),
      entry.reopened('2026-03-03T09:00:00Z'),
      entry.reply('2026-03-03T10:00:00Z', a, false),
      entry.status('2026-03-03T12:00:00Z', 'open', 'resolved', a),
    ],
  });
  await add('t3', {
    createdAt: '2026-03-02T13:00:00Z',
    status: 'open',
    assigneeId: b,
    entries: [
      entry.assigned('2026-03-02T13:00:00Z', b),
      entry.slaMet('2026-03-02T14:00:00Z', 'first_response', '2026-03-02T15:00:00.000Z', true),
      entry.reply('2026-03-02T14:00:00Z', b, true),
      entry.status('2026-03-02T15:00:00Z', 'open', 'resolved', null),
      entry.customer('2026-03-04T09:00:00Z'),
      entry.reopened('2026-03-04T09:00:00Z'),
    ],
  });
  const t7 = world.nextTicketId();
  await add('t4', {
    createdAt: '2026-03-03T09:00:00Z',
    status: 'resolved',
    assigneeId: b,
    entries: [
      entry.assigned('2026-03-03T09:00:00Z', b),
      entry.slaMet('2026-03-03T09:15:00Z', 'first_response', '2026-03-03T10:00:00.000Z', true),
      entry.reply('2026-03-03T09:15:00Z', b, true),
      entry.status('2026-03-03T09:15:00Z', 'open', 'pending', b),
      ['merged_from', '2026-03-03T10:06:00Z', `agent:${b}`, { fromTicketId: t7 }],
      entry.slaMet('2026-03-03T11:00:00Z', 'resolution', '2026-03-04T09:00:00.000Z', true),
      entry.status('2026-03-03T11:00:00Z', 'pending', 'resolved', b),
    ],
  });
  await insertTicket(em, world, {
    id: (ids.t7 = t7),
    createdAt: '2026-03-03T10:00:00Z',
    status: 'closed',
    assigneeId: null,
    entries: [
      ['merged_into', '2026-03-03T10:06:00Z', `agent:${b}`, { intoTicketId: ids.t4, from: 'open' }],
      [
        'status_changed',
        '2026-03-03T10:06:00Z',
        `agent:${b}`,
        { from: 'open', to: 'closed', reason: `merged into ticket #${ids.t4}` },
      ],
    ],
  });
  await add('t5', {
    createdAt: '2026-03-04T09:00:00Z',
    status: 'resolved',
    assigneeId: c,
    entries: [
      entry.assigned('2026-03-04T09:00:00Z', a),
      entry.assigned('2026-03-04T10:00:00Z', b, a),
      entry.unassigned('2026-03-04T11:00:00Z'),
      entry.assigned('2026-03-04T11:30:00Z', c),
      entry.slaMet('2026-03-04T12:00:00Z', 'first_response', '2026-03-04T11:00:00.000Z', false),
      entry.reply('2026-03-04T12:00:00Z', c, true),
      entry.status('2026-03-04T13:00:00Z', 'open', 'resolved', c),
    ],
  });
  await add('t6', {
    createdAt: '2026-02-20T10:00:00Z',
    status: 'open',
    assigneeId: null,
    entries: [],
  });

  // Handle time: Ada logs 30 + 15 on T2 and takes 5 back (40); Ben 20 on T4; Cy 10 on T5.
  const log = (ticket: string, agentId: number, minutes: number, correctsId: number | null) =>
    em.execute(
      `insert into time_log (ticket_id, agent_id, minutes, corrects_id, created_at)
       values (?, ?, ?, ?, '2026-03-05T10:00:00Z') returning id`,
      [ids[ticket], agentId, minutes, correctsId],
    );
  const [first] = await log('t2', a, 30, null);
  await log('t2', a, 15, null);
  await log('t2', a, -5, Number(first!.id));
  await log('t4', b, 20, null);
  await log('t5', c, 10, null);
}

function metric(r: MetricsReport, id: MetricValue['id']): MetricValue {
  return r.metrics.find((m) => m.id === id)!;
}

describe('report metrics on hand-worked timelines', () => {
  it('measures first response in business and calendar time, across a weekend', () => {
    const frt = metric(report, 'first_response_time');

    // Business [15, 30, 60, 120, 180] → median 60; calendar [15, 30, 60, 180, 3960] → 60.
    // p90 interpolates between the 4th and 5th: 120 + 0.6 × 60 = 156; 180 + 0.6 × 3780 = 2448.
    expect(frt).toMatchObject({
      value: 60,
      businessValue: 60,
      calendarValue: 60,
      p90BusinessValue: 156,
      p90CalendarValue: 2448,
      sampleSize: 5,
      businessLabel: 'business time (team calendar)',
      calendarLabel: 'calendar time',
    });
  });

  it('keeps the first response after a reopen and measures the next from the customer return', async () => {
    const frtTickets = await drillDown(em, 'first_response_time', query, { limit: 50 });
    const nrt = metric(report, 'next_response_time');

    const t2 = frtTickets.tickets.find((t) => t.id === ids.t2);
    const t1 = frtTickets.tickets.find((t) => t.id === ids.t1);
    expect(t2).toMatchObject({ businessValue: 30, calendarValue: 30 });
    expect(t1).toMatchObject({ businessValue: 120, calendarValue: 3960 });
    expect(nrt).toMatchObject({ businessValue: 60, calendarValue: 60, sampleSize: 1 });
  });

  it('measures resolution to the last resolution, straight from a pause too, and leaves reopened tickets out', async () => {
    const resolution = metric(report, 'resolution_time');
    const resolved = await drillDown(em, 'resolution_time', query, { limit: 50 });

    // Business [120, 180, 240, 660] → (180 + 240) / 2 = 210; calendar [120, 240, 1620, 4020]
    // → (240 + 1620) / 2 = 930. T3 was reopened after its only resolution: not resolved.
    expect(resolution).toMatchObject({ businessValue: 210, calendarValue: 930, sampleSize: 4 });
    expect(resolved.tickets.map((t) => t.id).sort()).toEqual(
      [ids.t1, ids.t2, ids.t4, ids.t5].sort(),
    );
    expect(resolved.tickets.find((t) => t.id === ids.t4)?.note).toBe('resolved from pending');
    expect(metric(report, 'tickets_resolved').value).toBe(4);
  });

  it('does not count a ticket merged into another as resolved, and leaves the target as it was', async () => {
    const resolved = await drillDown(em, 'resolution_time', query, { limit: 50 });
    const resolvedCount = await drillDown(em, 'tickets_resolved', query, { limit: 50 });
    const team = report.tables.teams.find((row) => row.teamId === world.teamId);

    // T7's merge closed it 6 minutes after creation: no resolution, resolved ticket or reopen
    // sample; T4, the ticket it went into, keeps its 120/120 from pending.
    expect(resolved.tickets.map((t) => t.id)).not.toContain(ids.t7);
    expect(resolvedCount.tickets.map((t) => t.id)).not.toContain(ids.t7);
    expect(resolved.tickets.find((t) => t.id === ids.t4)).toMatchObject({
      businessValue: 120,
      calendarValue: 120,
      note: 'resolved from pending',
    });
    expect(metric(report, 'tickets_resolved').value).toBe(4);
    expect(metric(report, 'reopen_rate').sampleSize).toBe(5);
    expect(team).toMatchObject({ ticketsResolved: 4 });
    expect(metric(report, 'backlog_size').value).toBe(2);
  });

  it('counts a ticket resolved by automation and reopened by the customer as reopened', () => {
    // First resolutions in the period: T1, T2, T3, T4, T5; reopened afterwards: T2, T3 → 40 %.
    expect(metric(report, 'reopen_rate')).toMatchObject({ value: 40, sampleSize: 5 });
  });

  it('counts a reassignment chain as one reassigned ticket', async () => {
    const chains = await drillDown(em, 'reassignment_rate', query, { limit: 50 });

    // Assigned tickets created in the period: T1–T5; only T5 moved (twice) → 1 / 5 = 20 %.
    expect(metric(report, 'reassignment_rate')).toMatchObject({ value: 20, sampleSize: 5 });
    expect(chains.tickets.find((t) => t.id === ids.t5)).toMatchObject({
      businessValue: 2,
      note: '2 reassignment(s)',
    });
  });

  it('counts each SLA verdict once, a breach followed by a late reply included', () => {
    // T1 missed (breach + late met: one verdict), T2 met, T3 met, T4 met, T5 missed → 60 %.
    expect(metric(report, 'sla_first_response_met')).toMatchObject({ value: 60, sampleSize: 5 });
    expect(metric(report, 'sla_resolution_met')).toMatchObject({ value: 100, sampleSize: 1 });
    expect(metric(report, 'sla_next_response_met')).toMatchObject({ value: null, sampleSize: 0 });
  });

  it('counts the backlog at the end of the period by age', () => {
    // Open on 16 Mar: T3 (13.5 days old) and T6 (24 days old).
    expect(metric(report, 'backlog_size').value).toBe(2);
    expect(metric(report, 'backlog_over_7_days').value).toBe(2);
    expect(metric(report, 'backlog_over_30_days').value).toBe(0);
    expect(report.tables.backlogAge.find((b) => b.bucket === '7_to_30_days')?.count).toBe(2);
  });

  it('gives handle time per resolved ticket from the append-only time log, corrections included', () => {
    // Resolved tickets with time: T2 30 + 15 − 5 = 40, T4 20, T5 10 → median 20.
    expect(metric(report, 'handle_time')).toMatchObject({ value: 20, sampleSize: 3 });
  });

  it('splits workload per agent by who owned each ticket when it was measured', () => {
    const byName = (prefix: string) =>
      report.tables.agents.find((row) => row.agentName?.startsWith(prefix));

    // Ada: assigned T1, T2, T5; resolved T1, T2; first replies 120 and 30 → median 75; 40 min.
    expect(byName('Ada')).toMatchObject({
      ticketsAssigned: 3,
      ticketsResolved: 2,
      openNow: 0,
      medianFirstResponseBusinessMinutes: 75,
      handleMinutes: 40,
    });
    // Ben: assigned T3, T4, T5; resolved T4; owns T3, still open; first replies 60, 15.
    expect(byName('Ben')).toMatchObject({
      ticketsAssigned: 3,
      ticketsResolved: 1,
      openNow: 1,
      medianFirstResponseBusinessMinutes: 37.5,
    });
    // Cy: took T5 at the end of the chain and resolved it.
    expect(byName('Cy')).toMatchObject({ ticketsAssigned: 1, ticketsResolved: 1 });
  });

  it('compares the period with a baseline period', async () => {
    const compared = await computeReport(
      em,
      { ...query, compareFrom: '2026-02-16T00:00:00Z', compareTo: '2026-03-02T00:00:00Z' },
      new Date('2026-12-01T00:00:00Z'),
    );

    // The period holds T1–T5 and the merged T7; the baseline only T6, no first response yet.
    expect(metric(compared, 'tickets_created')).toMatchObject({
      value: 6,
      comparisonValue: 1,
    });
    expect(metric(compared, 'first_response_time').comparisonSampleSize).toBe(0);
  });

  it('shows what changed when a period is recomputed after a calendar fix', async () => {
    const first = await recomputePeriod(em, { query, reason: 'baseline' });
    await em.execute(`update business_calendar set holidays = '["2026-03-09"]' where id = ?`, [
      world.calendarId,
    ]);

    const second = await recomputePeriod(em, { query, reason: 'Mon 9 Mar was a holiday' });

    // With 9 Mar closed, T1's resolution counts only Fri 16–17: [60, 120, 240, 660] → 180.
    expect(first.snapshotId).toBeLessThan(second.snapshotId);
    expect(second.previousSnapshotId).toBe(first.snapshotId);
    expect(second.changes).toContainEqual({
      metricId: 'resolution_time',
      field: 'value',
      before: 210,
      after: 180,
    });
  });
});

describe('satisfaction metrics', () => {
  it('keeps the latest answer, counts neutral, ignores unanswered surveys, and buckets NPS', async () => {
    const { a, b, c } = world.agents;
    const survey = async (kind: string, agentId: number | null, ticket: string | null) => {
      const token = `fixture-${kind}-${Math.random().toString(36).slice(2)}-token`;
      await em.execute(
        `insert into survey (token, kind, ticket_id, requester_id, agent_id, team_id)
         values (?, ?, ?, ?, ?, ?)`,
        [token, kind, ticket ? ids[ticket] : null, world.requesterId, agentId, world.teamId],
      );
      return token;
    };
    const twice = await survey('csat', a, 't2');
    await answerSurvey(em, twice, { rating: 'bad' });
    await answerSurvey(em, twice, { rating: 'good', comment: 'sorted after all' });
    await answerSurvey(em, await survey('csat', b, 't4'), { rating: 'neutral' });
    await answerSurvey(em, await survey('csat', a, 't1'), { rating: 'good' });
    await survey('csat', c, 't5');
    for (const score of [10, 9, 7, 3]) {
      await answerSurvey(em, await survey('nps', null, null), { score });
    }
    await em.execute(
      `update survey set answered_at = '2025-06-10T12:00:00Z'
        where team_id = ? and answered_at is not null`,
      [world.teamId],
    );

    const june = await computeReport(
      em,
      { from: '2025-06-01', to: '2025-07-01', teamId: world.teamId } as ReportQuery,
      new Date('2026-12-01T00:00:00Z'),
    );

    // CSAT: good (latest of bad→good), neutral, good; T5 unanswered → 2 / 3 = 66.7 %.
    // NPS: promoters 10, 9; passive 7; detractor 3 → (2 − 1) / 4 = 25.
    expect(metric(june, 'csat')).toMatchObject({ value: 66.7, sampleSize: 3 });
    expect(metric(june, 'nps')).toMatchObject({ value: 25, sampleSize: 4 });
    const ada = june.tables.agents.find((row) => row.agentName?.startsWith('Ada'));
    expect(ada).toMatchObject({ csatPercent: 100, csatResponses: 2 });
  });
});
