// The outbound mail outbox against the real Postfix and Dovecot from `npm test`: one mail per
// dedupe key, RFC 3834 headers on automatic mail, a permanent refusal (5xx) and a bounce (a
// real DSN read back over IMAP) recorded on the ticket, and a server that does not speak SMTP
// retried with backoff until the attempts run out.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MockActivityEnvironment } from '@temporalio/testing';
import { simpleParser } from 'mailparser';
import { createTicketActivities } from '../../activities/ticket-activities.ts';
import { ingestRawEmail } from '../../channels/email/email-intake.ts';
import type { RunningMailProcess } from '../../channels/email/mail-process.ts';
import {
  enqueueOutboundMail,
  OutboundMailError,
  type OutboundMailRequest,
} from '../../channels/email/outbound/outbox.ts';
import { eventually, startTestStack, type TestStack } from '../support/stack.ts';
import {
  createTestMailbox,
  freshAddress,
  readFolder,
  startTestMailProcess,
  testMailServer,
  type TestMailServer,
} from './mail-support.ts';

type Row = Record<string, unknown>;

let server: TestMailServer;
let stack: TestStack;
let mail: RunningMailProcess;
let support: string;
let ticketId: number;
let customerOfTicket: string;

beforeAll(async () => {
  server = testMailServer();
  stack = await startTestStack({ name: 'mail-outbox' });
  mail = await startTestMailProcess(stack);

  support = freshAddress('support');
  const mailboxId = await createTestMailbox(stack, server, {
    address: support,
    acknowledgementsPerSenderPerHour: 0,
  });
  await mail.startPoller(mailboxId);
  customerOfTicket = freshAddress('erin', 'customer.test');
  ticketId = await openTicket(support, customerOfTicket);
}, 120_000);

afterAll(async () => {
  await mail?.stop();
  await stack?.stop();
});

function query(sql: string, params: unknown[] = []): Promise<Row[]> {
  return stack.orm.em.fork().execute(sql, params);
}

/** A ticket in the mailbox, opened by a customer's mail. */
async function openTicket(mailbox: string, customer: string): Promise<number> {
  const raw = Buffer.from(
    [
      `From: ${customer}`,
      `To: ${mailbox}`,
      'Subject: Export to CSV cuts off long names',
      `Message-ID: <csv-${Date.now()}@customer.test>`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Names longer than 30 characters are cut in the CSV export.',
      '',
    ].join('\r\n'),
  );
  const { orm, intake, blobs, log } = stack;
  const result = await ingestRawEmail(
    { raw, mailbox, source: 'test' },
    { orm, intake, blobs, log },
  );
  return result.ticketId!;
}

function enqueue(request: Partial<OutboundMailRequest> & { to: string[] }) {
  return stack.orm.em.fork().transactional((em) =>
    enqueueOutboundMail(em, {
      ticketId,
      kind: 'notification',
      subject: 'Your export is ready',
      text: 'The export you asked for is attached to the ticket.',
      from: support,
      dedupeKey: `test:${Math.random()}`,
      ...request,
    }),
  );
}

async function outboundRow(id: number): Promise<Row> {
  const [row] = await query('select * from outbound_mail where id = ?', [id]);
  return row!;
}

async function settled(id: number): Promise<Row> {
  return eventually(
    `outbound mail ${id} settled`,
    async () => {
      const row = await outboundRow(id);
      return row.status === 'pending' ? null : row;
    },
    30_000,
  );
}

/** The mails in the ticket's customer's mailbox whose subject has `word`. */
async function customerMails(word: string) {
  return eventually(
    `a mail about "${word}"`,
    async () => {
      const parsed = await Promise.all(
        (await readFolder(server, customerOfTicket)).map((raw) => simpleParser(raw)),
      );
      const found = parsed.filter((mail) => mail.subject?.includes(word));
      return found.length > 0 ? found : null;
    },
    30_000,
  );
}

async function internalNotes(): Promise<string[]> {
  const rows = await query(
    `select text from message where ticket_id = ? and kind = 'internal_note' and author_kind = 'system'`,
    [ticketId],
  );
  return rows.map((row) => String(row.text));
}

