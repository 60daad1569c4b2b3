// Signing in from API tests: `signIn(app, email)` posts the seeded agent's demo password to
// POST /api/session and answers supertest requests that carry the session cookie, and for
// state-changing methods the X-CSRF-Token header, as the workspace does.
import type { Express } from 'express';
import request from 'supertest';
import type { SessionView } from '../../api/contract.ts';
import { demoPassword } from '../../db/seed-accounts.ts';

export interface SignedIn {
  agent: SessionView['agent'];
  cookie: string;
  csrfToken: string;
  get(path: string): request.Test;
  post(path: string): request.Test;
  put(path: string): request.Test;
  delete(path: string): request.Test;
}

/** Signs in as a seeded agent; fails the test with the server's answer when refused. */
export async function signIn(app: Express, email: string): Promise<SignedIn> {
  const res = await request(app).post('/api/session').send({ email, password: demoPassword() });
  if (res.status !== 200) {
    throw new Error(`signing in as ${email} answered ${res.status}: ${JSON.stringify(res.body)}`);
  }

  const session = res.body as SessionView;
  const cookie = sessionCookieOf(res.headers['set-cookie']);
  return {
    agent: session.agent,
    cookie,
    csrfToken: session.csrfToken,
    get: (path) => request(app).get(path).set('cookie', cookie),
    post: (path) =>
      request(app).post(path).set('cookie', cookie).set('x-csrf-token', session.csrfToken),
    put: (path) =>
      request(app).put(path).set('cookie', cookie).set('x-csrf-token', session.csrfToken),
    delete: (path) =>
      request(app).delete(path).set('cookie', cookie).set('x-csrf-token', session.csrfToken),
  };
}

/** The `name=value` pair of the session cookie in a Set-Cookie header. */
export function sessionCookieOf(setCookie: string | string[] | undefined): string {
  const headers = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const header = headers.find((value) => value.startsWith('casework_session='));
  if (header === undefined) throw new Error('the answer set no casework_session cookie');
  return header.split(';')[0]!;
}
