// The agent workspace in a real Chromium against the real stack: tickets made through the
// API appear live on the queue page, agents sign in, reply, write notes, see who else is on
// a ticket and are protected from answering over a colleague. Screenshots land in
// test-results/ for a human to look at.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { demoPassword } from '../../db/seed-accounts.ts';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
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

beforeAll(async () => {
  [workspace, browser] = await Promise.all([startWorkspace({ name: 'e2e' }), launchChromium()]);
}, 120_000);

afterAll(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await browser?.close();
  await workspace?.stop();
});

/** A fresh browser profile, so each agent has their own session cookie. */
async function openPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return page;
}

/** Opens a page as the seeded agent, through the sign-in page the workspace sends them to. */
async function signedInPage(agentName: string, path: string): Promise<Page> {
  const page = await openPage();
  await page.goto(`${workspace.url}${path}`);
  await page.getByLabel('Email').fill(`${agentName.split(' ')[0]!.toLowerCase()}@casework.example`);
  await page.getByLabel('Password').fill(demoPassword());
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expectVisible(page.getByText(`Signed in as ${agentName}`));
  return page;
}

function openTicketAs(agentName: string, ticketId: number): Promise<Page> {
  return signedInPage(agentName, `/tickets/${ticketId}`);
}

function uniqueSubject(words: string): string {
  return `${words} ${randomUUID().slice(0, 8)}`;
}

function presenceLine(page: Page): Locator {
  return page.getByLabel('Colleagues on this ticket');
}

function composer(page: Page): Locator {
  return page.locator('#composer-body');
}

function timelineMessages(page: Page, kind: string): Locator {
  return page.getByRole('list', { name: 'Timeline' }).locator(`li.message.${kind}`);
}

function screenshot(page: Page, name: string): Promise<Buffer> {
  return page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
}

describe('queue page', () => {
  it('a ticket created through the API shows up triaged and assigned on the queue page within a second', async () => {
    const page = await signedInPage('Dave Okafor', '/?sort=created');
    await expectVisible(page.getByText('Live updates on'));
    const subject = uniqueSubject('Refund for a double charge');

    const ticketId = await createTicket(workspace, {
      subject,
      body: 'I was charged twice for invoice 2024-118.',
    });
    const acceptedAt = Date.now();
    const row = page.locator('tbody tr', { hasText: subject });
    const owner = row.locator('td[data-label="Owner"]');
    await owner.filter({ hasNotText: 'Unassigned' }).waitFor();
    const visibleAfterMs = Date.now() - acceptedAt;

    console.log(
      `e2e: API accepted ticket ${ticketId}; its row showed an owner ${visibleAfterMs} ms later`,
    );
    const ticket = await openedTicket(workspace, ticketId);
    expect(await owner.textContent()).toBe(ticket.assignee?.name);
    expect(await row.locator('td[data-label="Queue"]').textContent()).toBe('Billing');
    expect(await row.locator('td[data-label="Status"]').textContent()).toBe('Open');
    await screenshot(page, 'queue-page');
  });
});

