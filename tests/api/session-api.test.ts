// Sign-in, sessions, CSRF and roles over the real app: POST/GET/DELETE /api/session, the
// 401 for anonymous callers, the X-CSRF-Token check and the role guards in api/app.ts.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../api/app.ts';
import { createSignInThrottle } from '../../api/auth/sign-in-throttle.ts';
import { openTicketChangeFeed, type TicketChangeFeed } from '../../api/ticket-change-feed.ts';
import { demoPassword } from '../../db/seed-accounts.ts';
import { createMeili } from '../../search/client.ts';
import { signIn } from '../support/session.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

let stack: TestStack;
let feed: TicketChangeFeed;
let app: Express;

function appWith(throttle = createSignInThrottle()): Express {
  return createApp({
    orm: stack.orm,
    temporal: stack.temporal.client,
    intake: stack.intake,
    blobs: stack.blobs,
    meili: createMeili({ url: stack.services.meiliUrl, masterKey: stack.services.meiliMasterKey }),
    feed,
    log: stack.log,
    signInThrottle: throttle,
  });
}

beforeAll(async () => {
  stack = await startTestStack({ name: 'session' });
  feed = await openTicketChangeFeed({ databaseUrl: stack.services.databaseUrl, log: stack.log });
  app = appWith();
}, 120_000);

afterAll(async () => {
  await feed?.close();
  await stack?.stop();
});

describe('sign-in', () => {
  it('signs a seeded agent in with the demo password and sets an HttpOnly, SameSite=Lax cookie', async () => {
    const res = await request(app)
      .post('/api/session')
      .send({ email: 'Bob@Casework.example', password: demoPassword() });

    expect(res.status).toBe(200);
    expect(res.body.agent).toMatchObject({ name: 'Bob Lindqvist', roles: ['agent'] });
    expect(res.body.csrfToken).toMatch(/^[0-9a-f]{64}$/);
    const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? [])[0]!;
    expect(cookie).toMatch(/^casework_session=[0-9a-f]{64};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/);
  });

  it('marks the cookie Secure when the request came over https', async () => {
    const secureApp = appWith();
    secureApp.set('trust proxy', 'loopback');

    const res = await request(secureApp)
      .post('/api/session')
      .set('x-forwarded-proto', 'https')
      .send({ email: 'bob@casework.example', password: demoPassword() });

    expect(res.status).toBe(200);
    expect(String(res.headers['set-cookie'])).toMatch(/; Secure/);
  });

  it('refuses a wrong password and an unknown email alike with 401 and a plain sentence', async () => {
    const wrong = await request(app)
      .post('/api/session')
      .send({ email: 'carol@casework.example', password: 'not-the-password' });
    const unknown = await request(app)
      .post('/api/session')
      .send({ email: 'nobody@casework.example', password: demoPassword() });

    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    expect(wrong.body.detail).toBe(unknown.body.detail);
    expect(wrong.body.detail).toMatch(/^The email or password is not right; .*\.$/);
  });

  it('stops taking passwords for an email after five failures, even the right one', async () => {
    const throttled = appWith();
    const attempt = (password: string) =>
      request(throttled).post('/api/session').send({ email: 'dave@casework.example', password });

    const failures = [];
    for (let i = 0; i < 5; i += 1) failures.push((await attempt(`guess-${i}`)).status);
    const sixth = await attempt(demoPassword());

    expect(failures).toEqual([401, 401, 401, 401, 401]);
    expect(sixth.status).toBe(429);
    expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(0);
    expect(sixth.body.detail).toMatch(/Too many failed sign-ins; wait \d+ minutes/);
    const other = await request(throttled)
      .post('/api/session')
      .send({ email: 'erin@casework.example', password: demoPassword() });
    expect(other.status).toBe(200);
  });

  it('answers GET /api/session with the signed-in agent, and 401 after signing out', async () => {
    const alice = await signIn(app, 'alice@casework.example');

    const before = await alice.get('/api/session');
    const signOut = await alice.delete('/api/session');
    const after = await alice.get('/api/session');
    const tickets = await alice.get('/api/tickets');

    expect(before.status).toBe(200);
    expect(before.body.agent.roles).toEqual(['agent', 'lead', 'admin']);
    expect(before.body.csrfToken).toBe(alice.csrfToken);
    expect(signOut.status).toBe(204);
    expect(String(signOut.headers['set-cookie'])).toMatch(/casework_session=;/);
    expect(after.status).toBe(401);
    expect(tickets.status).toBe(401);
  });
});

