import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createTicketActivities } from '../../activities/ticket-activities.ts';
import type { NotificationList, TicketList } from '../../api/contract.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { signIn, type SignedIn } from '../support/session.ts';
import { eventually } from '../support/stack.ts';
import { openTicket, readTicket, timelineKinds } from './collab-support.ts';

let testApp: TestApp;
let app: Express;
let alice: SignedIn;
let carol: SignedIn;
let bob: SignedIn;

beforeAll(async () => {
  testApp = await startTestApp({ name: 'collab-handoff' });
  app = testApp.app;
  alice = await signIn(app, 'alice@casework.example');
  carol = await signIn(app, 'carol@casework.example');
  bob = await signIn(app, 'bob@casework.example');
}, 120_000);

/** Carol, unless the policy already gave her the ticket: then Bob. */
function someoneElseThan(owner: { id: number } | null): SignedIn {
  return owner?.id === carol.agent.id ? bob : carol;
}

afterAll(async () => {
  await testApp?.stop();
});

async function teamId(name: string): Promise<number> {
  const rows: { id: number }[] = await testApp.stack.orm.em
    .fork()
    .execute('select id from team where name = ?', [name]);
  return Number(rows[0]!.id);
}

describe('handoff', () => {
  it('refuses a handoff without a note and names the field, changing nothing', async () => {
    const ticket = await openTicket(app, alice, { subject: 'VPN drops', body: 'Every hour.' });

    const res = await alice
      .post(`/api/tickets/${ticket.id}/handoff`)
      .send({ toAgentId: carol.agent.id, note: '   ' });

    expect(res.status).toBe(422);
    expect(res.body.errors[0].field).toBe('body.note');
    expect(await timelineKinds(alice, ticket.id)).not.toContain('handed_off');
  });

  it('hands off to an agent with the note shown at the top of the ticket and the new owner notified', async () => {
    const ticket = await openTicket(app, alice, {
      subject: 'Laptop fan loud',
      body: 'Since Monday.',
    });
    const next = someoneElseThan(ticket.assignee);

    const res = await alice.post(`/api/tickets/${ticket.id}/handoff`).send({
      toAgentId: next.agent.id,
      note: 'Customer prefers a call back after 3 pm; warranty checked.',
      expectedVersion: ticket.version,
    });

    expect(res.status).toBe(200);
    expect(res.body.ticket.assignee.id).toBe(next.agent.id);
    const detail = (await readTicket(next, ticket.id))!;
    expect(detail.handoff).toEqual(detail.collab?.handoff);
    expect(detail.collab?.handoff).toMatchObject({
      note: 'Customer prefers a call back after 3 pm; warranty checked.',
      byAgent: { id: alice.agent.id },
      toAgent: { id: next.agent.id, name: next.agent.name },
      toTeam: null,
    });
    expect(detail.timeline.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['handed_off', 'assigned']),
    );
    expect(detail.timeline.find((e) => e.kind === 'handed_off')?.detail).toMatchObject({
      toAgent: next.agent.name,
      note: 'Customer prefers a call back after 3 pm; warranty checked.',
    });
    const inbox = (await next.get('/api/notifications')).body as NotificationList;
    const handoff = inbox.items.find((n) => n.ticket.id === ticket.id);
    expect(handoff).toMatchObject({
      kind: 'handoff',
      byAgent: { id: alice.agent.id },
      excerpt: 'Customer prefers a call back after 3 pm; warranty checked.',
      readAt: null,
    });
  });

  it('hands off to a team: the ticket moves into its queue and leaves the agent who handed it off', async () => {
    const ticket = await openTicket(app, alice, { subject: 'Printer jams', body: 'Tray 2.' });
    const billing = await teamId('Billing');

    const res = await alice
      .post(`/api/tickets/${ticket.id}/handoff`)
      .send({ toTeamId: billing, note: 'This is really about the invoice for the printer.' });

    expect(res.status).toBe(200);
    expect(res.body.ticket.queue.name).toBe('Billing');
    expect(res.body.ticket.assignee?.id).not.toBe(ticket.assignee?.id);
    expect(res.body.handoff).toMatchObject({ toTeam: { id: billing, name: 'Billing' } });
  });

  it('refuses a handoff drafted before the ticket changed with 409', async () => {
    const ticket = await openTicket(app, alice, { subject: 'Mouse broken', body: 'Left click.' });
    const changed = await alice
      .post(`/api/tickets/${ticket.id}/priority`)
      .send({ priority: 'low' });
    expect(changed.status).toBe(200);
    expect(changed.body.ticket.version).toBeGreaterThan(ticket.version);

    const res = await alice.post(`/api/tickets/${ticket.id}/handoff`).send({
      toAgentId: someoneElseThan(ticket.assignee).agent.id,
      note: 'Please take over.',
      expectedVersion: ticket.version,
    });

    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/changed after you loaded it/);
  });
});

