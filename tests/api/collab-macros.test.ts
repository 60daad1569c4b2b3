import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import { randomBytes } from 'node:crypto';
import type { MacroView } from '../../api/contract.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { signIn, type SignedIn } from '../support/session.ts';
import { eventually } from '../support/stack.ts';
import { openTicket, readTicket } from './collab-support.ts';

let testApp: TestApp;
let app: Express;
let alice: SignedIn;
let bob: SignedIn;
let daveId: number;

// Every test worker drains the KB index jobs into the `macros` index (temporal/worker.ts), so
// macros here carry words of this run's own to be found by.
const suffix = randomBytes(4).toString('hex');

beforeAll(async () => {
  testApp = await startTestApp({ name: 'collab-macros' });
  app = testApp.app;
  alice = await signIn(app, 'alice@casework.example');
  bob = await signIn(app, 'bob@casework.example');
  daveId = (await signIn(app, 'dave@casework.example')).agent.id;
}, 120_000);

afterAll(async () => {
  await testApp?.stop();
});

function refundMacro(title: string) {
  return {
    title,
    body: 'Hi {{requester.name}}, your refund for ticket #{{ticket.number}} is on its way. {{agent.name}}',
    tags: ['Billing'],
    actions: {
      status: 'pending',
      priority: 'high',
      addTags: ['Refund Issued'],
      assignAgentId: daveId,
    },
  };
}

async function searchTitles(q: string): Promise<string[]> {
  const res = await bob.get(`/api/macros?q=${encodeURIComponent(q)}`);
  return (res.body.items as MacroView[]).map((m) => m.title);
}

describe('macro management', () => {
  it('lets agents read macros but only leads and admins create, edit or delete them', async () => {
    const created = await alice.post('/api/macros').send(refundMacro(`Refund sent ${suffix}`));

    const list = await bob.get('/api/macros');
    const byAgent = await bob.post('/api/macros').send(refundMacro('Sneaky'));
    const editByAgent = await bob.put(`/api/macros/${created.body.id}`).send(refundMacro('Sneaky'));
    const deleteByAgent = await bob.delete(`/api/macros/${created.body.id}`);

    expect(created.status).toBe(201);
    expect(created.body.actions).toEqual({
      status: 'pending',
      priority: 'high',
      addTags: ['refund-issued'],
      assignAgentId: daveId,
    });
    expect(list.status).toBe(200);
    expect((list.body.items as MacroView[]).map((m) => m.id)).toContain(created.body.id);
    expect([byAgent.status, editByAgent.status, deleteByAgent.status]).toEqual([403, 403, 403]);
  });

  it('offers a team’s picker its own macros and those for everyone, not another team’s', async () => {
    const teams: { id: number; name: string }[] = await testApp.stack.orm.em
      .fork()
      .execute("select id, name from team where name in ('Support', 'Billing')");
    const teamOf = (name: string) => teams.find((t) => t.name === name)!.id;
    const billing = await alice
      .post('/api/macros')
      .send({ ...refundMacro(`Billing only ${suffix}`), teamId: teamOf('Billing') });
    const everyone = await alice.post('/api/macros').send(refundMacro(`Everyone ${suffix}`));

    const res = await bob.get(`/api/macros?teamId=${teamOf('Support')}&limit=200`);

    const ids = (res.body.items as MacroView[]).map((m) => m.id);
    expect(ids).toContain(everyone.body.id);
    expect(ids).not.toContain(billing.body.id);
  });

  it('refuses actions naming an agent that does not exist or an unknown action, naming the field', async () => {
    const res = await alice.post('/api/macros').send({
      ...refundMacro('Broken'),
      actions: { assignAgentId: 999_999, explode: true },
    });

    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain('body.actions');
    const missing = await alice
      .post('/api/macros')
      .send({ ...refundMacro('Broken'), actions: { assignAgentId: 999_999 } });
    expect(missing.status).toBe(422);
    expect(missing.body.errors[0].field).toBe('body.actions.assignAgentId');
  });

  it('refuses a body with an unknown placeholder on create and edit, listing the unknown and supported ones', async () => {
    const body = 'Hi {{requester.name}}, write to {{agent.email}} about {{order.number}}.';
    const created = await alice.post('/api/macros').send({ ...refundMacro('Leaky'), body });
    const good = await alice.post('/api/macros').send(refundMacro(`Placeholders ${suffix}`));
    const edited = await alice
      .put(`/api/macros/${good.body.id}`)
      .send({ ...refundMacro('X'), body });

    for (const res of [created, edited]) {
      expect(res.status).toBe(422);
      const problem = res.body.errors.find((e: { field: string }) => e.field === 'body.body');
      expect(problem.problem).toContain('{{agent.email}}');
      expect(problem.problem).toContain('{{order.number}}');
      expect(problem.problem).toContain('supported: {{requester.name}}');
    }
    expect((await bob.get(`/api/macros/${good.body.id}`)).body.body).toBe(refundMacro('X').body);
  });

  it('finds a macro by a misspelt word, and re-indexes it when edited and when deleted', async () => {
    const word = `zebra${suffix}`;
    const created = await alice.post('/api/macros').send({ ...refundMacro(`Striped ${word}`) });

    await eventually(
      'new macro searchable by a misspelling',
      async () => (await searchTitles(`zbra${suffix}`)).includes(`Striped ${word}`),
      30_000,
    );
    const edited = await alice
      .put(`/api/macros/${created.body.id}`)
      .send({ ...refundMacro(`Spotted leopard${suffix}`) });
    expect(edited.status).toBe(200);
    expect(edited.body.title).toBe(`Spotted leopard${suffix}`);
    await eventually(
      'edited macro searchable by its new title',
      async () => (await searchTitles(`leopard${suffix}`)).includes(`Spotted leopard${suffix}`),
      30_000,
    );
    expect(await searchTitles(word)).toEqual([]);

    const deleted = await alice.delete(`/api/macros/${created.body.id}`);
    expect(deleted.status).toBe(204);
    await eventually(
      'deleted macro gone from search',
      async () => ((await searchTitles(`leopard${suffix}`)).length === 0 ? true : null),
      30_000,
    );
  });
});