describe('ticket page', () => {
  it('an agent replies from the ticket page and the reply appears in the conversation', async () => {
    const ticketId = await createTicket(workspace, {
      subject: uniqueSubject('Export button does nothing'),
      body: 'Clicking export on the monthly report has no effect.',
    });
    await openedTicket(workspace, ticketId);
    const page = await openTicketAs('Alice Moreau', ticketId);
    const firstResponse = page.locator('.ticket-header dt:text-is("First response") + dd');
    await expectVisible(firstResponse.getByText('left'));

    await composer(page).fill('Thanks for writing in; we are looking at the export now.');
    await page.getByRole('button', { name: 'Send public reply' }).click();

    const reply = timelineMessages(page, 'public_reply');
    await expectVisible(reply.getByText('we are looking at the export now'));
    expect(await reply.locator('.meta').textContent()).toContain('Alice Moreau');
    await expectVisible(firstResponse.getByText('Responded'));
    expect(await composer(page).inputValue()).toBe('');
    await screenshot(page, 'ticket-page-after-reply');
  });

  it('an internal note is marked so it cannot be mistaken for a reply', async () => {
    const ticketId = await createTicket(workspace, {
      subject: uniqueSubject('VPN drops every hour'),
      body: 'Since Monday the VPN disconnects on the hour.',
    });
    await openedTicket(workspace, ticketId);
    const page = await openTicketAs('Carol Nguyen', ticketId);

    await page.getByLabel('Internal note').check();
    await composer(page).fill('Same as last week: check the gateway first.');
    await page.getByRole('button', { name: 'Add internal note' }).click();

    const note = timelineMessages(page, 'internal_note');
    await expectVisible(note.getByText('check the gateway first'));
    expect(await note.locator('.kind').textContent()).toBe('Internal note');
    expect(await timelineMessages(page, 'public_reply').count()).toBe(0);
    const customerMessage = timelineMessages(page, 'inbound');
    expect(await backgroundOf(note)).not.toBe(await backgroundOf(customerMessage));
    await screenshot(page, 'ticket-page-with-note');
  });

  it('sends an agent who is not signed in to the sign-in page, which refuses a wrong password', async () => {
    const page = await openPage();

    await page.goto(`${workspace.url}/tickets/1`);
    await page.getByLabel('Email').fill('bob@casework.example');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();

    const refusal = page.getByRole('alert');
    await expectVisible(refusal);
    expect(await refusal.textContent()).toMatch(/email or password is not right/);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await screenshot(page, 'sign-in-refused');
  });

  it('two agents on one ticket see each other’s presence, and the stale reply is refused with the draft kept', async () => {
    const subject = uniqueSubject('Cannot log in after password change');
    const ticketId = await createTicket(workspace, {
      subject,
      body: 'The new password is refused on the login page.',
    });
    await openedTicket(workspace, ticketId);
    const alice = await openTicketAs('Alice Moreau', ticketId);
    const bob = await openTicketAs('Bob Lindqvist', ticketId);
    const carol = await signedInPage('Carol Nguyen', '/?sort=created');
    await expectVisible(presenceLine(bob).getByText('Alice Moreau is viewing'));
    await expectVisible(presenceLine(alice).getByText('Bob Lindqvist is viewing'));
    const bobsDraft = 'Please try clearing your browser cookies.';
    await composer(bob).fill(bobsDraft);
    await expectVisible(presenceLine(alice).getByText('Bob Lindqvist is typing a reply'));
    const row = carol.locator('tbody tr', { hasText: subject });
    await expectVisible(row.getByText('Bob Lindqvist is typing a reply'));
    await expectVisible(row.getByText('Alice Moreau is viewing'));
    await screenshot(alice, 'ticket-page-presence');

    await composer(alice).fill('We reset your account; please try again now.');
    await alice.getByRole('button', { name: 'Send public reply' }).click();
    await expectVisible(timelineMessages(alice, 'public_reply'));
    await bob.getByRole('button', { name: 'Send public reply' }).click();

    const refusal = bob.getByRole('alert').filter({ hasText: 'Not sent' });
    await expectVisible(refusal);
    const refusalText = (await refusal.textContent()) ?? '';
    expect(refusalText.match(/draft is kept/gi)).toHaveLength(1);
    expect(await composer(bob).inputValue()).toBe(bobsDraft);
    await expectVisible(timelineMessages(bob, 'public_reply').getByText('We reset your account'));
    expect(await timelineMessages(bob, 'public_reply').count()).toBe(1);
    await screenshot(bob, 'ticket-page-stale-reply');

    const closedAt = Date.now();
    await bob.close();
    await presenceLine(alice).getByText('Bob Lindqvist').waitFor({ state: 'detached' });
    console.log(`e2e: a closed tab left the presence line ${Date.now() - closedAt} ms later`);
  });

  it('a failed page load shows a plain sentence', async () => {
    const missing = 987_654_321;
    const page = await signedInPage('Erin Schulz', `/tickets/${missing}`);

    const alert = page.getByRole('alert');
    await expectVisible(alert);
    expect(await alert.textContent()).toMatch(
      new RegExp(`^\\s*Could not load ticket ${missing}\\. .*does not exist\\.\\s*$`),
    );
    expect(await page.locator('main').innerText()).not.toMatch(/[{}]|Error:|at \w+ \(/);
  });
});

/** Waits for the element to be shown, failing the test with playwright's reason if it is not. */
async function expectVisible(locator: Locator): Promise<void> {
  await locator.first().waitFor({ state: 'visible' });
}

function backgroundOf(locator: Locator): Promise<string> {
  return locator.first().evaluate((element) => getComputedStyle(element).backgroundColor);
}
