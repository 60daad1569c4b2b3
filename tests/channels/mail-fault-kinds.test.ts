// The kinds of email fault, proved through real IMAP (Dovecot from `npm test`) rather than the
// file path: reply and forward prefixes in other languages (C07), split encoded words and
// charsets (C09), inline images without a disposition (C12), charset labels that lie, TNEF
// (winmail.dat kept as an attachment: no maintained TNEF parser on npm), remote images blocked,
// attachments in the blob store, an oversized mail kept raw and refused with a clear reason,
// and acknowledgements never sent to automated mail and rate-limited per sender.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RunningMailProcess } from '../../channels/email/mail-process.ts';
import { eventually, startTestStack, type TestStack } from '../support/stack.ts';
import { readCase } from './email/cases-helpers.ts';
import {
  appendMails,
  countIn,
  createTestMailbox,
  freshAddress,
  readFolder,
  sendAsCustomer,
  startTestMailProcess,
  testMailServer,
  type TestMailServer,
} from './mail-support.ts';

type Row = Record<string, unknown>;

const maxMessageBytes = 64 * 1024;

let server: TestMailServer;
let stack: TestStack;
let mail: RunningMailProcess;

beforeAll(async () => {
  server = testMailServer();
  stack = await startTestStack({ name: 'mail-faults' });
  mail = await startTestMailProcess(stack, { maxMessageBytes });
}, 120_000);

afterAll(async () => {
  await mail?.stop();
  await stack?.stop();
});

function query(sql: string, params: unknown[] = []): Promise<Row[]> {
  return stack.orm.em.fork().execute(sql, params);
}

function mime(headers: Record<string, string>, body: string | Buffer): Buffer {
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return Buffer.concat([Buffer.from([...head, '', ''].join('\r\n')), Buffer.from(body)]);
}

/** The stored message of a Message-ID in a mailbox, with its ticket. */
async function stored(mailbox: string, messageId: string): Promise<Row> {
  return eventually(
    `message ${messageId}`,
    async () => {
      const rows = await query(
        'select * from message where mailbox = ? and message_id_header = ?',
        [mailbox, messageId],
      );
      return rows[0] ?? null;
    },
    30_000,
  );
}

async function attachmentsOf(messageId: unknown): Promise<Row[]> {
  return query('select * from attachment where message_id = ? order by id', [messageId]);
}

/** Polls a mailbox holding `raws` until all are filed. */
async function pollAll(mailbox: string, raws: Buffer[]): Promise<void> {
  const mailboxId = await createTestMailbox(stack, server, {
    address: mailbox,
    acknowledgementsPerSenderPerHour: 0,
  });
  await appendMails(server, mailbox, raws);
  await mail.startPoller(mailboxId);
  await eventually(
    'every mail filed',
    async () => (await countIn(server, mailbox, 'Processed')) === raws.length,
    60_000,
  );
}

const printerOriginal = mime(
  {
    From: 'Alice Example <alice@example.com>',
    To: 'Support <support@help.example.com>',
    Subject: 'Printer on 3rd floor jams',
    Date: 'Mon, 03 Mar 2025 15:48:00 +0100',
    'Message-ID': '<CA+orig-1042@mail.example.com>',
    'Content-Type': 'text/plain; charset=us-ascii',
  },
  'The printer on the 3rd floor jams on every second page.\r\n',
);

