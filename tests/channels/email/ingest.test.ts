// Email intake against the real stack (PostgreSQL, Temporal and a worker on this file's own task
// queue): the shared zammad corpus and the C07, C13 and C15 cases go through ingestRawEmail byte
// for byte. Each test uses mailboxes of its own, so runs share one database without meeting.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ingestRawEmail, type EmailIngestResult } from '../../../channels/email/email-intake.ts';
import { setStatusUpdate } from '../../../workflows/ticket/messages.ts';
import { ticketWorkflowId } from '../../../workflows/ticket/workflow-id.ts';
import { eventually, startTestStack, type TestStack } from '../../support/stack.ts';
import { readCase } from './cases-helpers.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const corpusDir = path.resolve(repoRoot, '../shared/corpus/zammad-mail');
const corpusFiles = readdirSync(corpusDir)
  .filter((file) => file.endsWith('.eml'))
  .sort()
  .map((file) => path.join(corpusDir, file));

type Row = Record<string, unknown>;

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ name: 'ingest-test' });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** A mailbox no other test or earlier run has used. */
function freshMailbox(name: string): string {
  return `${name}-${randomBytes(4).toString('hex')}@casework.example`;
}

function ingest(raw: Buffer, mailbox: string, source = 'test'): Promise<EmailIngestResult> {
  const { orm, intake, blobs, log } = stack;
  return ingestRawEmail({ raw, mailbox, source }, { orm, intake, blobs, log });
}

async function query(sql: string, params: unknown[] = []): Promise<Row[]> {
  return stack.orm.em.fork().execute(sql, params);
}

async function ticketRow(ticketId: number): Promise<Row | null> {
  const rows = await query('select * from ticket where id = ?', [ticketId]);
  return rows[0] ?? null;
}

async function ticketsIn(mailbox: string): Promise<number[]> {
  const rows = await query('select distinct ticket_id from message where mailbox = ?', [mailbox]);
  return rows.map((row) => Number(row.ticket_id)).sort();
}

async function messageCountIn(mailbox: string): Promise<number> {
  const rows = await query('select count(*) as n from message where mailbox = ?', [mailbox]);
  return Number(rows[0]!.n);
}

function plainMail(headers: Record<string, string>, body: string): Buffer {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  const mime = ['MIME-Version: 1.0', 'Content-Type: text/plain; charset=us-ascii'];
  return Buffer.from([...lines, ...mime, '', body, ''].join('\r\n'));
}

/** The C07 context: alice's first mail about the printer, as our ticket's opening message. */
function printerOriginal(): Buffer {
  return plainMail(
    {
      From: 'Alice Example <alice@example.com>',
      To: 'Support <support@help.example.com>',
      Subject: 'Printer on 3rd floor jams',
      Date: 'Mon, 03 Mar 2025 15:48:00 +0100',
      'Message-ID': '<CA+orig-1042@mail.example.com>',
    },
    'The printer on the 3rd floor jams on every second page.',
  );
}

