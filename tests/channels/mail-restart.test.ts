// The mailbox poller survives a crash: a mail process in a child process is killed with SIGKILL
// in the middle of a batch, another one takes over on the same task queue, and every mail is
// filed exactly once (no loss, no double) and filed away on the IMAP server.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { RunningMailProcess } from '../../channels/email/mail-process.ts';
import { eventually, startTestStack, type TestStack } from '../support/stack.ts';
import {
  appendMails,
  countIn,
  createTestMailbox,
  freshAddress,
  startTestMailProcess,
  testMailServer,
  type TestMailServer,
} from './mail-support.ts';

type Row = Record<string, unknown>;

const mailCount = 60;
const batchSize = 20;
const heartbeatTimeoutMs = 3_000;

let server: TestMailServer;
let stack: TestStack;
let child: ChildProcess | undefined;
let takeover: RunningMailProcess | undefined;

beforeAll(async () => {
  server = testMailServer();
  stack = await startTestStack({ name: 'mail-restart' });
}, 120_000);

afterAll(async () => {
  child?.kill('SIGKILL');
  await takeover?.stop();
  await stack?.stop();
});

function query(sql: string, params: unknown[] = []): Promise<Row[]> {
  return stack.orm.em.fork().execute(sql, params);
}

function numberedMail(to: string, n: number): Buffer {
  return Buffer.from(
    [
      `From: customer-${n}@customer.test`,
      `To: ${to}`,
      `Subject: Order ${n} arrived damaged`,
      `Message-ID: <restart-${n}-${randomBytes(4).toString('hex')}@customer.test>`,
      'Content-Type: text/plain; charset=us-ascii',
      '',
      `The parcel of order ${n} was crushed.`,
      '',
    ].join('\r\n'),
  );
}

function startChild(settings: Record<string, unknown>): Promise<ChildProcess> {
  const script = path.join(import.meta.dirname, 'mail-worker-child.ts');
  const started = spawn(process.execPath, [script], {
    env: { ...process.env, MAIL_CHILD_SETTINGS: JSON.stringify(settings) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    started.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('mail child polling')) resolve(started);
    });
    started.once('exit', (code) => reject(new Error(`the mail child exited with ${code}`)));
  });
}

async function filed(mailbox: string): Promise<{ messages: number; tickets: number }> {
  const [row] = await query(
    'select count(*) as messages, count(distinct ticket_id) as tickets from message where mailbox = ?',
    [mailbox],
  );
  return { messages: Number(row!.messages), tickets: Number(row!.tickets) };
}

describe('the mailbox poller across a crash', () => {
  it('files every mail exactly once when its worker is killed mid-batch', async () => {
    const support = freshAddress('support');
    const mailboxId = await createTestMailbox(stack, server, {
      address: support,
      acknowledgementsPerSenderPerHour: 0,
    });
    await appendMails(
      server,
      support,
      Array.from({ length: mailCount }, (_, n) => numberedMail(support, n + 1)),
    );
    const mailTaskQueue = `mail-restart-${randomBytes(4).toString('hex')}`;

    child = await startChild({
      databaseUrl: stack.services.databaseUrl,
      temporalAddress: stack.services.temporalAddress,
      temporalNamespace: stack.services.temporalNamespace,
      ticketTaskQueue: stack.config.temporal.taskQueue,
      dataDir: stack.services.dataDir,
      mailTaskQueue,
      mailboxId,
      batchSize,
      heartbeatTimeoutMs,
    });
    const before = await eventually(
      'the first mails filed',
      async () => {
        const now = await filed(support);
        return now.messages >= 3 ? now : null;
      },
      60_000,
    );
    child.kill('SIGKILL');
    takeover = await startTestMailProcess(stack, { mailTaskQueue, batchSize, heartbeatTimeoutMs });
    const after = await eventually(
      'every mail filed after the takeover',
      async () => {
        const now = await filed(support);
        const inbox = await countIn(server, support, 'INBOX');
        return now.messages >= mailCount && inbox === 0 ? now : null;
      },
      90_000,
    );

    expect(before.messages).toBeLessThan(mailCount);
    expect(after).toEqual({ messages: mailCount, tickets: mailCount });
    expect(await countIn(server, support, 'Processed')).toBe(mailCount);
  }, 180_000);
});
