// The agent workspace in a real Chromium against the real stack: tickets made through the
// API appear live on the queue page and in its view counts, agents sign in, reply, write
// notes, see who else is on a ticket and are protected from answering over a colleague; they
// apply a macro from the keyboard, mention a colleague, whose bell rings live, and hand a
// ticket off with a note its new owner reads first. Screenshots (desktop 1280×800 and phone
// 390×844) land in test-results/ for a human to look at.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { AgentView } from '../../api/contract.ts';
import { demoPassword } from '../../db/seed-accounts.ts';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
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

beforeAll(async () => {
  [workspace, browser] = await Promise.all([startWorkspace({ name: 'e2e' }), launchChromium()]);
}, 120_000);

afterAll(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await browser?.close();
  await workspace?.stop();
});

const desktop = { width: 1280, height: 800 };
const phone = { width: 390, height: 844 };

/** A fresh browser profile, so each agent has their own session cookie. */
async function openPage(viewport = desktop): Promise<Page> {
  const context = await browser.newContext({ viewport, isMobile: viewport === phone });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return page;
}

/** Opens a page as the seeded agent, through the sign-in page the workspace sends them to. */
async function signedInPage(agentName: string, path: string, viewport = desktop): Promise<Page> {
  const page = await openPage(viewport);
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
    const page = await signedInPage('Dave Okafor', '/?view=all&sort=created');
    await expectVisible(page.getByText('Live updates on'));
    const allCount = viewCount(page, 'All');
    await expectVisible(allCount.filter({ hasText: /^\d+/ }));
    const countBefore = parseInt((await allCount.textContent()) ?? '', 10);
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
    await eventually('the All count to take the new ticket in', async () => {
      return parseInt((await allCount.textContent()) ?? '', 10) > countBefore;
    });
    await expectVisible(row.locator('td[data-label="SLA"] .sla'));
    await screenshot(page, 'queue-page');
  });

  it('views, filters and sort live in the URL, and j/k walk the rows', async () => {
    for (const words of ['Password reset mail never came', 'Two-factor codes rejected']) {
      await createTicket(workspace, { subject: uniqueSubject(words), body: `${words}.` });
    }
    const page = await signedInPage('Erin Schulz', '/?view=all&priority=normal&sort=updated');
    await expectVisible(page.locator('tbody tr'));

    expect(await page.getByLabel('Priority').inputValue()).toBe('normal');
    expect(await page.getByLabel('Sort by').inputValue()).toBe('updated');
    const priorities = await page.locator('td[data-label="Priority"]').allTextContents();
    expect(new Set(priorities.map((text) => text.trim()))).toEqual(new Set(['Normal']));

    await page.getByRole('link', { name: /^My tickets/ }).click();
    await page.waitForURL((url) => url.search === '?sort=updated');
    await page.getByLabel('Channel').selectOption('api');
    await page.waitForURL((url) => url.searchParams.get('channel') === 'api');

    await page.getByRole('link', { name: /^All/ }).click();
    await expectVisible(page.locator('tbody tr').nth(1));
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    const second = page.locator('tbody tr').nth(1);
    expect(await second.getAttribute('class')).toContain('selected');
    await page.keyboard.press('?');
    await expectVisible(page.getByRole('dialog', { name: 'Keyboard shortcuts' }));
    await page.keyboard.press('Escape');
    await page.keyboard.press('o');
    await page.waitForURL(/\/tickets\/\d+$/);
  });

  it('is readable on a phone: rows become labelled cards', async () => {
    const page = await signedInPage('Alice Moreau', '/?view=all', phone);
    const firstRow = page.locator('tbody tr').first();
    await expectVisible(firstRow);
    await screenshot(page, 'queue-page-phone');

    const box = await firstRow.boundingBox();
    expect(box!.width).toBeLessThanOrEqual(phone.width);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(overflow).toBeLessThanOrEqual(phone.width);
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
    const carol = await signedInPage('Carol Nguyen', '/?view=all&sort=created');
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

describe('working together', () => {
  it('a macro with placeholders goes into the reply rendered for this ticket, agent and requester, and its actions apply', async () => {
    const title = uniqueSubject('Refund confirmed');
    const created = await workspace.api<{ id: number }>('/macros', {
      body: {
        title,
        body: 'Hello {{requester.name}}, the refund for ticket {{ticket.number}} is on its way. {{agent.name}}',
        actions: { addTags: ['refund-sent'], priority: 'high' },
      },
    });
    expect(created.status).toBe(201);
    const ticketId = await createTicket(workspace, {
      subject: uniqueSubject('Where is my refund'),
      body: 'I was promised a refund two weeks ago.',
    });
    const ticket = await openedTicket(workspace, ticketId);
    const page = await openTicketAs('Bob Lindqvist', ticketId);

    await page.keyboard.press('m');
    const search = page.getByRole('combobox', { name: 'Search macros' });
    await expectVisible(search);
    await search.fill(title.split(' ').at(-1)!);
    await expectVisible(page.getByRole('option', { name: new RegExp(title) }));
    await search.press('Enter');

    await eventually('the rendered macro in the composer', async () =>
      (await composer(page).inputValue()).includes('on its way'),
    );
    expect(await composer(page).inputValue()).toBe(
      `Hello Pat Doe, the refund for ticket ${ticket.number} is on its way. Bob Lindqvist\n`,
    );
    expect(await page.locator('#composer-mode-reply').isChecked()).toBe(true);
    await expectVisible(page.getByRole('button', { name: 'Remove tag refund-sent' }));
    await expectVisible(page.locator('.ticket-header .priority-high'));
    await expectVisible(page.getByText(`Bob Lindqvist applied the macro “${title}”`));
    await screenshot(page, 'ticket-page-macro-applied');
  });

  it('a mention in an internal note rings the colleague’s bell live, and the notification opens the ticket', async () => {
    const ticketId = await createTicket(workspace, {
      subject: uniqueSubject('Invoice shows the wrong VAT'),
      body: 'The VAT on my last invoice is 25% instead of 19%.',
    });
    await openedTicket(workspace, ticketId);
    const bob = await signedInPage('Bob Lindqvist', '/?view=all');
    const bell = bob.getByRole('button', { name: /^Notifications/ });
    const unread = bell.getByTestId('unread-count');
    await expectVisible(unread);
    const before = Number(await unread.textContent());

    const alice = await openTicketAs('Alice Moreau', ticketId);
    await alice.keyboard.press('n');
    await composer(alice).fill('@bob can you confirm the VAT rate for this customer?');
    await alice.getByRole('button', { name: 'Add internal note' }).click();
    await expectVisible(timelineMessages(alice, 'internal_note').locator('mark.mention'));

    await eventually('Bob’s bell to count the mention', async () => {
      return Number(await unread.textContent()) > before;
    });
    const rung = Number(await unread.textContent());
    await bell.click();
    const item = bob.getByRole('region', { name: 'Notifications' }).locator('li').first();
    await expectVisible(item.getByText('can you confirm the VAT rate'));
    await screenshot(bob, 'notifications-open');
    await item.getByRole('link').click();
    await bob.waitForURL(`**/tickets/${ticketId}`);
    await expectVisible(timelineMessages(bob, 'internal_note').getByText('confirm the VAT rate'));
    await eventually('the opened notification to be read', async () => {
      return Number(await unread.textContent()) < rung;
    });
  });

  it('a handoff needs a note, and the new owner sees that note at the top of the ticket', async () => {
    const subject = uniqueSubject('Printer driver crashes');
    const ticketId = await createTicket(workspace, {
      subject,
      body: 'The driver crashes when I print double-sided.',
    });
    await openedTicket(workspace, ticketId);
    // Alice owns it first, whoever routing chose, so the handoff to Carol is a real change.
    const agents = await workspace.api<AgentView[]>('/agents');
    const aliceId = agents.body.find((agent) => agent.name === 'Alice Moreau')!.id;
    await workspace.api(`/tickets/${ticketId}/assignment`, { body: { agentId: aliceId } });
    const alice = await openTicketAs('Alice Moreau', ticketId);
    await expectVisible(alice.locator('.ticket-header dd', { hasText: 'Alice Moreau' }));

    await alice.keyboard.press('h');
    const dialog = alice.getByRole('dialog', { name: /Hand off ticket/ });
    await expectVisible(dialog);
    await dialog.getByLabel('Agent', { exact: true }).selectOption({ label: 'Carol Nguyen' });
    const send = dialog.getByRole('button', { name: 'Hand off' });
    expect(await send.isDisabled()).toBe(true);
    const note = 'Driver 4.2 fixes it; call the customer back before noon.';
    await dialog.getByLabel('Note for the new owner (required)').fill(note);
    await send.click();
    await expectVisible(alice.getByText(/handed the ticket off to Carol Nguyen/));

    const carol = await openTicketAs('Carol Nguyen', ticketId);
    const handoff = carol.getByRole('region', { name: 'Handoff note' });
    await expectVisible(handoff.getByText('Handed to you'));
    expect(await handoff.locator('.note').textContent()).toBe(note);
    const header = carol.locator('.ticket-header dt:text-is("Owner") + dd');
    expect(await header.textContent()).toBe('Carol Nguyen');
    await screenshot(carol, 'ticket-page-handoff');

    const phonePage = await signedInPage('Carol Nguyen', `/tickets/${ticketId}`, phone);
    await expectVisible(phonePage.getByRole('region', { name: 'Handoff note' }));
    await screenshot(phonePage, 'ticket-page-phone');
    const overflow = await phonePage.evaluate(() => document.documentElement.scrollWidth);
    expect(overflow).toBeLessThanOrEqual(phone.width);
  });
});

describe('one requester, several tickets', () => {
  it('the sidebar lists the requester’s other tickets and merges into one; a customer message splits off; tags are edited in place', async () => {
    const email = `${randomUUID()}@customer.example`;
    const first = await createTicketFor(workspace, email, 'Parcel 7731 never arrived');
    const second = await createTicketFor(
      workspace,
      email,
      'Tracking link for parcel 7731 is broken',
    );
    await Promise.all([openedTicket(workspace, first), openedTicket(workspace, second)]);
    const page = await openTicketAs('Alice Moreau', first);

    const others = page.getByRole('region', { name: 'Requester' });
    await expectVisible(others.getByRole('link', { name: new RegExp(`#${second}`) }));
    await others.getByRole('button', { name: `Merge into #${second}` }).click();
    const confirm = page.getByRole('dialog', { name: `Merge #${first} into #${second}?` });
    await confirm.getByRole('button', { name: `Merge into #${second}` }).click();

    await page.waitForURL(`**/tickets/${second}`);
    await expectVisible(page.getByText(`merged ticket #${first} into this ticket`));
    const moved = timelineMessages(page, 'inbound').filter({
      hasText: 'Parcel 7731 never arrived',
    });
    await expectVisible(moved.getByText(`From merged ticket #${first}`));

    const own = timelineMessages(page, 'inbound').filter({ hasText: 'Tracking link' });
    await own.getByRole('button', { name: 'Split into new ticket' }).click();
    await page.waitForURL((url) => !url.pathname.endsWith(`/tickets/${second}`));
    await expectVisible(page.getByText(`split this ticket off ticket #${second}`));

    await page.getByLabel('Add a tag').fill('Shipping');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expectVisible(page.getByRole('button', { name: 'Remove tag shipping' }));
    await screenshot(page, 'ticket-page-split-off');
  });
});

/** Creates a ticket for a given requester, so two tickets can share one. */
async function createTicketFor(workspace: Workspace, email: string, words: string) {
  const response = await fetch(`${workspace.url}/api/tickets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify({
      requester: { email, name: 'Sam Lee' },
      subject: uniqueSubject(words),
      body: `${words}.`,
    }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { ticketId: number }).ticketId;
}

function viewCount(page: Page, label: string): Locator {
  return page.getByRole('link', { name: new RegExp(`^${label}`) }).locator('.count');
}

/** Waits for the element to be shown, failing the test with playwright's reason if it is not. */
async function expectVisible(locator: Locator): Promise<void> {
  await locator.first().waitFor({ state: 'visible' });
}

function backgroundOf(locator: Locator): Promise<string> {
  return locator.first().evaluate((element) => getComputedStyle(element).backgroundColor);
}
