import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import { startTestApp, type TestApp } from '../support/app.ts';
import { signIn, type SignedIn } from '../support/session.ts';
import { openTicket, readTicket } from './collab-support.ts';

let testApp: TestApp;
let app: Express;
let alice: SignedIn;
let bob: SignedIn;
let dave: SignedIn;

const supportFields = [
  {
    key: 'device',
    label: 'Device',
    type: 'select',
    options: ['laptop', 'phone', 'printer'],
    required: true,
  },
  { key: 'asset_tag', label: 'Asset tag', type: 'text' },
  { key: 'seats', label: 'Seats', type: 'number' },
  { key: 'bought_on', label: 'Bought on', type: 'date' },
];

beforeAll(async () => {
  testApp = await startTestApp({ name: 'collab-fields' });
  app = testApp.app;
  alice = await signIn(app, 'alice@casework.example');
  bob = await signIn(app, 'bob@casework.example');
  dave = await signIn(app, 'dave@casework.example');
}, 120_000);

afterAll(async () => {
  await testApp?.stop();
});

describe('custom fields per team', () => {
  it('lets the team lead define fields, refuses other teams’ leads and agents, and shows them to everyone', async () => {
    const ticket = await openTicket(app, alice, { subject: 'Keyboard', body: 'Keys stick.' });
    const teamId = ticket.team!.id;

    const byAgent = await bob
      .put(`/api/teams/${teamId}/custom-fields`)
      .send({ fields: supportFields });
    const byOtherLead = await dave
      .put(`/api/teams/${teamId}/custom-fields`)
      .send({ fields: supportFields });
    const byLead = await alice
      .put(`/api/teams/${teamId}/custom-fields`)
      .send({ fields: supportFields });

    expect(byAgent.status).toBe(403);
    expect(byOtherLead.status).toBe(403);
    expect(byLead.status).toBe(200);
    const read = await bob.get(`/api/teams/${teamId}/custom-fields`);
    expect(read.body.fields.map((f: { key: string }) => f.key)).toEqual([
      'device',
      'asset_tag',
      'seats',
      'bought_on',
    ]);
  });

  it('refuses a select field without options and a repeated key, naming where', async () => {
    const ticket = await openTicket(app, alice, { subject: 'Screen', body: 'Flickers.' });

    const res = await alice.put(`/api/teams/${ticket.team!.id}/custom-fields`).send({
      fields: [
        { key: 'kind', label: 'Kind', type: 'select' },
        { key: 'kind', label: 'Kind again', type: 'text' },
      ],
    });

    expect(res.status).toBe(422);
    const fields = (res.body.errors as { field: string }[]).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['body.fields.0.options', 'body.fields']));
  });

  it('sets values checked against the ticket’s team, shows them in the detail and records the change', async () => {
    const ticket = await openTicket(app, alice, { subject: 'Phone cracked', body: 'Dropped it.' });
    await alice.put(`/api/teams/${ticket.team!.id}/custom-fields`).send({ fields: supportFields });

    const res = await bob
      .put(`/api/tickets/${ticket.id}/fields`)
      .send({ fields: { device: 'phone', seats: '3', bought_on: '2025-02-28' } });

    expect(res.status).toBe(200);
    const detail = (await readTicket(bob, ticket.id))!;
    const values = Object.fromEntries(detail.collab!.customFields.map((f) => [f.key, f.value]));
    expect(values).toEqual({ device: 'phone', asset_tag: null, seats: 3, bought_on: '2025-02-28' });
    const entry = detail.timeline.find((e) => e.kind === 'fields_changed');
    expect(entry?.detail.changes).toEqual(
      expect.arrayContaining([{ key: 'device', label: 'Device', from: null, to: 'phone' }]),
    );
  });

  it('refuses unknown fields, wrong types, options not offered and clearing a required field, naming each field', async () => {
    const ticket = await openTicket(app, alice, { subject: 'Tablet', body: 'Will not charge.' });
    await alice.put(`/api/teams/${ticket.team!.id}/custom-fields`).send({ fields: supportFields });

    const res = await bob.put(`/api/tickets/${ticket.id}/fields`).send({
      fields: { device: 'toaster', seats: 'many', bought_on: '2025-02-30', colour: 'red' },
    });
    const cleared = await bob
      .put(`/api/tickets/${ticket.id}/fields`)
      .send({ fields: { device: null } });

    expect(res.status).toBe(422);
    const fields = (res.body.errors as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual([
      'body.fields.bought_on',
      'body.fields.colour',
      'body.fields.device',
      'body.fields.seats',
    ]);
    expect(res.body.detail).toContain('"Device" must be one of "laptop", "phone", "printer"');
    expect(cleared.status).toBe(422);
    expect(cleared.body.detail).toContain('"Device" is required');
    const detail = (await readTicket(bob, ticket.id))!;
    expect(detail.timeline.some((e) => e.kind === 'fields_changed')).toBe(false);
  });
});
