// The lead's dashboard in a real Chromium against the real stack: tickets made by this test
// show up in the numbers; a lead applies a queue filter (it lands in the address), drills down
// from a number to the tickets behind it and on to a ticket, and downloads the CSV of those
// tickets; an agent-only account is told the page is not for their role. Screenshots at
// 1280×800 land in test-results/ for a human to look at.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { QueueView, TicketDetail } from '../../api/contract.ts';
import { demoPassword } from '../../db/seed-accounts.ts';
import { eventually } from '../support/stack.ts';
import {
  createTicket,
  launchChromium,
  openedTicket,
  screenshotDir,
  startWorkspace,
  type Workspace,
} from './workspace.ts';

let workspace: Workspace;
let browser: Browser;
const contexts: BrowserContext[] = [];
const tickets: Record<'billing' | 'support', number> = { billing: 0, support: 0 };
let billingQueue: QueueView;

beforeAll(async () => {
  [workspace, browser] = await Promise.all([
    startWorkspace({ name: 'e2e-reports' }),
    launchChromium(),
  ]);
  const marker = randomUUID().slice(0, 8);
  tickets.billing = await createTicket(workspace, {
    subject: `Refund for a double charge ${marker}`,
    body: 'We were charged twice for the December invoice; please refund one payment.',
  });
  tickets.support = await createTicket(workspace, {
    subject: `Export to spreadsheet times out ${marker}`,
    body: 'The export spins for minutes and then stops.',
  });
  const [billing] = await Promise.all([
    openedTicket(workspace, tickets.billing),
    openedTicket(workspace, tickets.support),
  ]);
  billingQueue = (await workspace.api<QueueView[]>('/queues')).body.find(
    (q) => q.id === billing.queue?.id,
  )!;
  await workspace.api(`/tickets/${tickets.support}/replies`, {
    body: { body: 'Thanks, we are looking into the export now.' },
  });
}, 120_000);

afterAll(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await browser?.close();
  await workspace?.stop();
});

async function signedInPage(email: string, name: string, pagePath: string): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
  });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${workspace.url}${pagePath}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(demoPassword());
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(`Signed in as ${name}`, { exact: true }).waitFor();
  return page;
}

/** A team of its own: a busy agent with three tickets and a free one, both with the support skill. */
async function teamOfTwo() {
  const db = workspace.stack.orm.em.getConnection();
  const suffix = randomUUID().slice(0, 6);
  const [team] = await db.execute<{ id: number }[]>(
    `insert into team (name, calendar_id)
     select ?, calendar_id from team where name = 'Support' returning id`,
    [`Rebalance ${suffix}`],
  );
  // Away while the tickets are handed to the busy agent, so routing never picks either of them.
  const agent = async (name: string) => {
    const [row] = await db.execute<{ id: number }[]>(
      `insert into agent (name, email, team_id, skills, status)
       values (?, ?, ?, '["support"]', 'away') returning id`,
      [name, `${name.split(' ')[0]!.toLowerCase()}-${suffix}@rebalance.example`, team!.id],
    );
    return { id: row!.id, name };
  };
  const busy = await agent(`Xena Busy ${suffix}`);
  const free = await agent(`Yann Free ${suffix}`);
  for (const subject of ['Sync stopped', 'Export is empty', 'Login loop']) {
    const id = await createTicket(workspace, { subject, body: `${subject} since this morning.` });
    await openedTicket(workspace, id);
    await workspace.api(`/tickets/${id}/assignment`, { body: { agentId: busy.id } });
    await eventually(`ticket ${id} with ${busy.name}`, async () => {
      const { body } = await workspace.api<TicketDetail>(`/tickets/${id}`);
      return body.ticket.assignee?.id === busy.id;
    });
  }
  await db.execute(`update agent set status = 'online' where id = ?`, [free.id]);
  return { id: team!.id, busy, free };
}

function metricLink(page: Page, metricId: string) {
  return page.locator(`[data-metric="${metricId}"] .value a`);
}

function screenshot(page: Page, name: string): Promise<Buffer> {
  return page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
}

