// Inbound email through real IMAP: Dovecot and Postfix started by `npm test`, a mailbox poller
// workflow per test mailbox on this file's own mail task queue, and the ticket worker of the
// test stack. Proves the corpus and the shared cases file the same through IMAP as through the
// file path, that processed mail is marked \Seen and moved, that a mail fetched twice or
// re-scanned after its folder is recreated with a new UIDVALIDITY files once, that a stranger
// quoting a ticket tag gets a ticket of their own, and that a new ticket is acknowledged once,
// with RFC 3834 headers.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { ingestRawEmail, type EmailIngestResult } from '../../channels/email/email-intake.ts';
import type { RunningMailProcess } from '../../channels/email/mail-process.ts';
import { eventually, startTestStack, type TestStack } from '../support/stack.ts';
import { readCase } from './email/cases-helpers.ts';
import {
  appendMails,
  countIn,
  createTestMailbox,
  freshAddress,
  openImap,
  readFolder,
  recreateFolder,
  seenIn,
  sendAsCustomer,
  startTestMailProcess,
  testMailServer,
  type TestMailServer,
} from './mail-support.ts';

const sharedDir = path.resolve(import.meta.dirname, '../../../shared');
const emlIn = (dir: string) =>
  readdirSync(dir)
    .filter((file) => file.endsWith('.eml'))
    .sort()
    .map((file) => path.join(dir, file));
const corpusAndCases = [
  ...emlIn(path.join(sharedDir, 'corpus/zammad-mail')),
  ...emlIn(path.join(sharedDir, 'cases')),
];

type Row = Record<string, unknown>;

let server: TestMailServer;
let stack: TestStack;
let mail: RunningMailProcess;

beforeAll(async () => {
  server = testMailServer();
  stack = await startTestStack({ name: 'mail-imap' });
  mail = await startTestMailProcess(stack);
}, 120_000);

afterAll(async () => {
  await mail?.stop();
  await stack?.stop();
});

function query(sql: string, params: unknown[] = []): Promise<Row[]> {
  return stack.orm.em.fork().execute(sql, params);
}

/** Where a mailbox's mail went, counted from what was stored. */
async function tallyOf(mailbox: string) {
  const [row] = await query(
    `select count(distinct ticket_id) as tickets, count(*) as messages,
        count(*) filter (where automated_reason is not null) as automated
     from message where mailbox = ? and kind in ('inbound', 'automated') and author_kind <> 'system'`,
    [mailbox],
  );
  return {
    tickets: Number(row!.tickets),
    messages: Number(row!.messages),
    automated: Number(row!.automated),
  };
}

async function rejectedFrom(prefix: string): Promise<number> {
  const [row] = await query('select count(*) as n from rejected_input where source like ?', [
    `${prefix}%`,
  ]);
  return Number(row!.n);
}

async function positionOf(mailboxId: number): Promise<number> {
  const [row] = await query('select last_uid from mailbox where id = ?', [mailboxId]);
  return Number(row!.last_uid);
}

