// Weekly triage on real PostgreSQL and Meilisearch: stuck tickets counted in the team's business
// hours (a weekend does not make a ticket stuck, nine working hours do), past-SLA tickets, system
// timeline entries that are not action, and knowledge gaps found by the KB search's relevance.
// Tickets are fixed timelines written into a private database, so every expected number below
// is worked out by hand from the calendar: Berlin, Monday to Friday 09:00–17:00 (UTC+1 in November).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { createKbArticle, type KbArticleInput } from '../../db/repositories/knowledge-base.ts';
import { composeWeeklyTriageMail } from '../../reports/triage-mail.ts';
import { findKnowledgeGaps, findStuckTickets } from '../../reports/triage.ts';
import { createKbTestWorld, type KbTestWorld } from '../kb/support.ts';

const quiet = pino({ level: 'silent' });

let world: KbTestWorld;
let berlinTeam: number;
let roundTheClockTeam: number;
let queueId: number;
let requesterId: number;
const tickets: Record<string, number> = {};

// Friday 27 November 2026, 15:00 in Berlin; the Monday after at 10:00 and at 16:00.
const fridayAfternoon = '2026-11-27T14:00:00Z';
const mondayTen = new Date('2026-11-30T09:00:00Z');
const mondaySixteen = new Date('2026-11-30T15:00:00Z');

beforeAll(async () => {
  world = await createKbTestWorld({ log: quiet });
  const db = world.orm.em.getConnection();
  const [calendar] = await db.execute<{ id: number }[]>(
    `insert into business_calendar (name, time_zone, weekly, holidays)
     values ('Berlin weekdays', 'Europe/Berlin', ?::jsonb, '[]') returning id`,
    [JSON.stringify([1, 2, 3, 4, 5].map((day) => ({ day, open: '09:00', close: '17:00' })))],
  );
  berlinTeam = await insertedId(
    `insert into team (name, calendar_id) values ('Triage Berlin', ?) returning id`,
    [calendar!.id],
  );
  roundTheClockTeam = await insertedId(
    `insert into team (name) values ('Triage 24x7') returning id`,
  );
  const [policy] = await db.execute<{ id: number }[]>(
    `insert into sla_policy (name, first_response_minutes, resolution_minutes,
       follow_up_after_minutes, auto_close_after_minutes)
     values ('Triage test', '{}', '{}', 960, 2400) returning id`,
  );
  queueId = await insertedId(
    `insert into queue (key, name, team_id, skill, sla_policy_id)
     values ('triage-test', 'Integrations', ?, 'integrations', ?) returning id`,
    [berlinTeam, policy!.id],
  );
  requesterId = await insertedId(
    `insert into requester (name, email) values ('Pat Doe', 'pat@example.test') returning id`,
  );

  tickets.idleOverWeekend = await insertTicket({
    subject: 'Export stuck since Friday',
    createdAt: fridayAfternoon,
    // An SLA warning is the system talking, not someone acting on the ticket.
    events: [{ kind: 'sla_warning', at: '2026-11-30T11:00:00Z' }],
  });
  tickets.answeredMonday = await insertTicket({
    subject: 'Answered on Monday morning',
    createdAt: fridayAfternoon,
    events: [{ kind: 'public_reply', at: '2026-11-30T08:30:00Z' }],
    firstRespondedAt: '2026-11-30T08:30:00Z',
  });
  tickets.firstResponseOverdue = await insertTicket({
    subject: 'Nobody answered within the hour',
    createdAt: '2026-11-30T13:00:00Z',
    firstResponseDueAt: '2026-11-30T14:00:00Z',
  });
  tickets.respondedLate = await insertTicket({
    subject: 'Answered late, but answered',
    createdAt: '2026-11-30T13:00:00Z',
    firstResponseDueAt: '2026-11-30T14:00:00Z',
    firstRespondedAt: '2026-11-30T14:30:00Z',
    events: [{ kind: 'public_reply', at: '2026-11-30T14:30:00Z' }],
  });
  tickets.pendingSinceFriday = await insertTicket({
    subject: 'Waiting on the customer',
    createdAt: fridayAfternoon,
    status: 'pending',
  });
  tickets.roundTheClock = await insertTicket({
    subject: 'Team without a calendar',
    createdAt: fridayAfternoon,
    teamId: roundTheClockTeam,
  });
}, 60_000);

afterAll(async () => {
  await world?.drop();
});

