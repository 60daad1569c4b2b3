// The reports HTTP surface on the real stack: who may read reports, how bad filters are refused,
// CSV of tables and drill-downs, the agent's time log, the public one-click survey pages, the
// survey dispatcher after a resolution, and the protected Prometheus endpoint.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express, { type Express } from 'express';
import pino from 'pino';
import request from 'supertest';
import { metricsEndpoint } from '../../api/routes/metrics-endpoint.ts';
import type { DrillDown, MetricsReport, TicketTimeLog } from '../../reports/contract.ts';
import { dispatchCsatSurveys } from '../../reports/surveys.ts';
import { signIn, type SignedIn } from '../support/session.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createReportWorld, entry, insertTicket, type ReportWorld } from './support.ts';

let testApp: TestApp;
let app: Express;
let alice: SignedIn;
let bob: SignedIn;
let world: ReportWorld;
let ticketId: number;
const period = 'from=2026-04-06&to=2026-04-13';

beforeAll(async () => {
  testApp = await startTestApp({ name: 'reports-api' });
  ({ app } = testApp);
  alice = await signIn(app, 'alice@casework.example');
  bob = await signIn(app, 'bob@casework.example');
  const em = testApp.stack.orm.em.fork();
  world = await createReportWorld(em);
  // Mon 6 Apr 2026 09:00, first reply 10:30 (90 business minutes), resolved 11:00.
  ticketId = await insertTicket(em, world, {
    id: world.nextTicketId(),
    createdAt: '2026-04-06T09:00:00Z',
    status: 'resolved',
    assigneeId: world.agents.a,
    entries: [
      entry.assigned('2026-04-06T09:00:00Z', world.agents.a),
      entry.reply('2026-04-06T10:30:00Z', world.agents.a, true),
      entry.status('2026-04-06T11:00:00Z', 'open', 'resolved', world.agents.a),
    ],
  });
}, 120_000);

afterAll(async () => {
  await testApp?.stop();
});

describe('GET /api/reports', () => {
  it('answers a lead with the numbers, their labels and drill-down links', async () => {
    const res = await alice.get(`/api/reports/metrics?${period}&teamId=${world.teamId}`);

    expect(res.status).toBe(200);
    const report = res.body as MetricsReport;
    const frt = report.metrics.find((m) => m.id === 'first_response_time')!;
    expect(frt).toMatchObject({ businessValue: 90, calendarValue: 90, sampleSize: 1 });
    expect(frt.drillDown).toBe(
      `/api/reports/metrics/first_response_time/tickets?from=2026-04-06T00%3A00%3A00Z&to=2026-04-13T00%3A00%3A00Z&teamId=${world.teamId}`,
    );
    const tickets = (await alice.get(frt.drillDown).expect(200)).body as DrillDown;
    expect(tickets.tickets.map((t) => t.id)).toEqual([ticketId]);
  });

  it('refuses agents without a reading role', async () => {
    const res = await bob.get(`/api/reports/metrics?${period}`);

    expect(res.status).toBe(403);
  });

  it('names the bad filter and a period that ends before it starts', async () => {
    const channel = await alice.get(`/api/reports/metrics?${period}&channel=fax&teamId=x`);
    const reversed = await alice.get('/api/reports/metrics?from=2026-04-13&to=2026-04-06');

    expect(channel.status).toBe(422);
    const fields = (channel.body.errors as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual(['query.channel', 'query.teamId']);
    expect(reversed.status).toBe(422);
    expect(reversed.body.detail).toBe('query.to: must be after from');
  });

  it('exports tables and drill-downs as CSV', async () => {
    const agents = await alice.get(
      `/api/reports/tables/agents?${period}&teamId=${world.teamId}&format=csv`,
    );
    const drill = await alice.get(
      `/api/reports/metrics/tickets_resolved/tickets?${period}&teamId=${world.teamId}&format=csv`,
    );

    expect(agents.headers['content-type']).toMatch(/^text\/csv/);
    const [header, row] = agents.text.trim().split('\r\n');
    expect(header).toContain('agentName,teamId,teamName,ticketsAssigned,ticketsResolved');
    expect(row).toContain(',1,1,0,90,90,0,,0');
    expect(drill.text.split('\r\n')[1]).toMatch(new RegExp(`^${ticketId},Fixture ticket`));
  });
});

describe('time log', () => {
  it('appends an agent’s minutes and timer, and takes a correction as a new row', async () => {
    await bob.post(`/api/tickets/${ticketId}/time`).send({ minutes: 25, note: 'call' }).expect(201);
    const timer = await bob
      .post(`/api/tickets/${ticketId}/time`)
      .send({ startedAt: '2026-04-06T10:00:00Z', endedAt: '2026-04-06T10:12:30Z' })
      .expect(201);
    const first = (timer.body as TicketTimeLog).entries[0]!;

    const corrected = await bob
      .post(`/api/tickets/${ticketId}/time`)
      .send({ minutes: -5, correctsId: first.id, note: 'overcounted' });

    expect(corrected.status).toBe(201);
    const log = corrected.body as TicketTimeLog;
    // 25 + 12.5 − 5 = 32.5, three rows, the last naming the one it corrects.
    expect(log.totalMinutes).toBe(32.5);
    expect(log.entries.map((e) => e.minutes)).toEqual([25, 12.5, -5]);
    expect(log.entries[2]?.correctsId).toBe(first.id);
  });

  it('refuses negative minutes that correct nothing and corrections below zero', async () => {
    const bare = await bob.post(`/api/tickets/${ticketId}/time`).send({ minutes: -3 });
    const log = (await bob.get(`/api/tickets/${ticketId}/time`).expect(200)).body as TicketTimeLog;

    const tooMuch = await bob
      .post(`/api/tickets/${ticketId}/time`)
      .send({ minutes: -100, correctsId: log.entries[0]!.id });

    expect(bare.status).toBe(422);
    expect(bare.body.errors[0].field).toBe('body.minutes');
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.detail).toContain('below zero');
  });

  it('shows an agent only their own entries and a lead everyone’s', async () => {
    await alice.post(`/api/tickets/${ticketId}/time`).send({ minutes: 7 }).expect(201);

    const asBob = (await bob.get(`/api/tickets/${ticketId}/time`)).body as TicketTimeLog;
    const asAlice = (await alice.get(`/api/tickets/${ticketId}/time`)).body as TicketTimeLog;

    expect(asBob.perAgent.map((p) => p.agentId)).toEqual([bob.agent.id]);
    expect(asAlice.perAgent.map((p) => p.agentId).sort()).toEqual(
      [bob.agent.id, alice.agent.id].sort(),
    );
  });
});

