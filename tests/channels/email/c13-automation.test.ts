import { describe, expect, it } from '@jest/globals';
import { classifyAutomation, mayAutoReply } from '../../../channels/email/automation.ts';
import { parseEmail } from '../../../channels/email/parse-email.ts';
import { decideThread, type ThreadLookups } from '../../../channels/email/threading.ts';
import { readCase, replacing } from './cases-helpers.ts';

// Our acknowledgement for ticket #2050 went out with this Message-ID.
const ourAutoIds = new Set(['autoreply-2050-1@help.example.com']);
const options = { ourAutoMessageIds: (ids: string[]) => ids.some((id) => ourAutoIds.has(id)) };

const ticket2050: ThreadLookups = {
  async ticketByMessageIds(ids) {
    return ids.some((id) => ourAutoIds.has(id)) ? { ticketId: 2050, mailbox: 'support' } : null;
  },
  async ticketByNumber() {
    return null;
  },
};

const plain = [
  'From: Bob <bob@example.com>',
  'To: support@help.example.com',
  'Subject: Printer jams',
  'Message-ID: <human-1@example.com>',
  '',
  'Hello',
].join('\r\n');

async function parseWith(extraHeader: string, from = 'From: Bob <bob@example.com>') {
  return parseEmail(
    Buffer.from(plain.replace('From: Bob <bob@example.com>', `${from}\r\n${extraHeader}`.trim())),
  );
}

describe('C13 auto-acknowledgement ping-pong', () => {
  it.each(['C13-auto-ack-with-auto-headers.eml', 'C13-auto-ack-without-auto-headers.eml'])(
    'marks %s as automated and never auto-replies to it',
    async (file) => {
      const parsed = await parseEmail(readCase(file));

      const verdict = classifyAutomation(parsed, options);

      expect(verdict.automated).toBe(true);
      expect(mayAutoReply(parsed, options)).toBe(false);
    },
  );

  it.each(['C13-auto-ack-with-auto-headers.eml', 'C13-auto-ack-without-auto-headers.eml'])(
    'appends %s to the ticket of our acknowledgement',
    async (file) => {
      const parsed = await parseEmail(readCase(file));

      const decision = await decideThread({ mailbox: 'support', parsed }, ticket2050);

      expect(decision).toEqual({ action: 'append', ticketId: 2050, via: 'in-reply-to' });
    },
  );

  it('recognises a reply to our own acknowledgement when nothing else gives it away', async () => {
    const raw = replacing(
      readCase('C13-auto-ack-without-auto-headers.eml'),
      'noreply@vendor.example',
      'help@vendor.example',
    );
    const parsed = await parseEmail(raw);

    const verdict = classifyAutomation(parsed, options);

    expect(verdict).toMatchObject({ automated: true, kind: 'reply-to-our-auto' });
  });

  it('still flags the no-reply sender when our own ids are not known', async () => {
    const parsed = await parseEmail(readCase('C13-auto-ack-without-auto-headers.eml'));

    expect(classifyAutomation(parsed)).toMatchObject({ automated: true, kind: 'noreply-sender' });
  });
});

describe('classifyAutomation', () => {
  it('lets an ordinary customer mail through', async () => {
    const parsed = await parseWith('');

    expect(classifyAutomation(parsed)).toEqual({ automated: false, kind: null, reason: null });
    expect(mayAutoReply(parsed)).toBe(true);
  });

  it.each([
    ['Auto-Submitted: auto-generated', 'auto-reply'],
    ['X-Autoreply: yes', 'auto-reply'],
    ['X-Autorespond: vacation', 'auto-reply'],
    ['Precedence: bulk', 'list'],
    ['Precedence: junk', 'list'],
    ['Precedence: list', 'list'],
    ['List-Id: <users.lists.example.com>', 'list'],
    ['Return-Path: <>', 'bounce'],
    ['Content-Type: multipart/report; report-type=delivery-status; boundary=b', 'bounce'],
  ])('flags a mail with "%s" as %s', async (header, kind) => {
    const parsed = await parseWith(header);

    expect(classifyAutomation(parsed)).toMatchObject({ automated: true, kind });
  });

  it('does not flag Auto-Submitted: no', async () => {
    const parsed = await parseWith('Auto-Submitted: no');

    expect(classifyAutomation(parsed).automated).toBe(false);
  });

  it.each([
    ['From: MAILER-DAEMON@mx.example.com', 'bounce'],
    ['From: postmaster@example.com', 'bounce'],
    ['From: no-reply@shop.example', 'noreply-sender'],
    ['From: noreply@shop.example', 'noreply-sender'],
  ])('flags a mail sent %s as %s', async (from, kind) => {
    const parsed = await parseWith('', from);

    expect(classifyAutomation(parsed)).toMatchObject({ automated: true, kind });
  });

  it('recognises a bounce by its subject when no header says so', async () => {
    const parsed = await parseEmail(
      Buffer.from(plain.replace('Subject: Printer jams', 'Subject: Undeliverable: Printer jams')),
    );

    expect(classifyAutomation(parsed)).toMatchObject({ automated: true, kind: 'bounce' });
  });

  it('does not auto-reply when the sender asks for no auto-responses', async () => {
    const parsed = await parseWith('X-Auto-Response-Suppress: All');

    expect(mayAutoReply(parsed)).toBe(false);
  });

  it('flags the corpus delivery reports as bounces', async () => {
    const parsed = await parseEmail(
      readCase(
        '../corpus/zammad-mail/mail033-undelivered-mail-returned-to-sender-notification.eml',
      ),
    );

    expect(classifyAutomation(parsed)).toMatchObject({ automated: true, kind: 'bounce' });
  });
});