describe('stuck tickets', () => {
  it('does not call a ticket stuck over a weekend: Friday 15:00 to Monday 10:00 is 3 business hours', async () => {
    const report = await findStuckTickets({
      em: world.orm.em.fork(),
      now: mondayTen,
      filters: { teamId: berlinTeam },
    });

    expect(report.tickets.map((t) => t.id)).not.toContain(tickets.idleOverWeekend);
  });

  it('lists it at Monday 16:00 after 9 business hours (73 calendar hours), with why and who', async () => {
    const report = await findStuckTickets({ em: world.orm.em.fork(), now: mondaySixteen });
    const stuck = report.tickets.find((t) => t.id === tickets.idleOverWeekend);

    expect(report.stuckAfterBusinessHours).toBe(8);
    expect(stuck).toMatchObject({
      idleBusinessHours: 9,
      idleCalendarHours: 73,
      reasons: ['idle'],
      lastActionAt: '2026-11-27T14:00:00.000Z',
      team: { id: berlinTeam, name: 'Triage Berlin' },
      queue: { id: queueId, name: 'Integrations' },
    });
  });

  it('lists a ticket past its first-response target even though it is only 2 business hours idle', async () => {
    const report = await findStuckTickets({ em: world.orm.em.fork(), now: mondaySixteen });
    const overdue = report.tickets.find((t) => t.id === tickets.firstResponseOverdue);

    expect(overdue).toMatchObject({
      reasons: ['first_response_overdue'],
      idleBusinessHours: 2,
      overdueSince: '2026-11-30T14:00:00.000Z',
    });
  });

  it('leaves out answered, responded-late and pending tickets', async () => {
    const report = await findStuckTickets({ em: world.orm.em.fork(), now: mondaySixteen });
    const ids = report.tickets.map((t) => t.id);

    expect(ids).not.toContain(tickets.answeredMonday);
    expect(ids).not.toContain(tickets.respondedLate);
    expect(ids).not.toContain(tickets.pendingSinceFriday);
  });

  it('counts every hour for a team without a calendar, and honours a lower threshold', async () => {
    const atTen = await findStuckTickets({ em: world.orm.em.fork(), now: mondayTen });
    expect(atTen.tickets.find((t) => t.id === tickets.roundTheClock)?.idleBusinessHours).toBe(67);

    const strict = await findStuckTickets({
      em: world.orm.em.fork(),
      now: mondayTen,
      stuckAfterBusinessHours: 3,
      filters: { teamId: berlinTeam },
    });
    expect(strict.tickets.map((t) => t.id)).toContain(tickets.idleOverWeekend);
  });
});

describe('knowledge gaps', () => {
  const weekFrom = new Date('2026-12-07T00:00:00Z');
  const weekTo = new Date('2026-12-14T00:00:00Z');

  beforeAll(async () => {
    const em = world.orm.em.fork();
    for (const [title, body] of [
      [
        'Reset your password',
        'Open the sign-in page, choose "Forgot password" and follow the reset link we email you.',
      ],
      [
        'Download an invoice as PDF',
        'Invoices are under Billing → Invoices; each has a Download PDF button.',
      ],
    ]) {
      await createKbArticle(em, {
        input: kbArticle(title!, body!),
        agentId: null,
        status: 'published',
      });
    }
    await world.waitForIndexing();

    const inWeek = '2026-12-08T10:00:00Z';
    tickets.password = await insertTicket({
      subject: 'Cannot reset my password',
      body: 'The reset link in the email does not work, I still cannot sign in.',
      createdAt: inWeek,
    });
    tickets.invoice = await insertTicket({
      subject: 'Where can I download my invoice as PDF?',
      body: 'I need the invoice PDF for our accounting.',
      createdAt: inWeek,
    });
    // "invoice" alone finds the PDF article with a high score; the VAT question is still a gap.
    tickets.vat = await insertTicket({
      subject: 'Invoice shows wrong VAT number',
      body: 'Our VAT number on the invoice is wrong, please correct it.',
      createdAt: inWeek,
    });
    tickets.webhookA = await insertTicket({
      subject: 'Webhook signature verification fails',
      body: 'Our endpoint rejects every webhook because the HMAC signature never matches.',
      createdAt: inWeek,
      tags: ['webhooks'],
    });
    tickets.webhookB = await insertTicket({
      subject: 'Webhook HMAC signature mismatch',
      body: 'Signature header does not verify with our shared secret since Tuesday.',
      createdAt: inWeek,
      tags: ['webhooks'],
    });
    tickets.outsideWeek = await insertTicket({
      subject: 'Webhook retries flood our server',
      body: 'Too many webhook retries.',
      createdAt: '2026-12-01T10:00:00Z',
      tags: ['webhooks'],
    });
  }, 60_000);

  it('groups the tickets no KB article answers by queue and tag, with counts, shared words and examples', async () => {
    const report = await findKnowledgeGaps({
      em: world.orm.em.fork(),
      meili: world.meili,
      kbIndexUid: world.articleIndexUid,
      from: weekFrom,
      to: weekTo,
      log: quiet,
    });

    expect(report.ticketsChecked).toBe(5);
    expect(report.ticketsUnanswered).toBe(3);
    expect(report.gaps.map((g) => [g.topic, g.ticketCount])).toEqual([
      ['Integrations · webhooks', 2],
      ['Integrations', 1],
    ]);
    expect(report.gaps[1]!.examples).toEqual([
      {
        ticketId: tickets.vat,
        subject: 'Invoice shows wrong VAT number',
        nearestArticle: expect.objectContaining({ title: 'Download an invoice as PDF' }),
      },
    ]);
    const [gap] = report.gaps;
    expect(gap).toMatchObject({
      topic: 'Integrations · webhooks',
      tag: 'webhooks',
      ticketCount: 2,
    });
    expect(gap!.examples.map((e) => e.ticketId).sort()).toEqual(
      [tickets.webhookA, tickets.webhookB].sort(),
    );
    expect(gap!.commonWords).toEqual(expect.arrayContaining(['webhook', 'signature']));
  });

  it('finds every ticket a gap when the knowledge base has no article at all', async () => {
    const report = await findKnowledgeGaps({
      em: world.orm.em.fork(),
      meili: world.meili,
      kbIndexUid: 'kb_articles_never_created',
      from: weekFrom,
      to: weekTo,
      log: quiet,
    });

    expect(report.notice).toBeUndefined();
    expect(report.ticketsUnanswered).toBe(5);
    // Untagged tickets split by the subject word they share: two ask about an invoice.
    expect(report.gaps.map((g) => [g.topic, g.ticketCount])).toEqual([
      ['Integrations · invoice', 2],
      ['Integrations · webhooks', 2],
      ['Integrations', 1],
    ]);
  });

  it('writes both lists into the weekly mail to leads', async () => {
    const em = world.orm.em.fork();
    const stuck = await findStuckTickets({
      em,
      now: mondaySixteen,
      filters: { teamId: berlinTeam },
    });
    const gaps = await findKnowledgeGaps({
      em,
      meili: world.meili,
      kbIndexUid: world.articleIndexUid,
      from: weekFrom,
      to: weekTo,
      log: quiet,
    });
    const mail = composeWeeklyTriageMail({ to: ['lena@example.test'], stuck, gaps });

    expect(mail.subject).toBe('Weekly triage: 2 stuck tickets, 2 knowledge gaps');
    expect(mail.text).toContain(`#${tickets.idleOverWeekend} Export stuck since Friday`);
    expect(mail.text).toContain('idle 9 business h; no action');
    expect(mail.text).toContain('Integrations · webhooks: 2 tickets');
  });
});