describe('ingestRawEmail', () => {
  it('files every corpus mail as a ticket or a logged rejection, and a second run adds nothing', async () => {
    const mailbox = freshMailbox('corpus');

    const first: EmailIngestResult[] = [];
    for (const file of corpusFiles) first.push(await ingest(readFileSync(file), mailbox, file));

    for (const [index, result] of first.entries()) {
      if (result.outcome === 'rejected') {
        const logged = await query('select reason from rejected_input where source = ?', [
          corpusFiles[index],
        ]);
        expect(logged.map((row) => row.reason)).toContain(result.reason);
      } else {
        expect(result.ticketId).toEqual(expect.any(Number));
      }
    }
    const created = first.filter((result) => result.outcome === 'created');
    expect(created.length).toBeGreaterThan(0);
    for (const result of created) {
      await eventually(`ticket ${result.ticketId}`, () => ticketRow(result.ticketId!), 60_000);
    }
    const ticketsAfterFirstRun = await ticketsIn(mailbox);
    const messagesAfterFirstRun = await messageCountIn(mailbox);

    const second: EmailIngestResult[] = [];
    for (const file of corpusFiles) second.push(await ingest(readFileSync(file), mailbox, file));

    expect(second.every((r) => r.outcome === 'duplicate' || r.outcome === 'rejected')).toBe(true);
    expect(second.map((r) => r.ticketId)).toEqual(first.map((r) => r.ticketId));
    expect(await ticketsIn(mailbox)).toEqual(ticketsAfterFirstRun);
    expect(await messageCountIn(mailbox)).toBe(messagesAfterFirstRun);
  }, 240_000);

  it('makes one ticket, one message and one workflow of the same mail fetched twice (C15)', async () => {
    const support = freshMailbox('support');
    const raw = readCase('C15-same-message-twice.eml');

    const first = await ingest(raw, support);
    const again = await ingest(raw, support);

    expect(first.outcome).toBe('created');
    expect(again).toMatchObject({ outcome: 'duplicate', ticketId: first.ticketId });
    expect(await ticketsIn(support)).toEqual([first.ticketId]);
    expect(await messageCountIn(support)).toBe(1);
    const handle = stack.temporal.client.workflow.getHandle(ticketWorkflowId(first.ticketId!));
    const workflow = await handle.describe();
    expect(workflow.status.name).toBe('RUNNING');
    await eventually('the ticket row', () => ticketRow(first.ticketId!));
  });

  it('opens a second ticket when the same mail reaches a second mailbox (C15)', async () => {
    const support = freshMailbox('support');
    const billing = freshMailbox('billing');
    const raw = readCase('C15-same-message-twice.eml');

    const inSupport = await ingest(raw, support);
    const inBilling = await ingest(raw, billing);

    expect(inSupport.outcome).toBe('created');
    expect(inBilling.outcome).toBe('created');
    expect(inBilling.ticketId).not.toBe(inSupport.ticketId);
    expect(await ticketsIn(billing)).toEqual([inBilling.ticketId]);
  });

  it('keeps a reused Message-ID with another body as a new message and says so (C15)', async () => {
    const support = freshMailbox('support');
    const raw = readCase('C15-same-message-twice.eml');
    const otherBody = Buffer.from(raw.toString('latin1').replace('2 x 49.00', '3 x 49.00'));

    await ingest(raw, support);
    const reused = await ingest(otherBody, support);
    const reusedAgain = await ingest(otherBody, support);

    expect(reused.outcome).toBe('created');
    expect(reused.problems.join('\n')).toMatch(/message-id: reused/);
    expect(reusedAgain).toMatchObject({ outcome: 'duplicate', ticketId: reused.ticketId });
    expect(await messageCountIn(support)).toBe(2);
  });

  it('threads a reply and a forward onto the ticket by their headers, whatever the prefix (C07)', async () => {
    const support = freshMailbox('support');
    const original = await ingest(printerOriginal(), support);

    const reply = await ingest(readCase('C07-reply-sv-no-tag.eml'), support);
    const forward = await ingest(readCase('C07-fwd-with-references.eml'), support);

    expect(original.outcome).toBe('created');
    expect(reply).toMatchObject({ outcome: 'appended', ticketId: original.ticketId });
    expect(reply.via).toBe('references');
    expect(forward).toMatchObject({ outcome: 'appended', ticketId: original.ticketId });
    expect(forward.via).toBe('in-reply-to');
    expect(await ticketsIn(support)).toEqual([original.ticketId]);
  });

  it("opens a new ticket in billing for carol's WG forward of the same subject (C07)", async () => {
    const support = freshMailbox('support');
    const billing = freshMailbox('billing');
    const original = await ingest(printerOriginal(), support);

    const forward = await ingest(readCase('C07-forward-wg-unrelated.eml'), billing);

    expect(forward.outcome).toBe('created');
    expect(forward.ticketId).not.toBe(original.ticketId);
    expect(await ticketsIn(support)).toEqual([original.ticketId]);
  });

  it("never posts a stranger's mail into a ticket whose tag it quotes", async () => {
    const support = freshMailbox('support');
    const original = await ingest(printerOriginal(), support);
    const tagged = `Re: [#${original.ticketId}] Printer on 3rd floor jams`;
    const fromStranger = plainMail(
      { From: 'Mallory <mallory@example.net>', Subject: tagged, 'Message-ID': '<m-1@example.net>' },
      'Please send me the printer lease contract.',
    );
    const fromAlice = plainMail(
      { From: 'Alice Example <alice@example.com>', Subject: tagged, 'Message-ID': '<a-2@x.com>' },
      'Still jamming.',
    );

    const stranger = await ingest(fromStranger, support);
    const participant = await ingest(fromAlice, support);

    expect(stranger.outcome).toBe('created');
    expect(stranger.ticketId).not.toBe(original.ticketId);
    expect(stranger.reason).toMatch(/not a participant/);
    expect(participant).toMatchObject({ outcome: 'appended', via: 'subject-tag' });
    expect(participant.ticketId).toBe(original.ticketId);
  });

  it('files an auto-ack on its resolved ticket as automated without reopening it (C13)', async () => {
    const support = freshMailbox('support');
    const ticketId = await resolvedVendorTicket(support);

    const withHeaders = await ingest(readCase('C13-auto-ack-with-auto-headers.eml'), support);
    const withoutHeaders = await ingest(readCase('C13-auto-ack-without-auto-headers.eml'), support);

    for (const result of [withHeaders, withoutHeaders]) {
      expect(result).toMatchObject({ outcome: 'appended', ticketId, automated: true });
    }
    await eventually('both acks on the timeline', async () => {
      const rows = await query(
        `select count(*) as n from ticket_event
         where ticket_id = ? and kind = 'customer_message' and actor = 'automated'`,
        [ticketId],
      );
      return Number(rows[0]!.n) === 2;
    });
    expect((await ticketRow(ticketId))?.status).toBe('resolved');
    expect(await ticketsIn(support)).toEqual([ticketId]);
    const kinds = await query(
      "select kind from message where ticket_id = ? and author_kind = 'requester' order by id",
      [ticketId],
    );
    expect(kinds.map((row) => row.kind)).toEqual(['automated', 'automated', 'automated']);
  });

  it('keeps a malformed mail, reports it, and the next mail is still filed', async () => {
    const mailbox = freshMailbox('support');
    const garbage = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37 + 11) % 256));
    garbage.write('\x89PNG\r\n\x1a\n', 0, 'latin1');
    const batch = [Buffer.alloc(0), garbage, readCase('C15-same-message-twice.eml')];

    const results: EmailIngestResult[] = [];
    for (const [index, raw] of batch.entries()) {
      results.push(await ingest(raw, mailbox, `malformed-${mailbox}-${index}`));
    }

    expect(results.map((r) => r.outcome)).toEqual(['rejected', 'rejected', 'created']);
    for (const index of [0, 1]) {
      const [logged] = await query(
        'select raw_blob_key, reason from rejected_input where source = ?',
        [`malformed-${mailbox}-${index}`],
      );
      expect(logged?.reason).toBe(results[index]!.reason);
      expect(await stack.blobs.get(String(logged!.raw_blob_key))).toEqual(batch[index]);
    }
  });

  it('files a mail without any From under an unknown sender with no address', async () => {
    const mailbox = freshMailbox('support');
    const raw = plainMail({ Subject: 'Who am I', 'Message-ID': '<anon-1@example.org>' }, 'Hello?');

    const result = await ingest(raw, mailbox);

    expect(result.outcome).toBe('created');
    const [requester] = await query(
      'select r.name, r.email from message m join requester r on r.id = m.requester_id where m.ticket_id = ?',
      [result.ticketId],
    );
    expect(requester).toEqual({ name: 'Unknown sender', email: null });
  });
});

