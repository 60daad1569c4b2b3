// Helpers for the mail tests: the Dovecot and Postfix that `npm test` started
// (temporal/local/mail-servers.ts), a mail process on this file's own task queues, mailboxes
// with addresses no other test uses, and small IMAP and SMTP clients to play the customer.
import { randomBytes } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { runMailProcess, type RunningMailProcess } from '../../channels/email/mail-process.ts';
import { upsertMailbox } from '../../channels/email/mailboxes.ts';
import type { TestStack } from '../support/stack.ts';

export interface TestMailServer {
  host: string;
  imapPort: number;
  smtpPort: number;
  password: string;
}

/** The servers `npm test` started; fails with the reason they are missing. */
export function testMailServer(): TestMailServer {
  const env = process.env;
  if (env.CASEWORK_TEST_MAIL_UNAVAILABLE) {
    throw new Error(`mail servers unavailable: ${env.CASEWORK_TEST_MAIL_UNAVAILABLE}`);
  }
  if (!env.CASEWORK_TEST_IMAP_PORT || !env.CASEWORK_TEST_MAIL_PASSWORD) {
    throw new Error('CASEWORK_TEST_IMAP_PORT is not set: run the mail tests with `npm test`');
  }
  return {
    host: env.CASEWORK_TEST_MAIL_HOST ?? '127.0.0.1',
    imapPort: Number(env.CASEWORK_TEST_IMAP_PORT),
    smtpPort: Number(env.CASEWORK_TEST_SMTP_PORT),
    password: env.CASEWORK_TEST_MAIL_PASSWORD,
  };
}

/** An address of `domain` that no other test or run has used. */
export function freshAddress(name: string, domain = 'casework.test'): string {
  return `${name}-${randomBytes(4).toString('hex')}@${domain}`;
}

// Mailboxes this file created: its mail process sends only their mail, never another file's.
const ownAddresses = new Set<string>();

/** A mailbox row for `address` on the test servers; answers its id. */
export async function createTestMailbox(
  stack: TestStack,
  server: TestMailServer,
  options: {
    address: string;
    acknowledgementsPerSenderPerHour?: number;
    folder?: string;
    /** Another port for SMTP, e.g. one that does not speak it. */
    smtpPort?: number;
  },
): Promise<number> {
  ownAddresses.add(options.address.toLowerCase());
  const account = { host: server.host, user: options.address, password: server.password };
  return upsertMailbox(stack.orm.em.fork(), {
    address: options.address,
    imap: { ...account, port: server.imapPort, tls: false },
    smtp: {
      ...account,
      port: options.smtpPort ?? server.smtpPort,
      tls: false,
      user: null,
      password: null,
    },
    acknowledgementsPerSenderPerHour: options.acknowledgementsPerSenderPerHour,
    folder: options.folder,
  });
}

/** A mail process whose tickets start on the stack's task queue; pollers are started by hand. */
export async function startTestMailProcess(
  stack: TestStack,
  options: {
    batchSize?: number;
    maxMessageBytes?: number;
    mailTaskQueue?: string;
    heartbeatTimeoutMs?: number;
  } = {},
): Promise<RunningMailProcess> {
  return runMailProcess({
    databaseUrl: stack.services.databaseUrl,
    temporalAddress: stack.services.temporalAddress,
    temporalNamespace: stack.services.temporalNamespace,
    ticketTaskQueue: stack.config.temporal.taskQueue,
    dataDir: stack.services.dataDir,
    log: stack.log,
    mailTaskQueue: options.mailTaskQueue ?? `mail-${randomBytes(4).toString('hex')}`,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs,
    pollIntervalMs: 250,
    senderIdleMs: 250,
    retry: { firstDelayMs: 200, maxDelayMs: 1_000, maxAttempts: 3 },
    batchSize: options.batchSize,
    maxMessageBytes: options.maxMessageBytes,
    pollEnabledMailboxes: false,
    onlyFrom: () => [...ownAddresses],
    env: {},
  });
}

/** Logs in to a test mailbox as its owner (any address of the test domains exists). */
export async function openImap(server: TestMailServer, address: string): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: server.host,
    port: server.imapPort,
    secure: false,
    auth: { user: address, pass: server.password },
    logger: false,
    disableAutoIdle: true,
  });
  await client.connect();
  return client;
}

/** Puts raw mails straight into a mailbox's INBOX, as the mail server's delivery would. */
export async function appendMails(
  server: TestMailServer,
  address: string,
  raws: Buffer[],
  folder = 'INBOX',
): Promise<void> {
  const client = await openImap(server, address);
  try {
    for (const raw of raws) await client.append(folder, raw);
  } finally {
    await client.logout();
  }
}

/**
 * Deletes a folder and creates it again, as a server restore or migration does: the new folder
 * has another UIDVALIDITY and numbers its mail from UID 1 again. Answers the new UIDVALIDITY.
 */
export async function recreateFolder(
  server: TestMailServer,
  address: string,
  folder: string,
): Promise<bigint> {
  const client = await openImap(server, address);
  try {
    await client.mailboxDelete(folder);
    // Dovecot takes UIDVALIDITY from the clock in seconds: let it tick.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await client.mailboxCreate(folder);
    const status = await client.status(folder, { uidValidity: true });
    return BigInt(status ? (status.uidValidity ?? 0n) : 0n);
  } finally {
    await client.logout();
  }
}

/** How many mails a folder holds, or 0 when it does not exist yet. */
export async function countIn(
  server: TestMailServer,
  address: string,
  folder: string,
): Promise<number> {
  const client = await openImap(server, address);
  try {
    const status = await client.status(folder, { messages: true }).catch(() => null);
    return status ? (status.messages ?? 0) : 0;
  } finally {
    await client.logout();
  }
}

/** How many mails of a folder carry the \Seen flag. */
export async function seenIn(
  server: TestMailServer,
  address: string,
  folder: string,
): Promise<number> {
  const client = await openImap(server, address);
  try {
    const lock = await client.getMailboxLock(folder);
    try {
      const seen = await client.search({ seen: true }, { uid: true });
      return seen ? seen.length : 0;
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

/** The raw sources of every mail in a folder, oldest first. */
export async function readFolder(
  server: TestMailServer,
  address: string,
  folder = 'INBOX',
): Promise<Buffer[]> {
  const client = await openImap(server, address);
  try {
    const lock = await client.getMailboxLock(folder);
    try {
      if (!client.mailbox || client.mailbox.exists === 0) return [];
      const messages = await client.fetchAll('1:*', { source: true });
      return messages.map((message) => message.source!).filter(Boolean);
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

/** Sends a mail through the test Postfix, as a customer's mail client would. */
export async function sendAsCustomer(server: TestMailServer, mail: SendMailOptions): Promise<void> {
  const transport = nodemailer.createTransport({
    host: server.host,
    port: server.smtpPort,
    secure: false,
    ignoreTLS: true,
  });
  try {
    await transport.sendMail(mail);
  } finally {
    transport.close();
  }
}
