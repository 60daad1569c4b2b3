// Presence across server processes: two apps, each with its own LISTEN connection like two
// server processes, over one database. A heartbeat sent to one is heard by the other's
// /api/stream and listed by its GET /api/presence; leaving and silence make it disappear.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { createApp } from '../../api/app.ts';
import type { PresenceView } from '../../api/contract.ts';
import { openTicketChangeFeed, type TicketChangeFeed } from '../../api/ticket-change-feed.ts';
import { createMeili } from '../../search/client.ts';
import { signIn, type SignedIn } from '../support/session.ts';
import { eventually, startTestStack, type TestStack } from '../support/stack.ts';

let stack: TestStack;
const feeds: TicketChangeFeed[] = [];
let first: Express;
let second: Express;
let ticketId: number;

async function serverProcess(): Promise<Express> {
  const feed = await openTicketChangeFeed({
    databaseUrl: stack.services.databaseUrl,
    log: stack.log,
  });
  feeds.push(feed);
  return createApp({
    orm: stack.orm,
    temporal: stack.temporal.client,
    intake: stack.intake,
    blobs: stack.blobs,
    meili: createMeili({ url: stack.services.meiliUrl, masterKey: stack.services.meiliMasterKey }),
    feed,
    log: stack.log,
  });
}

beforeAll(async () => {
  stack = await startTestStack({ name: 'presence' });
  [first, second] = await Promise.all([serverProcess(), serverProcess()]);
  const created = await request(first)
    .post('/api/tickets')
    .send({
      requester: { email: `${randomUUID()}@customer.example` },
      subject: 'Where is my parcel?',
      body: 'It was due on Monday.',
    });
  ticketId = created.body.ticketId;
  // The ticket row is the workflow's projection; presence is refused until it exists.
  const reader = await signIn(first, 'alice@casework.example');
  await eventually('ticket projected', async () => {
    return (await reader.get(`/api/tickets/${ticketId}`)).status === 200;
  });
}, 120_000);

afterAll(async () => {
  await Promise.all(feeds.map((feed) => feed.close()));
  await stack?.stop();
});

/** Collects the `presence` events one app's /api/stream sends to a signed-in browser. */
async function openStream(app: Express, agent: SignedIn) {
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const { port } = server.address() as { port: number };
  const abort = new AbortController();
  const response = await fetch(`http://127.0.0.1:${port}/api/stream`, {
    headers: { cookie: agent.cookie },
    signal: abort.signal,
  });
  const events: PresenceView[] = [];
  void readEvents(response, events).catch(() => undefined);
  return {
    status: response.status,
    events,
    close() {
      abort.abort();
      server.closeAllConnections();
      server.close();
    },
  };
}

async function readEvents(response: Response, into: PresenceView[]): Promise<void> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of response.body!) {
    buffered += decoder.decode(chunk as Uint8Array, { stream: true });
    const blocks = buffered.split('\n\n');
    buffered = blocks.pop()!;
    for (const block of blocks) {
      const data = block.match(/^event: presence\ndata: (.*)$/m);
      if (data) into.push(JSON.parse(data[1]!) as PresenceView);
    }
  }
}

function presenceOf(list: PresenceView[], agentId: number): PresenceView | undefined {
  return list.find((entry) => entry.ticketId === ticketId && entry.agent.id === agentId);
}

describe('ticket presence', () => {
  it('reaches a colleague on another server process through NOTIFY within a second', async () => {
    const bob = await signIn(first, 'bob@casework.example');
    const alice = await signIn(second, 'alice@casework.example');
    const stream = await openStream(second, alice);

    try {
      const sentAt = Date.now();
      const beat = await bob
        .post(`/api/tickets/${ticketId}/presence`)
        .send({ state: 'typing-reply' });
      const heard = await eventually(
        'presence event on the other process',
        async () => presenceOf(stream.events, bob.agent.id),
        1_000,
      );
      const heardAfterMs = Date.now() - sentAt;
      const listed = (await alice.get('/api/presence')).body as PresenceView[];

      expect(stream.status).toBe(200);
      expect(beat.status).toBe(204);
      console.log(`presence: heard on the other process ${heardAfterMs} ms after the heartbeat`);
      expect(heard).toMatchObject({ agent: { name: 'Bob Lindqvist' }, state: 'typing-reply' });
      expect(heard.expiresInMs).toBe(12_000);
      expect(presenceOf(listed, bob.agent.id)?.state).toBe('typing-reply');
    } finally {
      stream.close();
    }
  });

  it('says an agent is gone as soon as they leave the ticket', async () => {
    const carol = await signIn(first, 'carol@casework.example');
    const alice = await signIn(second, 'alice@casework.example');
    await carol.post(`/api/tickets/${ticketId}/presence`).send({ state: 'viewing' }).expect(204);
    const stream = await openStream(second, alice);

    try {
      await carol.delete(`/api/tickets/${ticketId}/presence`).expect(204);
      const gone = await eventually('gone event', async () =>
        stream.events.find((e) => e.agent.id === carol.agent.id && e.state === 'gone'),
      );
      const listed = (await alice.get('/api/presence')).body as PresenceView[];

      expect(gone.ticketId).toBe(ticketId);
      expect(presenceOf(listed, carol.agent.id)).toBeUndefined();
    } finally {
      stream.close();
    }
  });

  it('drops an agent whose heartbeats stopped more than twelve seconds ago, as when a tab is closed', async () => {
    const dave = await signIn(first, 'dave@casework.example');
    await dave.post(`/api/tickets/${ticketId}/presence`).send({ state: 'viewing' }).expect(204);
    const fresh = (await dave.get('/api/presence')).body as PresenceView[];

    await stack.orm.em.fork().execute(
      `update ticket_presence set seen_at = now() - interval '13 seconds'
          where ticket_id = ? and agent_id = ?`,
      [ticketId, dave.agent.id],
    );
    const later = (await dave.get('/api/presence')).body as PresenceView[];

    expect(presenceOf(fresh, dave.agent.id)?.expiresInMs).toBeGreaterThan(10_000);
    expect(presenceOf(later, dave.agent.id)).toBeUndefined();
  });

  it('is for signed-in agents only: listing, streaming and heartbeats need a session', async () => {
    const erin = await signIn(first, 'erin@casework.example');
    await erin.post(`/api/tickets/${ticketId}/presence`).send({ state: 'typing-note' });

    const anonymousList = await request(first).get('/api/presence');
    const anonymousStream = await request(first).get('/api/stream');
    const anonymousBeat = await request(first)
      .post(`/api/tickets/${ticketId}/presence`)
      .send({ state: 'viewing' });
    const erinsView = (await erin.get('/api/presence')).body as PresenceView[];

    expect(anonymousList.status).toBe(401);
    expect(anonymousStream.status).toBe(401);
    expect(anonymousBeat.status).toBe(401);
    expect(presenceOf(erinsView, erin.agent.id)?.state).toBe('typing-note');
  });

  it('refuses an unknown ticket with 404 and an unknown state with 422', async () => {
    const bob = await signIn(first, 'bob@casework.example');

    const unknownTicket = await bob
      .post('/api/tickets/987654321/presence')
      .send({ state: 'viewing' });
    const unknownState = await bob
      .post(`/api/tickets/${ticketId}/presence`)
      .send({ state: 'sleeping' });

    expect(unknownTicket.status).toBe(404);
    expect(unknownState.status).toBe(422);
    expect(unknownState.body.errors[0].field).toBe('body.state');
  });
});
