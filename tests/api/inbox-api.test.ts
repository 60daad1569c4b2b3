// The agent's inbox over the real database: which tickets each view holds for the signed-in
// agent and their team, "breaching soon" read from the SLA instants and warning windows the
// rows carry, the filters, and the counts. The rows are written straight into the read model
// as the workflow's projection leaves them, for one requester of this file's own, so the
// shared test database's other tickets never change what is asserted.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { InboxCounts, InboxTicketList } from '../../api/inbox-contract.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { signIn, type SignedIn } from '../support/session.ts';

let testApp: TestApp;
let alice: SignedIn;
let requesterId: number;
const ids: Record<string, number> = {};

interface Row {
  name: string;
  status: string;
  team: 'Support' | 'Billing';
  owner: 'alice' | 'bob' | null;
  /** Minutes from now to the first-response due instant; null for none. */
  dueInMinutes: number | null;
  tags?: string[];
  channel?: string;
}

// The demo SLA policy warns 60 minutes before a target is due.
const rows: Row[] = [
  { name: 'due soon', status: 'open', team: 'Support', owner: 'alice', dueInMinutes: 20 },
  { name: 'overdue', status: 'new', team: 'Support', owner: null, dueInMinutes: -30 },
  { name: 'due later', status: 'open', team: 'Support', owner: 'bob', dueInMinutes: 300 },
  { name: 'paused', status: 'pending', team: 'Support', owner: 'alice', dueInMinutes: 10 },
  {
    name: 'other team',
    status: 'open',
    team: 'Billing',
    owner: null,
    dueInMinutes: 5,
    tags: ['vip'],
    channel: 'chat',
  },
  { name: 'resolved', status: 'resolved', team: 'Support', owner: 'alice', dueInMinutes: null },
];

beforeAll(async () => {
  testApp = await startTestApp({ name: 'inbox' });
  alice = await signIn(testApp.app, 'alice@casework.example');
  await seedRows();
}, 120_000);

afterAll(async () => {
  await testApp?.stop();
});

async function seedRows(): Promise<void> {
  const em = testApp.stack.orm.em.fork();
  const [requester] = await em.execute<{ id: number }[]>(
    'insert into requester (name, email) values (?, ?) returning id',
    ['Inbox Tester', `${randomUUID()}@customer.example`],
  );
  requesterId = Number(requester!.id);

  for (const row of rows) {
    const [inserted] = await em.execute<{ id: number }[]>(
      `insert into ticket (id, subject, status, priority, channel, queue_id, team_id,
              assignee_id, requester_id, tags, first_response_due_at, breached,
              escalation_level, reassignment_count, created_at, updated_at, last_activity_at,
              version)
       select nextval('ticket_number_seq'), ?, ?, 'normal', ?, q.id, q.team_id,
              (select id from agent where email = ?), ?, ?::jsonb,
              case when ?::int is null then null else now() + make_interval(mins => ?::int) end,
              false, 0, 0, now(), now(), now(), 1
         from queue q join team t on t.id = q.team_id where t.name = ? order by q.id limit 1
       returning id`,
      [
        `Inbox ${row.name}`,
        row.status,
        row.channel ?? 'email',
        row.owner === null ? null : `${row.owner}@casework.example`,
        requesterId,
        JSON.stringify(row.tags ?? []),
        row.dueInMinutes,
        row.dueInMinutes,
        row.team,
      ],
    );
    ids[row.name] = Number(inserted!.id);
  }
}

async function listView(query: string): Promise<string[]> {
  const res = await alice.get(`/api/inbox/tickets?requesterId=${requesterId}&${query}`);
  expect(res.status).toBe(200);
  return (res.body as InboxTicketList).items.map((item) => item.subject.replace('Inbox ', ''));
}

describe('inbox views for Alice (Support)', () => {
  it('my tickets are the unresolved ones she owns', async () => {
    expect(await listView('view=mine')).toEqual(['paused', 'due soon']);
  });

  it("my team's queues hold Support's unresolved tickets, not Billing's", async () => {
    expect(await listView('view=team')).toEqual(['overdue', 'paused', 'due soon', 'due later']);
  });

  it('breaching soon holds new and open tickets inside the warning window or past due, not paused ones', async () => {
    expect(await listView('view=breaching')).toEqual(['overdue', 'due soon']);
  });

  it('unassigned and pending', async () => {
    expect(await listView('view=unassigned')).toEqual(['overdue']);
    expect(await listView('view=pending')).toEqual(['paused']);
  });

  it('all holds every ticket, and a status filter narrows any view', async () => {
    expect((await listView('view=all')).sort()).toEqual(rows.map((row) => row.name).sort());
    expect(await listView('view=mine&status=resolved')).toEqual(['resolved']);
  });

  it('filters by tag and channel, and sorts by SLA due first', async () => {
    expect(await listView('view=all&tag=VIP&channel=chat')).toEqual(['other team']);
    const sorted = await listView('view=all&sort=sla_due');
    expect(sorted.slice(0, 3)).toEqual(['overdue', 'other team', 'paused']);
  });

  it('each row carries its running SLA target and when it turns amber', async () => {
    const res = await alice.get(`/api/inbox/tickets?requesterId=${requesterId}&view=mine`);
    const dueSoon = (res.body as InboxTicketList).items.find((t) => t.id === ids['due soon']);

    expect(dueSoon?.sla?.target).toBe('first_response');
    const dueAt = Date.parse(dueSoon!.sla!.dueAt);
    expect(dueAt - Date.parse(dueSoon!.sla!.warnAt)).toBe(60 * 60_000);
  });

  it('counts every view for the signed-in agent and names the teams "my team" covers', async () => {
    const res = await alice.get('/api/inbox/counts');

    expect(res.status).toBe(200);
    const body = res.body as InboxCounts;
    expect(body.teams.map((team) => team.name)).toEqual(['Support']);
    expect(body.counts.mine).toBeGreaterThanOrEqual(2);
    expect(body.counts.breaching).toBeGreaterThanOrEqual(2);
    expect(body.counts.all).toBeGreaterThanOrEqual(rows.length);
  });

  it('refuses an unknown view or status with the parameter named', async () => {
    const res = await alice.get('/api/inbox/tickets?view=everything&status=lost');

    expect(res.status).toBe(422);
    const fields = (res.body as { errors: { field: string }[] }).errors.map((e) => e.field);
    expect(fields).toContain('query.view');
    expect(fields.some((field) => field.startsWith('query.status'))).toBe(true);
  });
});
