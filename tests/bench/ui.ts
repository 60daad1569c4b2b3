// `npm run bench -- ui`: how fast the agent's queue page is with a full backlog, on services
// of its own (bench-services.ts). It seeds 10,000 open tickets straight into the read model
// (one SQL insert; the workflows are not what is measured here), serves the API and the
// built workspace in this process, and drives headless Debian Chromium:
// 1. the time from navigation start until the first 50 rows are in the page, over several
//    loads of the "All" view (every open ticket, SLA due first) and of the agent's own view;
//    median and p95 (target < 300 ms);
// 2. the JavaScript the queue page loads, each response gzipped and summed (target < 150 KB).
// Also the two API calls behind the page, timed alone. BENCH_UI_TICKETS and BENCH_UI_LOADS
// change the sizes. Needs `npm run build:ui` first.
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { RequestHandler } from 'express';
import pg from 'pg';
import pino, { type Logger } from 'pino';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { createApp } from '../../api/app.ts';
import { uiHandlerPath } from '../../api/server.ts';
import { openTicketChangeFeed } from '../../api/ticket-change-feed.ts';
import { createIntake } from '../../channels/intake.ts';
import { createFolderBlobStore } from '../../db/blob-store.ts';
import { openOrm } from '../../db/orm.ts';
import { demoPassword, seedAgentAccounts } from '../../db/seed-accounts.ts';
import { createMeili } from '../../search/client.ts';
import { connectTemporalClient } from '../../temporal/client.ts';
import { figure, formatTable, ms, percentile } from './bench-report.ts';
import { startBenchServices, type BenchServices } from './bench-services.ts';

const sizes = {
  tickets: Number(process.env.BENCH_UI_TICKETS ?? 10_000),
  loads: Number(process.env.BENCH_UI_LOADS ?? 15),
};

const targets = { firstRowsMs: 300, gzippedJsKb: 150 };
const rowsWanted = 50;

const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Seeds the backlog, serves the workspace, measures it in Chromium and prints the figures. */
export async function runUiBench(): Promise<void> {
  if (!existsSync(uiHandlerPath)) {
    throw new Error(`${uiHandlerPath} is missing: run \`npm run build:ui\` before this bench`);
  }
  const log = pino({ level: process.env.BENCH_DRIVER_LOG_LEVEL ?? 'warn' });
  console.log('starting PostgreSQL, Temporal and Meilisearch for the bench ...');
  const bench = await startBenchServices({ log });

  try {
    await seedAgentAccounts({ databaseUrl: bench.services.databaseUrl, log });
    const seededMs = await timed(() => seedOpenTickets(bench.services.databaseUrl, sizes.tickets));
    console.log(`seeded ${sizes.tickets} open tickets into the read model in ${ms(seededMs)}`);

    const server = await serveWorkspace(bench, log);
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: chromiumArgs,
    });
    try {
      await measure(server.url, browser);
    } finally {
      await browser.close();
      await server.stop();
    }
  } finally {
    await bench.services.stop();
  }
}

async function measure(url: string, browser: Browser): Promise<void> {
  const context = await signedInContext(browser, url);
  const jsBytes = await queuePageScripts(browser, context, url);
  const views = [
    { name: 'All (every open ticket)', path: '/?view=all' },
    { name: 'My tickets', path: '/' },
  ];

  const rows: string[][] = [];
  for (const view of views) {
    const loads = await timeFirstRows(context, `${url}${view.path}`);
    rows.push([
      view.name,
      ms(percentile(loads, 0.5)),
      ms(percentile(loads, 0.95)),
      ms(Math.min(...loads)),
      verdictBelow(percentile(loads, 0.95), targets.firstRowsMs),
    ]);
  }
  const api = await timeApi(context, url);

  console.log(`\nqueue page, first ${rowsWanted} rows rendered (${sizes.loads} loads each):`);
  console.log(formatTable(['view', 'median', 'p95', 'best', 'p95 < 300 ms'], rows));
  console.log('\nthe API calls behind it, alone (p50 / p95):');
  console.log(formatTable(['call', 'p50', 'p95'], api));
  console.log('\nJavaScript the queue page loads:');
  console.log(
    formatTable(
      ['files', 'raw', 'gzipped', '< 150 KB gz'],
      [
        [
          String(jsBytes.files),
          `${figure(jsBytes.raw / 1024)} KB`,
          `${figure(jsBytes.gzipped / 1024)} KB`,
          verdictBelow(jsBytes.gzipped / 1024, targets.gzippedJsKb),
        ],
      ],
    ),
  );
}

// A MutationObserver notes the instant the table first holds enough rows, on the page's own
// clock, which starts at navigation: nothing of the bench's polling is counted.
const recordFirstRows = `
  new MutationObserver((_, observer) => {
    if (document.querySelectorAll('tbody tr').length >= ${rowsWanted}) {
      window.__firstRowsAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });`;

async function timeFirstRows(context: BrowserContext, pageUrl: string): Promise<number[]> {
  const page = await context.newPage();
  await page.addInitScript(recordFirstRows);
  const times: number[] = [];

  // Two warm-up loads: the first compiles the app's code in a fresh browser.
  for (let load = 0; load < sizes.loads + 2; load += 1) {
    await page.goto(pageUrl);
    const at = await page.waitForFunction(
      () => (window as unknown as { __firstRowsAt?: number }).__firstRowsAt,
      undefined,
      { timeout: 30_000 },
    );
    if (load >= 2) times.push(Number(await at.jsonValue()));
  }
  await page.close();
  return times;
}