describe('email faults through IMAP', () => {
  it('threads replies and forwards by headers whatever their prefix, and decodes split encoded words (C07, C09)', async () => {
    const support = freshAddress('support');

    await pollAll(support, [
      printerOriginal,
      readCase('C07-reply-sv-no-tag.eml'),
      readCase('C07-fwd-with-references.eml'),
      readCase('C09-iso2022jp-split-subject.eml'),
      readCase('C09-utf8-split-encoded-words.eml'),
    ]);

    const original = await stored(support, 'CA+orig-1042@mail.example.com');
    const rows = await query(
      'select ticket_id, subject from message where mailbox = ? order by id',
      [support],
    );
    const onPrinter = rows.filter((row) => row.ticket_id === original.ticket_id);
    expect(onPrinter).toHaveLength(3);
    expect(rows.map((row) => row.subject)).toContain(
      '【ご質問】請求書の再発行と支払期限の延長について',
    );
    expect(new Set(rows.map((row) => row.ticket_id)).size).toBe(3);
  }, 90_000);

  it('keeps inline images, winmail.dat and the raw bytes outside the database, and blocks remote images (C12)', async () => {
    const support = freshAddress('support');
    const lying = mime(
      {
        From: 'Jörg <joerg@customer.test>',
        Subject: 'Charset label that lies',
        'Message-ID': '<lying-charset-1@customer.test>',
        'MIME-Version': '1.0',
        'Content-Type': 'text/plain; charset=us-ascii',
        'Content-Transfer-Encoding': '8bit',
      },
      Buffer.from('Grüße aus Köln\r\n', 'utf8'),
    );
    const unknownCharset = mime(
      {
        From: 'Jörg <joerg@customer.test>',
        Subject: 'Charset label that names nothing',
        'Message-ID': '<unknown-charset-1@customer.test>',
        'MIME-Version': '1.0',
        'Content-Type': 'text/plain; charset=x-no-such-charset',
        'Content-Transfer-Encoding': '8bit',
      },
      Buffer.from('Grüße aus Köln\r\n', 'latin1'),
    );
    const tnefBytes = Buffer.from('789f3e22000000000100', 'hex');
    const tnef = mime(
      {
        From: 'Outlook User <outlook@customer.test>',
        Subject: 'Quote attached',
        'Message-ID': '<tnef-1@customer.test>',
        'MIME-Version': '1.0',
        'Content-Type': 'multipart/mixed; boundary="b1"',
      },
      [
        '--b1',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Please find the quote attached.',
        '--b1',
        'Content-Type: application/ms-tnef; name="winmail.dat"',
        'Content-Disposition: attachment; filename="winmail.dat"',
        'Content-Transfer-Encoding: base64',
        '',
        tnefBytes.toString('base64'),
        '--b1--',
        '',
      ].join('\r\n'),
    );
    const tracker = mime(
      {
        From: 'Newsletter <news@customer.test>',
        Subject: 'Your statement',
        'Message-ID': '<remote-image-1@customer.test>',
        'MIME-Version': '1.0',
        'Content-Type': 'text/html; charset=utf-8',
      },
      '<p>Your statement is ready.</p><img src="https://tracker.example/open.gif?u=42">',
    );

    await pollAll(support, [
      readCase('C12-inline-cid-without-disposition.eml'),
      lying,
      unknownCharset,
      tnef,
      tracker,
    ]);

    const inline = await stored(support, 'cid-inline-1@mail.example.com');
    const images = await attachmentsOf(inline.id);
    const image001 = images.find((a) => a.filename === 'image001.png');
    expect(image001).toMatchObject({ inline: true });
    expect((await stack.blobs.get(String(image001!.blob_key))).length).toBe(Number(image001!.size));
    expect(String(inline.html)).toMatch(/src="\/api\/attachments\/\d+"/);

    const decoded = await stored(support, 'lying-charset-1@customer.test');
    expect(String(decoded.text).trim()).toBe('Grüße aus Köln');
    expect(await stack.blobs.get(String(decoded.raw_blob_key))).toEqual(lying);

    const guessed = await stored(support, 'unknown-charset-1@customer.test');
    expect(String(guessed.text).trim()).toBe('Grüße aus Köln');
    expect(await stack.blobs.get(String(guessed.raw_blob_key))).toEqual(unknownCharset);

    const quote = await stored(support, 'tnef-1@customer.test');
    const [winmail] = await attachmentsOf(quote.id);
    expect(winmail).toMatchObject({ filename: 'winmail.dat', content_type: 'application/ms-tnef' });
    expect(await stack.blobs.get(String(winmail!.blob_key))).toEqual(tnefBytes);

    const statement = await stored(support, 'remote-image-1@customer.test');
    expect(String(statement.html)).toContain('Your statement is ready.');
    expect(String(statement.html)).not.toContain('tracker.example');
  }, 90_000);

  it('keeps an oversized mail raw and refuses it with its size and the limit', async () => {
    const support = freshAddress('support');
    const big = mime(
      {
        From: 'Hank <hank@customer.test>',
        Subject: 'Screenshots',
        'Message-ID': '<oversized-1@customer.test>',
        'Content-Type': 'text/plain; charset=us-ascii',
      },
      'x'.repeat(maxMessageBytes + 1024),
    );

    await pollAll(support, [big]);

    const [rejected] = await query('select * from rejected_input where source like ?', [
      `imap://${support}/%`,
    ]);
    expect(String(rejected!.reason)).toMatch(/^the mail is 0\.1 MB, over the 0\.1 MB limit/);
    expect(await stack.blobs.get(String(rejected!.raw_blob_key))).toEqual(big);
    expect(await query('select 1 from message where mailbox = ?', [support])).toHaveLength(0);
  }, 60_000);

  it('never acknowledges automated mail, and acknowledges one sender at most N times an hour', async () => {
    const support = freshAddress('support');
    const customer = freshAddress('ivy', 'customer.test');
    const robot = freshAddress('robot', 'customer.test');
    const mailboxId = await createTestMailbox(stack, server, {
      address: support,
      acknowledgementsPerSenderPerHour: 2,
    });
    await mail.startPoller(mailboxId);

    for (const subject of ['Login fails', 'Invoice missing', 'Password reset mail never came']) {
      await sendAsCustomer(server, { from: customer, to: support, subject, text: `${subject}.` });
    }
    await sendAsCustomer(server, {
      from: robot,
      to: support,
      subject: 'Out of office',
      text: 'I am away until Monday.',
      headers: { 'Auto-Submitted': 'auto-replied' },
    });
    await eventually(
      'four tickets',
      async () => {
        const rows = await query('select distinct ticket_id from message where mailbox = ?', [
          support,
        ]);
        return rows.length === 4;
      },
      30_000,
    );
    await eventually(
      'the acknowledgements sent',
      async () => {
        const rows = await query(
          `select count(*) as n from outbound_mail where from_address = ? and status = 'sent'`,
          [support],
        );
        return Number(rows[0]!.n) === 2;
      },
      30_000,
    );

    expect(await readFolder(server, customer)).toHaveLength(2);
    expect(await readFolder(server, robot)).toHaveLength(0);
  }, 90_000);
});
