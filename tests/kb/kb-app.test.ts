import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../api/app.ts';
import { openTicketChangeFeed, type TicketChangeFeed } from '../../api/ticket-change-feed.ts';
import { createMeili } from '../../search/client.ts';
import { signIn, type SignedIn } from '../support/session.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

let stack: TestStack;
let feed: TicketChangeFeed;
let app: Express;
let alice: SignedIn;
let bob: SignedIn;

beforeAll(async () => {
  stack = await startTestStack({ name: 'kb-app' });
  feed = await openTicketChangeFeed({ databaseUrl: stack.services.databaseUrl, log: stack.log });
  app = createApp({
    orm: stack.orm,
    temporal: stack.temporal.client,
    intake: stack.intake,
    blobs: stack.blobs,
    meili: createMeili({ url: stack.services.meiliUrl, masterKey: stack.services.meiliMasterKey }),
    feed,
    log: stack.log,
  });
  alice = await signIn(app, 'alice@casework.example');
  bob = await signIn(app, 'bob@casework.example');
}, 120_000);

afterAll(async () => {
  await feed?.close();
  await stack?.stop();
});

describe('the knowledge base in the Casework app', () => {
  it('lets anyone read the help center but only signed-in people the knowledge base', async () => {
    const help = await request(app).get('/api/help/articles?q=password');
    const kb = await request(app).get('/api/kb/articles');

    expect(help.status).toBe(200);
    expect(kb.status).toBe(401);
  });

  it('records the signed-in agent as the author, whoever the body names', async () => {
    const created = await bob.post('/api/kb/articles').send({
      agentId: alice.agent.id,
      title: 'Where to find the order number',
      body: 'It is in the confirmation email.',
      language: 'en',
      audience: 'public',
    });

    const versions = await bob.get(`/api/kb/articles/${created.body.id}/versions`);

    expect(created.status).toBe(201);
    expect(versions.body[0].editedBy).toEqual({ id: bob.agent.id, name: bob.agent.name });
  });

  it('shows the review list to leads and refuses it to other agents', async () => {
    const asLead = await alice.get('/api/kb/review');
    const asAgent = await bob.get('/api/kb/review');

    expect(asLead.status).toBe(200);
    expect(asAgent.status).toBe(403);
  });
});