describe('time log corrections', () => {
  it('keep the corrected time its agent’s, and refuse added time, corrections of corrections and a colleague’s entry', async () => {
    const logged = await bob
      .post(`/api/tickets/${ticketId}/time`)
      .send({ minutes: 30, note: 'remote session' })
      .expect(201);
    const entry = (logged.body as TicketTimeLog).entries.find((e) => e.note === 'remote session')!;
    const carol = await signIn(app, 'carol@casework.example');

    const added = await bob
      .post(`/api/tickets/${ticketId}/time`)
      .send({ minutes: 10, correctsId: entry.id });
    const colleagues = await carol
      .post(`/api/tickets/${ticketId}/time`)
      .send({ minutes: -5, correctsId: entry.id });
    const byLead = await alice
      .post(`/api/tickets/${ticketId}/time`)
      .send({ minutes: -10, correctsId: entry.id, note: 'lunch counted' });
    const correction = (byLead.body as TicketTimeLog).entries.find(
      (e) => e.note === 'lunch counted',
    )!;
    const ofCorrection = await alice
      .post(`/api/tickets/${ticketId}/time`)
      .send({ minutes: -1, correctsId: correction.id });

    expect(added.status).toBe(422);
    expect(added.body.errors[0].field).toBe('body.minutes');
    expect(colleagues.status).toBe(403);
    expect(byLead.status).toBe(201);
    // The lead took 10 minutes off Bob's 30: the row is Bob's time, so Bob's total falls by 10.
    expect(correction.agentId).toBe(bob.agent.id);
    expect(ofCorrection.status).toBe(422);
    expect(ofCorrection.body.detail).toContain('is itself a correction');
  });
});

async function surveyOf(id: number): Promise<{ token: string; agent_id: number; team_id: number }> {
  const rows: { token: string; agent_id: number; team_id: number }[] = await testApp.stack.orm.em
    .fork()
    .execute('select token, agent_id, team_id from survey where ticket_id = ?', [id]);
  if (rows[0] === undefined) throw new Error(`no survey was sent for ticket ${id}`);
  return rows[0];
}

describe('surveys', () => {
  it('sends one CSAT survey per resolution, traced to the owner, answerable in one click', async () => {
    const orm = testApp.stack.orm;
    const log = pino({ level: 'silent' });
    const options = { baseUrl: 'http://127.0.0.1:3000', log, since: new Date('2026-04-01') };
    const created = await dispatchCsatSurveys(orm, options);
    const again = await dispatchCsatSurveys(orm, options);
    const survey = await surveyOf(ticketId);

    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(again).not.toEqual(expect.arrayContaining(created));
    expect(survey).toMatchObject({ agent_id: world.agents.a, team_id: world.teamId });

    const page = await request(app).get(`/survey/${survey.token}/bad`);
    const json = await request(app)
      .post(`/api/surveys/${survey.token}`)
      .send({ rating: 'good', comment: 'fixed' });
    const comment = await request(app)
      .post(`/survey/${survey.token}`)
      .type('form')
      .send({ comment: 'quick <b>fix</b>' });

    expect(page.status).toBe(200);
    expect(page.text).toContain('“bad”');
    expect(json.body).toMatchObject({ kind: 'csat', rating: 'good', comment: 'fixed' });
    expect(comment.status).toBe(200);
    const [answered] = await orm.em
      .fork()
      .execute('select rating, comment from survey where token = ?', [survey.token]);
    expect(answered).toEqual({ rating: 'good', comment: 'quick <b>fix</b>' });
  });

  it('refuses an unknown token and an answer of the wrong kind', async () => {
    const unknown = await request(app).get('/survey/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/good');
    const survey = await surveyOf(ticketId);
    const wrong = await request(app).post(`/api/surveys/${survey.token}`).send({ score: 9 });

    expect(unknown.status).toBe(404);
    expect(wrong.status).toBe(422);
    expect(wrong.body.errors[0].field).toBe('body.score');
  });
});

describe('GET /metrics', () => {
  it('answers loopback scrapers in the Prometheus text format', async () => {
    const res = await request(app).get('/metrics');

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0.0.4/);
    expect(res.text).toMatch(/^casework_tickets_created_total \d+$/m);
    expect(res.text).toContain('# TYPE casework_http_request_duration_seconds histogram');
    expect(res.text).toMatch(/casework_http_request_duration_seconds_count\{method="GET"/);
  });

  it('wants the bearer token when one is configured', async () => {
    const guarded = express();
    guarded.use(
      metricsEndpoint({ orm: testApp.stack.orm, log: testApp.stack.log, token: 's3cret-token' }),
    );

    const refused = await request(guarded).get('/metrics');
    const allowed = await request(guarded)
      .get('/metrics')
      .set('authorization', 'Bearer s3cret-token');

    expect(refused.status).toBe(401);
    expect(allowed.status).toBe(200);
  });
});