describe('the outbound mail outbox', () => {
  it('sends one mail for a key enqueued twice, tagged, with RFC 3834 headers', async () => {
    const customer = freshAddress('frank', 'customer.test');
    const dedupeKey = `export-ready:${customer}`;

    const first = await enqueue({ to: [customer], dedupeKey });
    const again = await enqueue({ to: [customer], dedupeKey, text: 'A changed text.' });
    const row = await settled(first.outboundMailId);
    const inbox = await eventually(
      'the mail',
      async () => {
        const mails = await readFolder(server, customer);
        return mails.length > 0 ? mails : null;
      },
      30_000,
    );
    const received = await simpleParser(inbox[0]!);

    expect(again).toEqual({ ...first, duplicate: true });
    expect(row.status).toBe('sent');
    expect(inbox).toHaveLength(1);
    expect(received.subject).toBe(`[#${ticketId}] Your export is ready`);
    expect(received.messageId).toBe(first.messageIdHeader);
    expect(received.headers.get('auto-submitted')).toBe('auto-generated');
    expect(received.text).toContain('The export you asked for');
  });

  it('mails the follow-up reminder of an email ticket to its requester, marked automatic', async () => {
    const activities = createTicketActivities({ orm: stack.orm });
    const input = {
      ticketId,
      idempotencyKey: `reminder-${ticketId}`,
      channel: 'email',
      at: Date.now(),
    } as const;

    await new MockActivityEnvironment().run(activities.recordFollowUpReminder, input);
    await new MockActivityEnvironment().run(activities.recordFollowUpReminder, input);
    const [reminder, ...more] = await customerMails('Export to CSV');

    expect(more).toHaveLength(0);
    expect(reminder!.subject).toBe(`[#${ticketId}] Re: Export to CSV cuts off long names`);
    expect(reminder!.headers.get('auto-submitted')).toBe('auto-generated');
    expect(reminder!.text).toContain('still waiting for your reply');
  });

  it('attaches the files of the message it carries, read from the blob store', async () => {
    const report = Buffer.from('name,length\nAlexandria Konstantinopoulou-Smythe,34\n');
    const blob = await stack.blobs.put(report);
    const [message] = await query(
      `insert into message (ticket_id, kind, channel, author_kind, text, idempotency_key, created_at)
       values (?, 'public_reply', 'email', 'agent', 'The full export is attached.', ?, now())
       returning id`,
      [ticketId, `attachment-test-${ticketId}`],
    );
    await query(
      `insert into attachment (message_id, filename, content_type, size, blob_key, sha256)
       values (?, 'export.csv', 'text/csv', ?, ?, ?)`,
      [message!.id, report.length, blob.key, blob.sha256],
    );

    await enqueue({
      to: [customerOfTicket],
      kind: 'reply',
      subject: 'Full export attached',
      messageId: Number(message!.id),
    });
    const [mailed] = await customerMails('Full export attached');

    expect(mailed!.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([
      ['export.csv', report.toString()],
    ]);
    const [stamped] = await query('select message_id_header from message where id = ?', [
      message!.id,
    ]);
    expect(`<${String(stamped!.message_id_header)}>`).toBe(mailed!.messageId);
  });

  it('refuses a request that can never be sent, naming the field', async () => {
    const noRecipient = enqueue({ to: [] });
    const injected = enqueue({ to: ['ok@customer.test\r\nBcc: x@customer.test'] });

    await expect(noRecipient).rejects.toThrow(OutboundMailError);
    await expect(noRecipient).rejects.toThrow('outbound mail to: names no recipient');
    await expect(injected).rejects.toThrow('outbound mail to[0]: is not a plain email address');
  });

  it('records a permanent refusal (5xx) on the ticket without retrying', async () => {
    const queued = await enqueue({ to: ['someone@elsewhere.example'] });

    const row = await settled(queued.outboundMailId);

    expect(row).toMatchObject({ status: 'failed', attempts: 1 });
    expect(String(row.last_error)).toMatch(/Relay access denied/);
    const notes = await internalNotes();
    expect(notes.some((t) => t.includes('could not be delivered') && t.includes('refused'))).toBe(
      true,
    );
  });

  it('records a bounce that arrives as a delivery report on the ticket', async () => {
    const queued = await enqueue({ to: [freshAddress('bounce-gone', 'customer.test')] });

    const sent = await settled(queued.outboundMailId);
    const bounced = await eventually(
      'the bounce',
      async () => {
        const row = await outboundRow(queued.outboundMailId);
        return row.status === 'bounced' ? row : null;
      },
      30_000,
    );

    expect(sent.status).toBe('sent');
    expect(String(bounced.last_error)).toMatch(/5\.1\.1|user unknown/);
    const notes = await internalNotes();
    expect(notes.some((t) => t.includes('bounced'))).toBe(true);
  });

  it('retries a server that does not answer as SMTP, with backoff, then gives up and says so', async () => {
    const broken = freshAddress('broken-smtp');
    // Dovecot's IMAP port greets in IMAP, so every SMTP attempt fails as a transient error.
    await createTestMailbox(stack, server, { address: broken, smtpPort: server.imapPort });

    const queued = await enqueue({ to: [freshAddress('gail', 'customer.test')], from: broken });
    const row = await settled(queued.outboundMailId);

    expect(row).toMatchObject({ status: 'failed', attempts: 3 });
    const notes = await internalNotes();
    expect(notes.some((t) => t.includes('gave up after 3 attempts'))).toBe(true);
  });
});