describe('applying a macro', () => {
  it('renders the placeholders for the ticket and agent and applies every action as one update', async () => {
    const macro = (await alice.post('/api/macros').send(refundMacro(`Refund ${suffix} a`))).body;
    // Triaged into Support, so owned by a support agent: the macro hands it to Dave of Billing.
    const ticket = await openTicket(app, alice, { subject: 'Headset crackles', body: 'Left ear.' });
    await bob.put(`/api/tickets/${ticket.id}/tags`).send({ tags: ['billing-question'] });
    const before = (await readTicket(bob, ticket.id))!.ticket;

    const res = await bob
      .post(`/api/tickets/${ticket.id}/macros/${macro.id}/apply`)
      .send({ expectedVersion: before.version });

    expect(res.status).toBe(200);
    expect(res.body.renderedText).toBe(
      `Hi Pat Doe, your refund for ticket #${ticket.id} is on its way. Bob Lindqvist`,
    );
    expect(res.body.ticket).toMatchObject({
      status: 'pending',
      priority: 'high',
      assignee: { id: daveId },
      tags: ['billing-question', 'refund-issued'],
    });
    const timeline = (await readTicket(bob, ticket.id))!.timeline.filter(
      (e) => e.seq > before.version,
    );
    const applied = timeline.filter((e) => e.kind === 'macro_applied');
    expect(applied).toHaveLength(1);
    expect(applied[0]!.detail).toMatchObject({ macroId: macro.id, title: macro.title });
    expect(timeline.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['priority_changed', 'tags_changed', 'assigned', 'status_changed']),
    );
    expect(timeline.find((e) => e.kind === 'status_changed')?.detail.reason).toBe(
      `macro "${macro.title}"`,
    );
  });

  it('sends the ticket into another team’s queue when the macro assigns a team', async () => {
    const [billing] = await testApp.stack.orm.em
      .fork()
      .execute<{ id: number }[]>("select id from team where name = 'Billing'");
    const macro = (
      await alice.post('/api/macros').send({
        title: `To billing ${suffix}`,
        body: 'Our billing team will take it from here, {{requester.name}}.',
        actions: { assignTeamId: billing!.id, addTags: ['billing'] },
      })
    ).body;
    const ticket = await openTicket(app, alice, { subject: 'Mic muted', body: 'Always.' });

    const res = await bob.post(`/api/tickets/${ticket.id}/macros/${macro.id}/apply`).send({});

    expect(res.status).toBe(200);
    expect(res.body.renderedText).toBe('Our billing team will take it from here, Pat Doe.');
    expect(res.body.ticket.queue.name).toBe('Billing');
    expect(res.body.ticket.tags).toEqual(['billing']);
    const kinds = (await readTicket(bob, ticket.id))!.timeline.map((e) => e.kind);
    expect(kinds).toContain('requeued');
  });

  it('greets a requester who gave no name as "there" instead of sending the raw placeholder', async () => {
    const macro = (
      await alice.post('/api/macros').send({
        title: `No name ${suffix}`,
        body: 'Hi {{requester.name}}, about "{{ticket.subject}}" ({{requester.email}}).',
      })
    ).body;
    const ticket = await openTicket(app, alice, { subject: 'Mail in', body: 'From a mailbox.' });
    const em = testApp.stack.orm.em.fork();
    const [requester] = await em.execute<{ email: string | null }[]>(
      'update requester set name = null where id = (select requester_id from ticket where id = ?) returning email',
      [ticket.id],
    );

    const res = await bob.post(`/api/tickets/${ticket.id}/macros/${macro.id}/apply`).send({});

    expect(res.status).toBe(200);
    expect(res.body.renderedText).toBe(
      `Hi there, about "Mail in" (${requester!.email ?? 'your email address'}).`,
    );
  });

  it('refuses the whole macro when the agent’s view is stale, and changes nothing', async () => {
    const macro = (await alice.post('/api/macros').send(refundMacro(`Refund ${suffix} b`))).body;
    const ticket = await openTicket(app, alice, { subject: 'Charged in USD', body: 'Not EUR.' });
    await bob.post(`/api/tickets/${ticket.id}/notes`).send({ body: 'checking the invoice' });

    const res = await bob
      .post(`/api/tickets/${ticket.id}/macros/${macro.id}/apply`)
      .send({ expectedVersion: ticket.version });

    expect(res.status).toBe(409);
    const after = (await readTicket(bob, ticket.id))!;
    expect(after.ticket.status).toBe('open');
    expect(after.timeline.some((e) => e.kind === 'macro_applied')).toBe(false);
  });

  it('answers 404 for a macro that does not exist', async () => {
    const ticket = await openTicket(app, alice, { subject: 'Card declined', body: 'Why?' });

    const res = await bob.post(`/api/tickets/${ticket.id}/macros/999999/apply`).send({});

    expect(res.status).toBe(404);
  });
});