describe('the mailbox poller', () => {
  it('files the corpus and the cases through IMAP exactly as the file path does', async () => {
    const viaImap = freshAddress('corpus');
    const viaFiles = freshAddress('corpus-files');
    const mailboxId = await createTestMailbox(stack, server, {
      address: viaImap,
      acknowledgementsPerSenderPerHour: 0,
    });
    const raws = corpusAndCases.map((file) => readFileSync(file));

    const fileResults: EmailIngestResult[] = [];
    for (const [index, raw] of raws.entries()) {
      const { orm, intake, blobs, log } = stack;
      const source = corpusAndCases[index]!;
      fileResults.push(
        await ingestRawEmail({ raw, mailbox: viaFiles, source }, { orm, intake, blobs, log }),
      );
    }
    await appendMails(server, viaImap, raws);
    await mail.startPoller(mailboxId);

    const uids = raws.length;
    await eventually(
      'every mail polled',
      async () => (await positionOf(mailboxId)) >= uids,
      120_000,
    );
    const imap = await tallyOf(viaImap);
    const files = await tallyOf(viaFiles);
    const duplicates = fileResults.filter((r) => r.outcome === 'duplicate').length;
    const rejected = fileResults.filter((r) => r.outcome === 'rejected').length;

    expect(imap).toEqual(files);
    expect(await rejectedFrom(`imap://${viaImap}/`)).toBe(rejected);
    expect(raws.length - imap.messages - rejected).toBe(duplicates);
    expect({
      files: raws.length,
      tickets: imap.tickets,
      duplicates,
      automated: imap.automated,
    }).toEqual({ files: 54, tickets: 47, duplicates: 7, automated: 8 });
    expect(await countIn(server, viaImap, 'INBOX')).toBe(0);
    expect(await countIn(server, viaImap, 'Processed')).toBe(raws.length);
  }, 240_000);

  it('opens a ticket for a mail sent over SMTP and acknowledges it once, marked as automatic', async () => {
    const support = freshAddress('support');
    const customer = freshAddress('customer', 'customer.test');
    const mailboxId = await createTestMailbox(stack, server, { address: support });
    await mail.startPoller(mailboxId);

    await sendAsCustomer(server, {
      from: `Carla Customer <${customer}>`,
      to: support,
      subject: 'Invoice 4411 shows the wrong VAT number',
      text: 'Our VAT number changed in March; the invoice still shows the old one.',
      messageId: `<vat-4411.${Date.now()}@customer.test>`,
    });
    const [ticket] = await eventually(
      'the ticket',
      async () => {
        const rows = await query('select distinct ticket_id from message where mailbox = ?', [
          support,
        ]);
        return rows.length > 0 ? rows : null;
      },
      30_000,
    );
    const ticketId = Number(ticket!.ticket_id);
    const acks = await eventually(
      'the acknowledgement',
      async () => {
        const inbox = await readFolder(server, customer);
        return inbox.length > 0 ? inbox : null;
      },
      30_000,
    );
    const ack = await simpleParser(acks[0]!);

    expect(acks).toHaveLength(1);
    expect(ack.subject).toContain(`[#${ticketId}]`);
    expect(ack.headers.get('auto-submitted')).toBe('auto-replied');
    expect(ack.inReplyTo).toMatch(/^<vat-4411\./);
    expect(ack.text).toContain(String(ticketId));
    expect(await countIn(server, support, 'Processed')).toBe(1);
    expect(await seenIn(server, support, 'Processed')).toBe(1);
    expect(await countIn(server, support, 'INBOX')).toBe(0);
  }, 90_000);

  it('files a mail fetched twice once (C15), and again once when the folder gets a new UIDVALIDITY', async () => {
    const support = freshAddress('support');
    const folder = 'Intake';
    const mailboxId = await createTestMailbox(stack, server, { address: support, folder });
    const raw = readCase('C15-same-message-twice.eml');
    const owner = await openImap(server, support);
    await owner.mailboxCreate(folder).finally(() => owner.logout());
    await appendMails(server, support, [raw, raw], folder);
    await mail.startPoller(mailboxId);
    await eventually('both copies polled', async () => (await positionOf(mailboxId)) >= 2, 30_000);

    // A restore brings the folder back with the same mails under a new UIDVALIDITY, UIDs from 1.
    const uidValidity = await recreateFolder(server, support, folder);
    await appendMails(server, support, [raw, raw, raw], folder);
    await eventually(
      'the re-scan',
      async () => {
        const [row] = await query('select uid_validity, last_uid from mailbox where id = ?', [
          mailboxId,
        ]);
        const rescanned = String(row!.uid_validity) === uidValidity.toString();
        return (
          rescanned && Number(row!.last_uid) === 3 && (await countIn(server, support, folder)) === 0
        );
      },
      30_000,
    );

    expect(await tallyOf(support)).toEqual({ tickets: 1, messages: 1, automated: 0 });
    expect(await countIn(server, support, 'Processed')).toBe(5);
    const acks = await query(
      `select count(*) as n from outbound_mail where from_address = ? and kind = 'acknowledgement'`,
      [support],
    );
    expect(Number(acks[0]!.n)).toBe(1);
  }, 90_000);

  it('gives a stranger who quotes a ticket tag a ticket of their own', async () => {
    const support = freshAddress('support');
    const mailboxId = await createTestMailbox(stack, server, {
      address: support,
      acknowledgementsPerSenderPerHour: 0,
    });
    await mail.startPoller(mailboxId);
    await sendAsCustomer(server, {
      from: freshAddress('owner', 'customer.test'),
      to: support,
      subject: 'Cannot log in since the update',
      text: 'The login page says my password is wrong.',
    });
    const [owned] = await eventually(
      'the first ticket',
      async () => {
        const rows = await query('select ticket_id from message where mailbox = ?', [support]);
        return rows.length > 0 ? rows : null;
      },
      30_000,
    );
    const ticketId = Number(owned!.ticket_id);

    await sendAsCustomer(server, {
      from: freshAddress('stranger', 'customer.test'),
      to: support,
      subject: `Re: [#${ticketId}] Cannot log in since the update`,
      text: 'Please send me the account details of this ticket.',
    });
    const tickets = await eventually(
      'the stranger’s ticket',
      async () => {
        const rows = await query(
          'select distinct ticket_id from message where mailbox = ? order by ticket_id',
          [support],
        );
        return rows.length === 2 ? rows.map((row) => Number(row.ticket_id)) : null;
      },
      30_000,
    );

    expect(tickets).toContain(ticketId);
    const [onOwned] = await query('select count(*) as n from message where ticket_id = ?', [
      ticketId,
    ]);
    expect(Number(onOwned!.n)).toBe(1);
  }, 90_000);
});
