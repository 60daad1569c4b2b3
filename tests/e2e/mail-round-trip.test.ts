// The email round trip with real servers (Dovecot and Postfix from `npm test`): a customer's
// mail sent over SMTP becomes a ticket; the agent signs in in Chromium, opens that ticket and
// sends a public reply from the composer, which arrives in the customer's IMAP mailbox as a
// threaded mail (Message-ID, In-Reply-To, References, the ticket tag, text and HTML); and the
// customer's answer to it threads back into the same ticket. Screenshot:
// test-results/mail-round-trip-reply.png.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { simpleParser } from 'mailparser';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import type { TicketDetail } from '../../api/contract.ts';
import type { RunningMailProcess } from '../../channels/email/mail-process.ts';
import { demoPassword } from '../../db/seed-accounts.ts';
import { eventually } from '../support/stack.ts';
import { launchChromium, screenshotDir, startWorkspace, type Workspace } from './workspace.ts';
import {
  createTestMailbox,
  freshAddress,
  readFolder,
  sendAsCustomer,
  startTestMailProcess,
  testMailServer,
  type TestMailServer,
} from '../channels/mail-support.ts';

type Row = Record<string, unknown>;

let server: TestMailServer;
let workspace: Workspace;
let browser: Browser;
let mail: RunningMailProcess;

beforeAll(async () => {
  server = testMailServer();
  [workspace, browser] = await Promise.all([
    startWorkspace({ name: 'mail-round-trip' }),
    launchChromium(),
  ]);
  mail = await startTestMailProcess(workspace.stack);
}, 120_000);

afterAll(async () => {
  await mail?.stop();
  await browser?.close();
  await workspace?.stop();
});

function query(sql: string, params: unknown[] = []): Promise<Row[]> {
  return workspace.stack.orm.em.fork().execute(sql, params);
}

async function messagesOf(ticketId: number): Promise<Row[]> {
  return query('select kind, author_kind, text from message where ticket_id = ? order by id', [
    ticketId,
  ]);
}

describe('an email conversation through real mail servers', () => {
  it('turns a mail into a ticket, mails the agent’s reply threaded, and threads the answer back', async () => {
    const support = freshAddress('support');
    const customer = freshAddress('dana', 'customer.test');
    const mailboxId = await createTestMailbox(workspace.stack, server, {
      address: support,
      acknowledgementsPerSenderPerHour: 0,
    });
    await mail.startPoller(mailboxId);
    const firstMessageId = `<backup-${Date.now()}@customer.test>`;

    await sendAsCustomer(server, {
      from: `Dana Customer <${customer}>`,
      to: support,
      subject: 'Nightly backup failed twice',
      text: 'The nightly backup failed on Monday and Tuesday with "disk quota exceeded".',
      messageId: firstMessageId,
    });
    const [row] = await eventually(
      'the ticket',
      async () => {
        const rows = await query('select ticket_id from message where mailbox = ?', [support]);
        return rows.length > 0 ? rows : null;
      },
      30_000,
    );
    const ticketId = Number(row!.ticket_id);
    await eventually(
      'the ticket in the API',
      async () => {
        const res = await workspace.api<TicketDetail>(`/tickets/${ticketId}`);
        return res.status === 200 ? res.body : null;
      },
      30_000,
    );

    // The agent answers from the workspace, as they would: sign in, open the ticket, reply.
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(15_000);
    await page.goto(`${workspace.url}/tickets/${ticketId}`);
    await page.getByLabel('Email').fill('alice@casework.example');
    await page.getByLabel('Password').fill(demoPassword());
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Nightly backup failed twice').first().waitFor();
    await page.locator('#composer-body').fill('We raised the quota; tonight’s backup should pass.');
    await page.getByRole('button', { name: 'Send public reply' }).click();
    const shownReply = page
      .getByRole('list', { name: 'Timeline' })
      .locator('li.message.public_reply')
      .getByText('We raised the quota');
    await shownReply.waitFor();
    const repliesShown = await shownReply.count();
    await page.screenshot({
      path: path.join(screenshotDir, 'mail-round-trip-reply.png'),
      fullPage: true,
    });
    await page.close();
    const received = await eventually(
      'the reply in the customer’s mailbox',
      async () => {
        const inbox = await readFolder(server, customer);
        return inbox.length > 0 ? inbox : null;
      },
      30_000,
    );
    const mailed = await simpleParser(received[0]!);

    expect(repliesShown).toBe(1);
    expect(received).toHaveLength(1);
    expect(mailed.subject).toBe(`[#${ticketId}] Re: Nightly backup failed twice`);
    expect(mailed.from?.value[0]?.address).toBe(support);
    expect(mailed.inReplyTo).toBe(firstMessageId);
    expect(mailed.references).toContain(firstMessageId);
    expect(mailed.messageId).toMatch(/^<casework\.reply\.[0-9a-f]{24}@casework\.test>$/);
    expect(mailed.text).toContain('We raised the quota');
    expect(mailed.html).toContain('We raised the quota');
    expect(mailed.headers.has('auto-submitted')).toBe(false);

    await sendAsCustomer(server, {
      from: customer,
      to: support,
      // Only our Message-ID links the answer to the ticket: no tag, no earlier references.
      subject: 'Re: Nightly backup failed twice',
      text: 'Thanks, it passed tonight.',
      inReplyTo: mailed.messageId,
    });
    const conversation = await eventually(
      'the answer on the ticket',
      async () => {
        const messages = await messagesOf(ticketId);
        return messages.length === 3 ? messages : null;
      },
      30_000,
    );

    expect(conversation.map((m) => m.kind)).toEqual(['inbound', 'public_reply', 'inbound']);
    expect(String(conversation[2]!.text)).toContain('it passed tonight');
  }, 120_000);
});