/**
 * The C13 context: ticket "#2050" opened by the vendor's no-reply address, our acknowledgement
 * stored as the system's automated message (mail-out will write these), then resolved.
 */
async function resolvedVendorTicket(mailbox: string): Promise<number> {
  const opening = plainMail(
    {
      From: 'Vendor Support <noreply@vendor.example>',
      Subject: 'Shipment 8812 delayed',
      'Message-ID': '<ship-8812@vendor.example>',
    },
    'Shipment 8812 is delayed by two days.',
  );
  const { ticketId } = await ingest(opening, mailbox);
  await eventually('the vendor ticket row', () => ticketRow(ticketId!));

  await query(
    `insert into message (ticket_id, kind, channel, author_kind, text, mailbox, message_id_header,
        idempotency_key, created_at)
     values (?, 'automated', 'email', 'system', 'We received your request.', ?, ?, ?, now())`,
    [ticketId, mailbox, 'autoreply-2050-1@help.example.com', `test-ack:${mailbox}`],
  );
  await stack.temporal.client.workflow
    .getHandle(ticketWorkflowId(ticketId!))
    .executeUpdate(setStatusUpdate, { args: [{ status: 'resolved', byAgentId: null }] });
  await eventually('the resolved ticket row', async () => {
    return (await ticketRow(ticketId!))?.status === 'resolved';
  });
  return ticketId!;
}