describe('reports dashboard', () => {
  it('shows a lead the numbers, filters by queue, drills down to tickets and exports CSV', async () => {
    const page = await signedInPage('dave@casework.example', 'Dave Okafor', '/reports');

    await page.getByRole('heading', { name: 'Reports', level: 1 }).waitFor();
    await metricLink(page, 'tickets_created').waitFor();
    const allCreated = Number(
      (await metricLink(page, 'tickets_created').innerText()).replace(/\D/g, ''),
    );
    expect(allCreated).toBeGreaterThanOrEqual(2);
    await page.getByRole('link', { name: 'Reports', exact: true }).waitFor();
    await page.locator('canvas').first().waitFor();
    await screenshot(page, 'reports-dashboard');

    await page.getByLabel('Queue', { exact: true }).selectOption({ label: billingQueue.name });
    await page.getByLabel('Period', { exact: true }).selectOption('last-7-days');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/queueId=\d+/);
    expect(new URL(page.url()).searchParams.get('queueId')).toBe(String(billingQueue.id));
    expect(new URL(page.url()).searchParams.get('period')).toBe('last-7-days');

    await metricLink(page, 'tickets_created').click();
    await page.waitForURL(/\/reports\/tickets\?/);
    const rows = page.locator('#drill-down tbody tr');
    await rows.first().waitFor();
    await expect(
      page.locator(`#drill-down a[href="/tickets/${tickets.billing}"]`).count(),
    ).resolves.toBe(1);
    await expect(
      page.locator(`#drill-down a[href="/tickets/${tickets.support}"]`).count(),
    ).resolves.toBe(0);
    await screenshot(page, 'reports-drill-down');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    const csv = await readFile((await download.path())!, 'utf8');
    const lines = csv.trim().split(/\r?\n/);
    expect(lines[0]).toMatch(/^id,/);
    expect(lines.length - 1).toBe(await rows.count());
    expect(lines.some((line) => line.startsWith(`${tickets.billing},`))).toBe(true);
    expect(lines.some((line) => line.startsWith(`${tickets.support},`))).toBe(false);

    await page.locator(`#drill-down a[href="/tickets/${tickets.billing}"]`).click();
    await page.waitForURL(new RegExp(`/tickets/${tickets.billing}$`));
  }, 120_000);

  it('previews a rebalance in a team and moves the tickets with one click', async () => {
    const team = await teamOfTwo();
    const page = await signedInPage(
      'dave@casework.example',
      'Dave Okafor',
      `/reports?teamId=${team.id}`,
    );

    await page.locator('#agent-load').waitFor();
    await page.getByLabel('Tickets to move').fill('2');
    await page.getByRole('button', { name: 'Preview rebalance' }).click();
    const preview = page.getByRole('region', { name: 'Rebalance preview' });
    await preview.getByText(`from ${team.busy.name}`).waitFor();
    await expect(preview.locator('li').count()).resolves.toBe(2);
    await screenshot(page, 'reports-rebalance-preview');

    await preview.getByRole('button', { name: 'Move these tickets' }).click();
    await page.getByText(`Moved 2 ticket(s) to ${team.free.name}.`).waitFor();
    // Other test files share this database; once moved, the free agent stops taking tickets.
    await workspace.stack.orm.em
      .getConnection()
      .execute(`update agent set status = 'away' where id = ?`, [team.free.id]);
    // Each ticket's workflow records the handoff, then its projection updates the counts.
    const freeRow = page.locator('#agent-load tbody tr').filter({ hasText: team.free.name });
    await eventually(`${team.free.name} shown with the moved tickets`, async () => {
      await page.reload();
      return /^[2-9]\d* \//.test(await freeRow.locator('td').nth(2).innerText());
    });
  }, 120_000);

  it('tells an agent the dashboard is not for their role', async () => {
    const page = await signedInPage('bob@casework.example', 'Bob Lindqvist', '/reports');

    await page.getByRole('heading', { name: 'Reports are not for your role' }).waitFor();
    await expect(page.getByRole('link', { name: 'Reports', exact: true }).count()).resolves.toBe(0);
  }, 60_000);
});