describe('requests without a session', () => {
  it('are refused with 401 problem+json on every agent route, but health and intake stay open', async () => {
    const refused = await Promise.all(
      ['/api/tickets', '/api/tickets/1', '/api/agents', '/api/queues', '/api/stream'].map((path) =>
        request(app).get(path),
      ),
    );
    const note = await request(app).post('/api/tickets/1/notes').send({ body: 'hello' });
    const health = await request(app).get('/api/health');
    const intake = await request(app)
      .post('/api/tickets')
      .send({ requester: { email: 'pat@customer.example' }, subject: 'Hi', body: 'Hello' });

    for (const res of [...refused, note]) {
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.detail).toBe('You are not signed in; sign in and try again.');
    }
    expect(health.status).toBe(200);
    expect(intake.status).toBe(201);
  });

  it('are refused with 401 when the cookie names no session', async () => {
    const forged = `casework_session=${'ab'.repeat(32)}`;

    const res = await request(app).get('/api/tickets').set('cookie', forged);

    expect(res.status).toBe(401);
  });
});

describe('CSRF protection', () => {
  it('refuses a state-changing request without the session’s X-CSRF-Token header', async () => {
    const bob = await signIn(app, 'bob@casework.example');

    const missing = await request(app)
      .post(`/api/agents/${bob.agent.id}/status`)
      .set('cookie', bob.cookie)
      .send({ status: 'away' });
    const wrong = await request(app)
      .delete('/api/session')
      .set('cookie', bob.cookie)
      .set('x-csrf-token', 'f'.repeat(64));
    const stillSignedIn = await bob.get('/api/session');

    for (const res of [missing, wrong]) {
      expect(res.status).toBe(403);
      expect(res.body.detail).toMatch(/X-CSRF-Token/);
    }
    expect(stillSignedIn.status).toBe(200);
  });

  it('lets the same request through with the token', async () => {
    const bob = await signIn(app, 'bob@casework.example');

    const res = await bob.post(`/api/agents/${bob.agent.id}/status`).send({ status: 'online' });

    expect(res.status).toBe(200);
  });

  it('gives each session its own token, so one session’s token does not open another', async () => {
    const first = await signIn(app, 'carol@casework.example');
    const second = await signIn(app, 'carol@casework.example');

    const crossed = await request(app)
      .delete('/api/session')
      .set('cookie', second.cookie)
      .set('x-csrf-token', first.csrfToken);

    expect(first.csrfToken).not.toBe(second.csrfToken);
    expect(crossed.status).toBe(403);
  });
});

describe('roles', () => {
  it('lets an auditor or a lead open a ticket’s audit timeline, and refuses a plain agent with 403', async () => {
    const created = await request(app)
      .post('/api/tickets')
      .send({ requester: { email: 'sam@customer.example' }, subject: 'Audit me', body: 'Hi' });
    const path = `/api/tickets/${created.body.ticketId}/audit`;
    const [bob, erin] = await Promise.all([
      signIn(app, 'bob@casework.example'),
      signIn(app, 'erin@casework.example'),
    ]);

    const byAgent = await bob.get(path);
    const byAuditor = await erin.get(path);

    expect(byAgent.status).toBe(403);
    expect(byAgent.body.detail).toBe('This needs the auditor or lead or admin role.');
    expect(byAuditor.status).not.toBe(403);
    expect(byAuditor.status).not.toBe(401);
  });

  it('lets an agent change only their own status, and a lead anyone’s', async () => {
    const [bob, carol, alice] = await Promise.all([
      signIn(app, 'bob@casework.example'),
      signIn(app, 'carol@casework.example'),
      signIn(app, 'alice@casework.example'),
    ]);

    const bobForCarol = await bob
      .post(`/api/agents/${carol.agent.id}/status`)
      .send({ status: 'away' });
    const leadForCarol = await alice
      .post(`/api/agents/${carol.agent.id}/status`)
      .send({ status: 'online' });

    expect(bobForCarol.status).toBe(403);
    expect(leadForCarol.status).toBe(200);
  });
});