describe('assignment by a colleague', () => {
  it('tells the agent a colleague assigned the ticket to, with the colleague’s note', async () => {
    const ticket = await openTicket(app, alice, { subject: 'Scanner', body: 'Lines on scans.' });
    const target = someoneElseThan(ticket.assignee);
    const assigner = alice;

    const res = await assigner
      .post(`/api/tickets/${ticket.id}/assignment`)
      .send({ agentId: target.agent.id, note: 'You know this model.' });

    expect(res.status).toBe(200);
    const notice = await eventually('assignment notification', async () => {
      const list = (await target.get('/api/notifications')).body as NotificationList;
      return list.items.find((n) => n.ticket.id === ticket.id) ?? null;
    });
    expect(notice).toMatchObject({
      kind: 'assignment',
      byAgent: { id: assigner.agent.id },
      excerpt: 'You know this model.',
    });
  });
});

describe('tags and priority', () => {
  it('normalises tags, records what changed, and finds the ticket by tag in the list', async () => {
    const ticket = await openTicket(app, alice, { subject: 'Docking station', body: 'No HDMI.' });

    const res = await alice
      .put(`/api/tickets/${ticket.id}/tags`)
      .send({ tags: [' VIP ', 'vip', 'Needs  Follow up'] });

    expect(res.status).toBe(200);
    expect(res.body.tags).toEqual(['vip', 'needs-follow-up']);
    const entry = (await readTicket(alice, ticket.id))!.timeline.find(
      (e) => e.kind === 'tags_changed',
    );
    expect(entry?.detail).toMatchObject({ added: ['vip', 'needs-follow-up'], removed: [] });
    const list = (await alice.get('/api/tickets?tag=Needs-Follow-Up&pageSize=200'))
      .body as TicketList;
    expect(list.items.map((t) => t.id)).toContain(ticket.id);
    expect(list.items.every((t) => t.tags?.includes('needs-follow-up'))).toBe(true);
  });

  it('refuses a tag over the length limit, naming the field', async () => {
    const ticket = await openTicket(app, alice, { subject: 'Webcam', body: 'Black image.' });

    const res = await alice.put(`/api/tickets/${ticket.id}/tags`).send({ tags: ['x'.repeat(41)] });

    expect(res.status).toBe(422);
    expect(res.body.errors[0].field).toBe('body.tags');
  });

  it('sets the priority with a timeline entry and refuses setting the same priority again', async () => {
    const ticket = await openTicket(app, alice, { subject: 'Server room hot', body: '31 °C.' });

    const first = await alice
      .post(`/api/tickets/${ticket.id}/priority`)
      .send({ priority: 'urgent' });
    const again = await alice
      .post(`/api/tickets/${ticket.id}/priority`)
      .send({ priority: 'urgent' });

    expect(first.status).toBe(200);
    expect(first.body.ticket.priority).toBe('urgent');
    expect(again.status).toBe(422);
    const entry = (await readTicket(alice, ticket.id))!.timeline.find(
      (e) => e.kind === 'priority_changed',
    );
    expect(entry).toMatchObject({ actor: 'Alice Moreau', detail: { to: 'urgent' } });
  });
});

