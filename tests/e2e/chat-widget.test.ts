// The customer pages in a real browser (Debian Chromium): a customer starts a chat on /chat,
// an agent's public reply appears on their page without a reload while an internal note never
// does, and the contact form shows each problem beside its field before it makes a ticket.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import {
  launchChromium,
  openedTicket,
  screenshotDir,
  startWorkspace,
  type Workspace,
} from './workspace.ts';

let workspace: Workspace;
let browser: Browser;

beforeAll(async () => {
  workspace = await startWorkspace({ name: 'chat-e2e' });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await workspace?.stop();
});

describe('customer chat page', () => {
  it("shows an agent's public reply live, and never an internal note", async () => {
    const page = await browser.newPage();
    await page.goto(`${workspace.url}/chat`);
    await page.getByLabel('Your name').fill('Robin Meyer');
    await page.getByLabel(/^Email/).fill(`${randomUUID()}@customer.example`);
    await page.getByLabel('How can we help?').fill('The tracking page for parcel 4471 is blank.');
    const started = page.waitForResponse((r) => r.url().endsWith('/api/chat/conversations'));
    await page.getByRole('button', { name: 'Start chat' }).click();
    const { ticketId } = (await (await started).json()) as { ticketId: number };
    await page.getByText('The tracking page for parcel 4471 is blank.').waitFor();
    await page.getByText(`Your ticket number is ${ticketId}`).waitFor();
    await openedTicket(workspace, ticketId);

    const note = await workspace.api(`/tickets/${ticketId}/notes`, {
      body: { body: 'Internal: carrier API is down, do not promise a date.' },
    });
    const sentAt = performance.now();
    const reply = await workspace.api(`/tickets/${ticketId}/replies`, {
      body: { body: 'Hi Robin, the carrier has an outage; your parcel is on its way.' },
    });
    await page.getByText('your parcel is on its way').waitFor({ timeout: 15_000 });
    const shownAfterMs = Math.round(performance.now() - sentAt);

    expect([note.status, reply.status]).toEqual([201, 201]);
    expect(await page.getByText('carrier API is down').count()).toBe(0);
    await page.screenshot({ path: path.join(screenshotDir, 'chat-widget-reply.png') });
    console.log(
      `chat e2e: agent reply shown on the customer page ${shownAfterMs} ms after sending`,
    );
    await page.close();
  });
});

describe('chat embed script', () => {
  it("opens the chat in a frame from a button on the customer's own site", async () => {
    const shop = await serveShopPage(
      `<script src="${workspace.url}/chat-embed.js" async></script>`,
    );
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));

    await page.goto(shop.url);
    await page.getByRole('button', { name: 'Chat with us' }).click();

    const frame = page.frameLocator('iframe[title="Chat with us"]');
    await frame
      .getByLabel('Your name')
      .waitFor({ timeout: 15_000 })
      .catch((error: Error) => {
        throw new Error(`${error.message}\npage errors: ${pageErrors.join(' | ')}`);
      });
    await page.close();
    await shop.close();
  });
});

// Another origin on loopback, standing in for the customer's website that embeds the widget.
async function serveShopPage(tag: string): Promise<{ url: string; close(): Promise<void> }> {
  const html = `<!doctype html><html><body><h1>Our shop</h1>${tag}</body></html>`;
  const server: Server = await new Promise((resolve) => {
    const s = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end(html),
    );
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}/`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('contact form page', () => {
  it('shows problems beside their fields, then confirms a valid request', async () => {
    const page = await browser.newPage();
    await page.goto(`${workspace.url}/contact`);
    await page.getByLabel('Your name').fill('Lea Brandt');
    await page.getByLabel('Email').fill('lea at example');
    await page.getByLabel('Subject').fill('Delivery address');
    await page.getByRole('button', { name: 'Send' }).click();

    await page
      .locator('#contact-email-problem')
      .getByText('please give an email address')
      .waitFor();
    await page.locator('#contact-message-problem').getByText('please write your message').waitFor();

    await page.getByLabel('Email').fill(`${randomUUID()}@customer.example`);
    await page.getByLabel('Message').fill('The postcode 10115 is refused.');
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/contact'));
    await page.getByRole('button', { name: 'Send' }).click();
    const answer = await answered;
    expect([answer.status(), await answer.text()]).toEqual([202, '{"received":true}']);
    await page.getByText('we received your request').waitFor();
    await page.close();
  });
});
