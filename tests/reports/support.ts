// Read-model fixtures for the reports tests: a team of its own (Mon–Fri 09:00–17:00 UTC
// calendar, three agents, one queue) and tickets written straight into `ticket` and
// `ticket_event` as the projection would, so each test states a timeline whose numbers were
// worked out by hand. Everything is named per run, so fixtures never meet other files' data.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '../../db/orm.ts';

export interface ReportWorld {
  calendarId: number;
  teamId: number;
  queueId: number;
  requesterId: number;
  agents: { a: number; b: number; c: number };
  /** A fresh ticket id for this world. */
  nextTicketId(): number;
}

let ticketCounter = 0;

type Row = Record<string, unknown>;

// One row is always returned by the inserts below; a missing one is a broken fixture.
async function rows(em: EntityManager, sql: string, params: unknown[] = []): Promise<[Row]> {
  const found: Row[] = await em.execute(sql, params);
  if (found[0] === undefined) throw new Error(`fixture query returned no row: ${sql}`);
  return found as [Row];
}

/** Creates the team, calendar, queue, agents and requester the fixtures hang on. */
export async function createReportWorld(em: EntityManager): Promise<ReportWorld> {
  const tag = randomUUID().slice(0, 8);
  const [calendar] = await rows(
    em,
    `insert into business_calendar (name, time_zone, weekly, holidays)
     values (?, 'UTC', ?::jsonb, '[]') returning id`,
    [
      `reports ${tag}`,
      JSON.stringify([1, 2, 3, 4, 5].map((day) => ({ day, open: '09:00', close: '17:00' }))),
    ],
  );
  const calendarId = Number(calendar.id);
  const [team] = await rows(em, 'insert into team (name, calendar_id) values (?, ?) returning id', [
    `Reports ${tag}`,
    calendarId,
  ]);
  const teamId = Number(team.id);
  const [policy] = await rows(em, 'select id from sla_policy order by id limit 1');
  const [queue] = await rows(
    em,
    `insert into queue (key, name, team_id, skill, sla_policy_id)
     values (?, ?, ?, 'reports', ?) returning id`,
    [`reports-${tag}`, `Reports ${tag}`, teamId, policy.id],
  );
  const agentId = async (name: string) => {
    const [row] = await rows(
      em,
      `insert into agent (name, email, team_id, available) values (?, ?, ?, false) returning id`,
      [`${name} ${tag}`, `${name.toLowerCase()}-${tag}@reports.test`, teamId],
    );
    return Number(row.id);
  };
  const agents = { a: await agentId('Ada'), b: await agentId('Ben'), c: await agentId('Cy') };
  const [requester] = await rows(
    em,
    `insert into requester (name, email) values ('Rita', ?) returning id`,
    [`rita-${tag}@customer.test`],
  );
  const base = 900_000_000 + Math.floor(Math.random() * 1_000_000) * 100;
  return {
    calendarId,
    teamId,
    queueId: Number(queue.id),
    requesterId: Number(requester.id),
    agents,
    nextTicketId: () => base + ++ticketCounter,
  };
}

/** One timeline entry: kind, instant, actor and detail, as the projection writes them. */
export type Entry = [kind: string, at: string, actor: string | null, detail?: object];

/** Writes one ticket row and its timeline (seq 1…n in the order given). */
export async function insertTicket(
  em: EntityManager,
  world: ReportWorld,
  t: {
    id: number;
    createdAt: string;
    status: string;
    assigneeId: number | null;
    channel?: string;
    priority?: string;
    entries: Entry[];
  },
): Promise<number> {
  const last = t.entries.at(-1)?.[1] ?? t.createdAt;
  await em.execute(
    `insert into ticket (id, subject, status, priority, channel, queue_id, team_id, assignee_id,
        requester_id, created_at, updated_at, last_activity_at, version)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      t.id,
      `Fixture ticket ${t.id}`,
      t.status,
      t.priority ?? 'normal',
      t.channel ?? 'email',
      world.queueId,
      world.teamId,
      t.assigneeId,
      world.requesterId,
      t.createdAt,
      last,
      last,
      t.entries.length + 1,
    ],
  );
  const entries: Entry[] = [
    ['created', t.createdAt, 'requester', { channel: 'email' }],
    ...t.entries,
  ];
  for (const [index, [kind, at, actor, detail]] of entries.entries()) {
    await em.execute(
      `insert into ticket_event (ticket_id, seq, kind, at, actor, detail)
       values (?, ?, ?, ?, ?, ?::jsonb)`,
      [t.id, index + 1, kind, at, actor, JSON.stringify(detail ?? {})],
    );
  }
  return t.id;
}

/** Entry builders, so timelines read like the timeline view. */
export const entry = {
  assigned: (at: string, agentId: number, previousAgentId: number | null = null): Entry => [
    'assigned',
    at,
    'policy',
    { agentId, previousAgentId },
  ],
  unassigned: (at: string): Entry => ['unassigned', at, 'policy', { reason: 'agent away' }],
  reply: (at: string, agentId: number, firstResponse: boolean): Entry => [
    'public_reply',
    at,
    `agent:${agentId}`,
    { messageId: 1, firstResponse },
  ],
  customer: (at: string): Entry => [
    'customer_message',
    at,
    'requester',
    { messageId: 2, automated: false },
  ],
  reopened: (at: string): Entry => ['reopened', at, 'requester', { messageId: 2 }],
  status: (at: string, from: string, to: string, byAgentId: number | null): Entry => [
    'status_changed',
    at,
    byAgentId === null ? 'policy' : `agent:${byAgentId}`,
    { from, to, reason: byAgentId === null ? 'set by automation' : 'set by an agent' },
  ],
  slaMet: (at: string, target: string, dueAt: string, met: boolean): Entry => [
    'sla_met',
    at,
    'policy',
    { target, dueAt, met, businessMinutes: 0 },
  ],
  slaBreached: (at: string, target: string, dueAt: string): Entry => [
    'sla_breached',
    at,
    'timer',
    { target, dueAt },
  ],
};
