// The phone and identity rooms of the workspace in a real Chromium against the real stack:
// an agent logs a call on a ticket (a refused number is explained beside the field, then the
// call reads as a call in the timeline), logs a call as a new ticket from the queue page's
// "Log a call", and tells the sidebar that two requesters are the same person, after which
// the sidebar shows both people's identities on the survivor. Screenshots land in
// test-results/channels-*.png for a human to look at.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import type { TicketDetail } from '../../api/contract.ts';
import { demoPassword } from '../../db/seed-accounts.ts';
import {
  createTicket,
  launchChromium,
  openedTicket,
  screenshotDir,
  startWorkspace,
  type Workspace,
} from './workspace.ts';

interface CallRow {
  direction: string;
  number: string;
  durationSeconds: number;
  notes: string;
}

let workspace: Workspace;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  [workspace, browser] = await Promise.all([
    startWorkspace({ name: 'channels-ui' }),
    launchChromium(),
  ]);
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(10_000);
  await page.goto(`${workspace.url}/`);
  await page.getByLabel('Email').fill('alice@casework.example');
  await page.getByLabel('Password').fill(demoPassword());
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Signed in as Alice Moreau').waitFor();
}, 120_000);

afterAll(async () => {
  await page?.close();
  await browser?.close();
  await workspace?.stop();
});

function screenshot(name: string): Promise<Buffer> {
  return page.screenshot({
    path: path.join(screenshotDir, `channels-${name}.png`),
    fullPage: true,
  });
}

function callEntries(): Locator {
  return page.getByRole('list', { name: 'Timeline' }).getByTestId('call-entry');
}

async function ticketWithRequester(email: string, subject: string): Promise<number> {
  const response = await fetch(`${workspace.url}/api/tickets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify({ requester: { email, name: 'Robin Vale' }, subject, body: subject }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { ticketId: number }).ticketId;
}

describe('phone calls from the workspace', () => {
  it('logs a call on a ticket, explains a refused number beside it, and shows the call as a call', async () => {
    const ticketId = await createTicket(workspace, {
      subject: `Invoice address wrong ${randomUUID().slice(0, 6)}`,
      body: 'Please change the invoice address.',
    });
    await openedTicket(workspace, ticketId);
    await page.goto(`${workspace.url}/tickets/${ticketId}`);

    await page.getByRole('button', { name: 'Log call' }).click();
    await page.getByLabel('Number', { exact: true }).fill('12');
    await page.getByLabel('Duration (mm:ss or minutes)').fill('4:12');
    await page.getByLabel('Notes').fill('Customer read out the new address.');
    await page.getByRole('button', { name: 'Save call' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'not a phone number' });
    await refusal.waitFor();
    await screenshot('call-refused');
    expect(await page.getByLabel('Notes').inputValue()).toBe('Customer read out the new address.');

    await page.getByLabel('Number', { exact: true }).fill('+49 30 1234567');
    await page.getByRole('button', { name: 'Save call' }).click();
    await callEntries().filter({ hasText: 'Call in · 4:12 · +49301234567' }).waitFor();
    await screenshot('call-on-ticket');

    const calls = await workspace.api<CallRow[]>(`/tickets/${ticketId}/calls`);
    expect(calls.body).toEqual([
      expect.objectContaining({
        direction: 'in',
        number: '+49301234567',
        durationSeconds: 252,
        notes: 'Customer read out the new address.',
      }),
    ]);
  }, 60_000);

  it('logs a call as a new ticket from the queue page and lands on that ticket', async () => {
    const email = `caller-${randomUUID().slice(0, 8)}@customer.example`;
    await page.goto(`${workspace.url}/`);
    await page.getByRole('link', { name: 'Log a call' }).click();
    await page.getByLabel('Out', { exact: true }).check();
    await page.getByLabel('Requester name').fill('Kim Caller');
    await page.getByLabel('Requester email').fill(email);
    await page.getByLabel('Phone number').fill('030 555 0199');
    await page.getByLabel('Duration (mm:ss or minutes)').fill('2.5');
    await page.getByLabel('Notes').fill('Called back about the broken login link.');
    await page.getByRole('button', { name: 'Create ticket from call' }).click();

    await page.waitForURL(/\/tickets\/\d+$/);
    await callEntries().filter({ hasText: 'Call out · 2:30 · 0305550199' }).waitFor();
    await screenshot('call-as-ticket');

    const ticketId = Number(new URL(page.url()).pathname.split('/').pop());
    const detail = await workspace.api<TicketDetail>(`/tickets/${ticketId}`);
    expect(detail.body.ticket.channel).toBe('phone');
    expect(detail.body.ticket.requester).toEqual(
      expect.objectContaining({ name: 'Kim Caller', email }),
    );
  }, 60_000);
});

describe('merging requesters by hand', () => {
  it('merges the ticket’s requester into another found by email, after a confirmation', async () => {
    const tag = randomUUID().slice(0, 8);
    const work = `robin.${tag}@work.example`;
    const home = `robin.${tag}@home.example`;
    const onWork = await ticketWithRequester(work, `VPN drops ${tag}`);
    const onHome = await ticketWithRequester(home, `Printer offline ${tag}`);
    const homeTicket = await openedTicket(workspace, onHome);
    await openedTicket(workspace, onWork);
    await page.goto(`${workspace.url}/tickets/${onWork}`);

    const box = page.getByRole('region', { name: 'Requester identities' });
    await box.getByText(work).waitFor();
    await box.getByRole('button', { name: 'Same person as…' }).click();
    await box.getByLabel('Find the other requester (email, name or phone)').fill(home.slice(0, 12));
    await box.getByRole('button', { name: 'Search' }).click();
    await box.getByRole('button', { name: new RegExp(`#${homeTicket.requester.id}$`) }).click();

    const confirmation = box.getByRole('alertdialog', { name: 'Confirm merge' });
    expect(await confirmation.textContent()).toContain(`move to #${homeTicket.requester.id}`);
    await screenshot('merge-confirmation');
    await confirmation.getByRole('button', { name: 'Merge requesters' }).click();

    const identities = box.getByRole('list', { name: 'Identities' });
    await identities.getByText(home).waitFor();
    await identities.getByText(work).waitFor();
    await screenshot('merged-requester');

    const detail = await workspace.api<TicketDetail>(`/tickets/${onWork}`);
    expect(detail.body.ticket.requester.id).toBe(homeTicket.requester.id);
  }, 60_000);
});