async function insertedId(sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await world.orm.em.getConnection().execute<{ id: number }[]>(sql, params);
  return Number(row!.id);
}

function kbArticle(title: string, body: string): KbArticleInput {
  return {
    title,
    body,
    tags: [],
    language: 'en',
    audience: 'public',
    ownerAgentId: null,
    teamId: null,
    reviewBy: null,
  };
}

async function insertTicket(ticket: {
  subject: string;
  createdAt: string;
  body?: string;
  status?: string;
  teamId?: number;
  tags?: string[];
  firstResponseDueAt?: string;
  firstRespondedAt?: string;
  events?: { kind: string; at: string }[];
}): Promise<number> {
  const db = world.orm.em.getConnection();
  const [row] = await db.execute<{ id: string }[]>(
    `insert into ticket (id, subject, status, priority, channel, queue_id, team_id, requester_id,
       tags, first_response_due_at, first_responded_at, created_at, updated_at, last_activity_at, version)
     values (nextval('ticket_number_seq'), ?, ?, 'normal', 'email', ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, 1)
     returning id`,
    [
      ticket.subject,
      ticket.status ?? 'open',
      queueId,
      ticket.teamId ?? berlinTeam,
      requesterId,
      JSON.stringify(ticket.tags ?? []),
      ticket.firstResponseDueAt ?? null,
      ticket.firstRespondedAt ?? null,
      ticket.createdAt,
      ticket.createdAt,
      ticket.createdAt,
    ],
  );
  const id = Number(row!.id);
  const events = [{ kind: 'created', at: ticket.createdAt }, ...(ticket.events ?? [])];
  for (const [seq, event] of events.entries()) {
    await db.execute(`insert into ticket_event (ticket_id, seq, kind, at) values (?, ?, ?, ?)`, [
      id,
      seq + 1,
      event.kind,
      event.at,
    ]);
  }
  await db.execute(
    `insert into message (ticket_id, kind, channel, author_kind, requester_id, subject, text,
       idempotency_key, created_at)
     values (?, 'inbound', 'email', 'requester', ?, ?, ?, ?, ?)`,
    [
      id,
      requesterId,
      ticket.subject,
      ticket.body ?? ticket.subject,
      `triage-test-${id}`,
      ticket.createdAt,
    ],
  );
  return id;
}
