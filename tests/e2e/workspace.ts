// The whole product for end-to-end tests: the real stack (PostgreSQL, Temporal with a
// worker, Meilisearch), the Express app with the built SvelteKit workspace listening on an
// ephemeral 127.0.0.1 port, and a headless Debian Chromium driven by playwright-core.
// The `api` helper calls the app signed in as Alice, as the workspace would.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import type { RequestHandler } from 'express';
import { chromium, type Browser } from 'playwright-core';
import { createApp } from '../../api/app.ts';
import type { SessionView, TicketDetail, TicketSummary } from '../../api/contract.ts';
import { uiHandlerPath } from '../../api/server.ts';
import { openTicketChangeFeed } from '../../api/ticket-change-feed.ts';
import { demoPassword } from '../../db/seed-accounts.ts';
import { createMeili } from '../../search/client.ts';
import { sessionCookieOf } from '../support/session.ts';
import { eventually, startTestStack, type TestStack } from '../support/stack.ts';

/** Where screenshots go; gitignored, never committed. */
export const screenshotDir = path.resolve('test-results');

const chromiumPath = '/usr/bin/chromium';

// Headless and quiet: no sandbox (tests may run as root), and nothing that would make the
// browser contact another host behind the test's back.
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface Workspace {
  /** The app's base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  stack: TestStack;
  /** Calls the app's own /api over HTTP and answers the parsed JSON body and status. */
  api<T>(path: string, init?: { method?: string; body?: unknown }): Promise<ApiAnswer<T>>;
  stop(): Promise<void>;
}

export interface ApiAnswer<T> {
  status: number;
  body: T;
}

/** Starts the stack and the app with the built UI on a free loopback port. */
export async function startWorkspace(options: { name: string }): Promise<Workspace> {
  const stack = await startTestStack({ name: options.name });
  const feed = await openTicketChangeFeed({
    databaseUrl: stack.services.databaseUrl,
    log: stack.log,
  });
  const app = createApp({
    orm: stack.orm,
    temporal: stack.temporal.client,
    intake: stack.intake,
    blobs: stack.blobs,
    meili: createMeili({ url: stack.services.meiliUrl, masterKey: stack.services.meiliMasterKey }),
    feed,
    log: stack.log,
    ui: await loadBuiltUi(),
  });

  const server = await listenOnLoopback(app);
  const url = serverUrl(server);
  const session = await signInOverHttp(url, 'alice@casework.example');

  return {
    url,
    stack,
    api: (apiPath, init) => callApi(url, session, apiPath, init),
    async stop() {
      // Live pages hold server-sent event streams open; close them or `close` never returns.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await feed.close();
      await stack.stop();
    },
  };
}

async function loadBuiltUi(): Promise<RequestHandler> {
  if (!existsSync(uiHandlerPath)) {
    throw new Error(`${uiHandlerPath} is missing: run \`npm run build:ui\` before the e2e tests`);
  }
  const module = (await import(uiHandlerPath)) as { handler: RequestHandler };
  return module.handler;
}

function listenOnLoopback(app: ReturnType<typeof createApp>): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(0, '127.0.0.1', (error?: Error) =>
      error ? reject(error) : resolve(server),
    );
  });
}

function serverUrl(server: Server): string {
  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new Error('the test server has no TCP address; it must listen on 127.0.0.1');
  }
  return `http://127.0.0.1:${address.port}`;
}

interface HttpSession {
  cookie: string;
  csrfToken: string;
}

async function signInOverHttp(baseUrl: string, email: string): Promise<HttpSession> {
  const response = await fetch(`${baseUrl}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: demoPassword() }),
  });
  if (response.status !== 200) {
    throw new Error(`signing in as ${email} answered ${response.status}: ${await response.text()}`);
  }
  const view = (await response.json()) as SessionView;
  return { cookie: sessionCookieOf(response.headers.getSetCookie()), csrfToken: view.csrfToken };
}

async function callApi<T>(
  baseUrl: string,
  session: HttpSession,
  apiPath: string,
  init: { method?: string; body?: unknown } = {},
): Promise<ApiAnswer<T>> {
  const hasBody = init.body !== undefined;
  const response = await fetch(`${baseUrl}/api${apiPath}`, {
    method: init.method ?? (hasBody ? 'POST' : 'GET'),
    headers: {
      cookie: session.cookie,
      'x-csrf-token': session.csrfToken,
      ...(hasBody ? { 'content-type': 'application/json' } : {}),
    },
    body: hasBody ? JSON.stringify(init.body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as T };
}

/** Launches headless Debian Chromium; close it in `afterAll`. */
export function launchChromium(): Promise<Browser> {
  mkdirSync(screenshotDir, { recursive: true });
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
}

/** Creates a ticket through the API with a fresh requester and idempotency key. */
export async function createTicket(
  workspace: Workspace,
  ticket: { subject: string; body: string },
): Promise<number> {
  const response = await fetch(`${workspace.url}/api/tickets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify({
      requester: { email: `${randomUUID()}@customer.example`, name: 'Pat Doe' },
      ...ticket,
    }),
  });
  if (response.status !== 201) {
    throw new Error(`POST /api/tickets answered ${response.status}: ${await response.text()}`);
  }
  return ((await response.json()) as { ticketId: number }).ticketId;
}

/** Waits until the workflow has triaged and assigned the ticket, and answers its summary. */
export function openedTicket(workspace: Workspace, ticketId: number): Promise<TicketSummary> {
  return eventually(`ticket ${ticketId} triaged and assigned`, async () => {
    const { status, body } = await workspace.api<TicketDetail>(`/tickets/${ticketId}`);
    const isOpen = status === 200 && body.ticket.status === 'open' && body.ticket.assignee;
    return isOpen ? body.ticket : null;
  });
}