async function timeApi(context: BrowserContext, url: string): Promise<string[][]> {
  const calls = [
    '/api/inbox/tickets?view=all&sort=sla_due&pageSize=50',
    '/api/inbox/tickets?view=mine&sort=sla_due&pageSize=50',
    '/api/inbox/tickets?view=breaching&sort=sla_due&pageSize=50',
    '/api/inbox/counts',
  ];
  const rows: string[][] = [];
  for (const call of calls) {
    const times: number[] = [];
    for (let i = 0; i < 30; i += 1) {
      const started = performance.now();
      const response = await context.request.get(`${url}${call}`);
      if (!response.ok()) throw new Error(`${call} answered ${response.status()}`);
      await response.body();
      times.push(performance.now() - started);
    }
    rows.push([call, ms(percentile(times, 0.5)), ms(percentile(times, 0.95))]);
  }
  return rows;
}

// A fresh context has an empty cache, so every script the page needs is fetched and seen.
async function queuePageScripts(browser: Browser, signedIn: BrowserContext, url: string) {
  const context = await browser.newContext({ storageState: await signedIn.storageState() });
  const page = await context.newPage();
  const bodies: Promise<Buffer>[] = [];
  page.on('response', (response) => {
    const isScript = response.request().resourceType() === 'script';
    if (isScript || response.url().endsWith('.js')) bodies.push(response.body());
  });

  await page.goto(`${url}/?view=all`);
  await page
    .locator('tbody tr')
    .nth(rowsWanted - 1)
    .waitFor();
  await page.waitForLoadState('networkidle');
  const files = await Promise.all(bodies);
  await context.close();

  return {
    files: files.length,
    raw: files.reduce((sum, body) => sum + body.length, 0),
    gzipped: files.reduce((sum, body) => sum + gzipSync(body).length, 0),
  };
}

async function signedInContext(browser: Browser, url: string): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${url}/sign-in`);
  await page.getByLabel('Email').fill('alice@casework.example');
  await page.getByLabel('Password').fill(demoPassword());
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Signed in as Alice Moreau').waitFor();
  await page.close();
  return context;
}

/**
 * Writes `count` open tickets as the projections would leave them: spread over the seeded
 * queues and agents, a fifth unassigned, first-response targets from 2 h overdue to two days
 * ahead, every channel and priority, a few tags. One statement, so 10,000 rows take a moment.
 */
async function seedOpenTickets(databaseUrl: string, count: number): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `insert into requester (name, email)
       select 'Bench requester ' || n, 'bench-' || n || '@customer.example'
         from generate_series(1, $1::int) n`,
      [Math.ceil(count / 5)],
    );
    await client.query(
      `with queues as (select array_agg(id order by id) ids, array_agg(team_id order by id) teams
                         from queue),
            agents as (select array_agg(id order by id) ids from agent),
            requesters as (select min(id) first_id, count(*) total from requester
                            where email like 'bench-%')
       insert into ticket (id, subject, status, priority, channel, queue_id, team_id,
              assignee_id, requester_id, tags, first_response_due_at, breached,
              escalation_level, reassignment_count, created_at, updated_at, last_activity_at,
              version)
       select nextval('ticket_number_seq'),
              'Bench ticket ' || n || ': invoice, login or export trouble',
              (array['new', 'open', 'open', 'open'])[1 + n % 4],
              (array['low', 'normal', 'normal', 'high', 'urgent'])[1 + n % 5],
              (array['email', 'web', 'api', 'chat', 'social', 'phone'])[1 + n % 6],
              q.ids[1 + n % array_length(q.ids, 1)],
              q.teams[1 + n % array_length(q.ids, 1)],
              case when n % 5 = 0 then null else a.ids[1 + (n / 5) % array_length(a.ids, 1)] end,
              r.first_id + n % r.total,
              (array['[]', '["billing"]', '["vip"]', '["login", "bug"]'])[1 + n % 4]::jsonb,
              now() + make_interval(mins => (n * 37) % 3000 - 120),
              false, 0, 0,
              now() - make_interval(mins => n % 5000),
              now() - make_interval(mins => n % 600),
              now() - make_interval(mins => n % 600),
              1
         from generate_series(1, $1::int) n, queues q, agents a, requesters r`,
      [count],
    );
    await client.query('analyze ticket');
  } finally {
    await client.end();
  }
}

interface ServedWorkspace {
  url: string;
  stop(): Promise<void>;
}

// The API and the built workspace in this process, as the server process mounts them, on an
// ephemeral loopback port.
async function serveWorkspace(bench: BenchServices, log: Logger): Promise<ServedWorkspace> {
  const { services, config } = bench;
  const orm = await openOrm({ databaseUrl: services.databaseUrl });
  const temporal = await connectTemporalClient({
    address: services.temporalAddress,
    namespace: services.temporalNamespace,
  });
  const feed = await openTicketChangeFeed({ databaseUrl: services.databaseUrl, log });
  const blobs = createFolderBlobStore({ root: `${config.dataDir}/blobs` });
  const intake = createIntake({
    orm,
    temporal: temporal.client,
    taskQueue: config.temporal.taskQueue,
    blobs,
    log,
  });
  const ui = ((await import(uiHandlerPath)) as { handler: RequestHandler }).handler;
  const app = createApp({
    orm,
    temporal: temporal.client,
    intake,
    blobs,
    meili: createMeili({ url: services.meiliUrl, masterKey: services.meiliMasterKey }),
    feed,
    log,
    ui,
  });

  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(0, '127.0.0.1', (error?: Error) =>
      error ? reject(error) : resolve(listening),
    );
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;

  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await feed.close();
      await temporal.close();
      await orm.close();
    },
  };
}

async function timed(run: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

function verdictBelow(value: number, below: number): string {
  return Number.isFinite(value) && value < below ? 'PASS' : 'MISS';
}