describe('mentions and notifications', () => {
  it('notifies a mentioned agent and a mentioned team, never the author, and leaves unknown handles as text', async () => {
    const ticket = await openTicket(app, alice, {
      subject: 'SSO loop',
      body: 'Keeps redirecting.',
    });
    await carol.post('/api/notifications/read-all').send({});

    const note = 'Looks like the IdP cert, @carol can you check? cc @support, @nobody-here';
    const res = await alice.post(`/api/tickets/${ticket.id}/notes`).send({ body: note });

    expect(res.status).toBe(201);
    const inbox = await eventually('carol notified', async () => {
      const list = (await carol.get('/api/notifications')).body as NotificationList;
      return list.items.some((n) => n.ticket.id === ticket.id) ? list : null;
    });
    const mentions = inbox.items.filter((n) => n.ticket.id === ticket.id);
    expect(mentions).toHaveLength(1);
    expect(mentions[0]).toMatchObject({ kind: 'mention', byAgent: { id: alice.agent.id } });
    expect(mentions[0]!.excerpt).toContain('@carol can you check');
    expect(inbox.unreadCount).toBeGreaterThanOrEqual(1);
    const own = (await alice.get('/api/notifications')).body as NotificationList;
    expect(own.items.filter((n) => n.ticket.id === ticket.id && n.kind === 'mention')).toEqual([]);
    const entry = (await readTicket(alice, ticket.id))!.timeline.find(
      (e) => e.kind === 'internal_note',
    );
    expect(entry?.detail.mentions).toEqual(['carol', 'support']);
  });

  it('lists the handles a note may mention: agents by email local part, teams by slug', async () => {
    const res = await carol.get('/api/mention-handles');

    expect(res.status).toBe(200);
    expect(res.body).toEqual(
      expect.arrayContaining([
        { kind: 'agent', id: carol.agent.id, name: 'Carol Nguyen', handle: 'carol' },
        expect.objectContaining({ kind: 'team', name: 'Support', handle: 'support' }),
      ]),
    );
  });

  it('counts unread notifications down as the agent reads one, then all, and hides them from others', async () => {
    const ticket = await openTicket(app, alice, { subject: 'Badge reader', body: 'Door 3.' });
    await alice.post(`/api/tickets/${ticket.id}/notes`).send({ body: '@carol door 3 again' });
    const mention = await eventually('mention stored', async () => {
      const list = (await carol.get('/api/notifications?unread=true')).body as NotificationList;
      return list.items.find((n) => n.ticket.id === ticket.id) ?? null;
    });

    const stranger = await alice.post(`/api/notifications/${mention.id}/read`).send({});
    const before = ((await carol.get('/api/notifications')).body as NotificationList).unreadCount;
    const read = await carol.post(`/api/notifications/${mention.id}/read`).send({});
    const all = await carol.post('/api/notifications/read-all').send({});

    expect(stranger.status).toBe(404);
    expect(read.status).toBe(200);
    expect(read.body.unreadCount).toBe(before - 1);
    expect(all.body.unreadCount).toBe(0);
    const after = (await carol.get('/api/notifications')).body as NotificationList;
    expect(after.unreadCount).toBe(0);
    expect(after.items.find((n) => n.id === mention.id)?.readAt).not.toBeNull();
  });

  it('stores a notification once however often the activity is retried', async () => {
    const ticket = await openTicket(app, alice, { subject: 'Desk lamp', body: 'Flickers.' });
    const activities = createTicketActivities({ orm: testApp.stack.orm });
    const input = {
      agentIds: [carol.agent.id, carol.agent.id],
      ticketId: ticket.id,
      kind: 'mention' as const,
      byAgentId: alice.agent.id,
      excerpt: '@carol lamp',
      text: 'You were mentioned',
      idempotencyKey: `test-retry-${ticket.id}`,
    };

    await new MockActivityEnvironment().run(activities.notifyAgents, input);
    await new MockActivityEnvironment().run(activities.notifyAgents, input);

    const list = (await carol.get('/api/notifications')).body as NotificationList;
    expect(list.items.filter((n) => n.ticket.id === ticket.id)).toHaveLength(1);
  });

  it('pushes a notification event on the live stream to the addressee only', async () => {
    const ticket = await openTicket(app, alice, { subject: 'Projector', body: 'No signal.' });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    const streams = new AbortController();
    try {
      const carolEvents = readStream(port, carol.cookie, streams.signal);
      const aliceEvents = readStream(port, alice.cookie, streams.signal);
      await new Promise((resolve) => setTimeout(resolve, 300));

      await alice.post(`/api/tickets/${ticket.id}/notes`).send({ body: 'ping @carol' });

      const event = await eventually(
        'carol’s notification event',
        async () => carolEvents.text().match(/event: notification\ndata: (.*)\n/)?.[1],
      );
      expect(JSON.parse(event)).toMatchObject({ ticketId: ticket.id, kind: 'mention' });
      expect(JSON.parse(event).unreadCount).toBeGreaterThanOrEqual(1);
      expect(aliceEvents.text()).not.toContain('event: notification');
    } finally {
      streams.abort();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

function readStream(port: number, cookie: string, signal: AbortSignal): { text(): string } {
  let received = '';
  void fetch(`http://127.0.0.1:${port}/api/stream`, { headers: { cookie }, signal })
    .then(async (res) => {
      const decoder = new TextDecoder();
      for await (const chunk of res.body!) received += decoder.decode(chunk as Uint8Array);
    })
    .catch(() => undefined);
  return { text: () => received };
}
