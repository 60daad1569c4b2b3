// `npm run bench -- imap`: how many mails per second Casework ingests through IMAP end to end.
// It starts its own services (bench-services.ts) and its own Dovecot and Postfix
// (temporal/local/mail-servers.ts), APPENDs the shared corpus and cases repeated to N mails
// (each copy with a Message-ID of its own) into one mailbox, then runs the ticket worker and
// the mail process in this process and times the poller from its start until every mail is
// stored and filed away, and until every new ticket is in the read model.
// Settings: BENCH_MAILS (default 540), BENCH_MAIL_BATCH (50), BENCH_IMAP_PORT (17144),
// BENCH_SMTP_PORT (17026), and the BENCH_* service ports of bench-services.ts.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ImapFlow } from 'imapflow';
import pino from 'pino';
import { runMailProcess } from '../../channels/email/mail-process.ts';
import { upsertMailbox } from '../../channels/email/mailboxes.ts';
import { openOrm } from '../../db/orm.ts';
import { repoRoot } from '../../temporal/config.ts';
import { startMailServers } from '../../temporal/local/mail-servers.ts';
import { runWorker } from '../../temporal/worker.ts';
import { figure, formatTable } from './bench-report.ts';
import { startBenchServices } from './bench-services.ts';

const mailbox = 'bench@casework.test';
const sharedDir = path.resolve(repoRoot, '../shared');

/** Runs the bench and prints its figures; stops everything it started. */
export async function runImapBench(): Promise<void> {
  const mails = Number(process.env.BENCH_MAILS ?? 540);
  const batchSize = Number(process.env.BENCH_MAIL_BATCH ?? 50);
  const log = pino({ level: process.env.BENCH_DRIVER_LOG_LEVEL ?? 'warn' });

  const bench = await startBenchServices({ log });
  const stops: (() => Promise<void>)[] = [() => bench.services.stop()];
  try {
    const servers = await startMailServers({
      dataDir: bench.config.dataDir,
      imapPort: Number(process.env.BENCH_IMAP_PORT ?? 17144),
      smtpPort: Number(process.env.BENCH_SMTP_PORT ?? 17026),
      log,
    });
    stops.push(() => servers.stop());

    const raws = benchMails(mails);
    const appendBegan = performance.now();
    await appendAll(servers, raws);
    const appendMs = performance.now() - appendBegan;

    const worker = await runWorker({ config: bench.config, services: bench.services, log });
    stops.push(() => worker.stop());
    const orm = await openOrm({ databaseUrl: bench.services.databaseUrl, poolMax: 4 });
    stops.push(() => orm.close());
    const mailboxId = await upsertMailbox(orm.em.fork(), {
      address: mailbox,
      imap: {
        host: servers.host,
        port: servers.imapPort,
        user: mailbox,
        password: servers.password,
        tls: false,
      },
      smtp: { host: servers.host, port: servers.smtpPort, user: null, password: null, tls: false },
      acknowledgementsPerSenderPerHour: 0,
    });
    const mail = await runMailProcess({
      databaseUrl: bench.services.databaseUrl,
      temporalAddress: bench.services.temporalAddress,
      temporalNamespace: bench.services.temporalNamespace,
      ticketTaskQueue: bench.config.temporal.taskQueue,
      dataDir: bench.config.dataDir,
      log,
      pollIntervalMs: 200,
      batchSize,
      pollEnabledMailboxes: false,
      env: {},
    });
    stops.push(() => mail.stop());

    const began = performance.now();
    await mail.startPoller(mailboxId);
    const filedMs =
      (await waitFor(async () => {
        const [row] = await orm.em
          .fork()
          .execute('select last_uid from mailbox where id = ?', [mailboxId]);
        return Number(row!.last_uid) >= raws.length;
      })) - began;
    const projectedMs =
      (await waitFor(async () => {
        const [row] = await orm.em.fork().execute(
          `select count(*) filter (where t.id is null) as missing from
           (select distinct ticket_id from message where mailbox = ?) m
           left join ticket t on t.id = m.ticket_id`,
          [mailbox],
        );
        return Number(row!.missing) === 0;
      })) - began;

    const [tally] = await orm.em.fork().execute(
      `select count(*) as messages, count(distinct ticket_id) as tickets,
          count(*) filter (where automated_reason is not null) as automated
       from message where mailbox = ?`,
      [mailbox],
    );
    const [rejected] = await orm.em
      .fork()
      .execute('select count(*) as n from rejected_input where source like ?', [
        `imap://${mailbox}/%`,
      ]);

    console.log(
      `\nIMAP intake: ${raws.length} mails (corpus and cases repeated), batch ${batchSize}\n`,
    );
    console.log(
      formatTable(
        ['figure', 'value'],
        [
          ['mails appended over IMAP', `${raws.length} in ${figure(appendMs / 1000, 2)} s`],
          ['stored and filed away', `${figure(filedMs / 1000, 2)} s`],
          ['mails/s through IMAP (stored)', figure((raws.length * 1000) / filedMs)],
          ['all tickets in the read model', `${figure(projectedMs / 1000, 2)} s`],
          ['mails/s end to end (tickets projected)', figure((raws.length * 1000) / projectedMs)],
          ['messages stored', String(tally!.messages)],
          ['tickets', String(tally!.tickets)],
          ['automated', String(tally!.automated)],
          ['rejected (kept raw)', String(rejected!.n)],
          ['duplicates', String(raws.length - Number(tally!.messages) - Number(rejected!.n))],
        ],
      ),
    );
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}

/** The corpus and the cases, repeated to `count` mails, each copy with a Message-ID of its own. */
function benchMails(count: number): Buffer[] {
  const files = ['corpus/zammad-mail', 'cases'].flatMap((dir) =>
    readdirSync(path.join(sharedDir, dir))
      .filter((file) => file.endsWith('.eml'))
      .sort()
      .map((file) => readFileSync(path.join(sharedDir, dir, file))),
  );
  return Array.from({ length: count }, (_, n) => {
    const raw = files[n % files.length]!.toString('latin1');
    // The original id stays readable under another name; ours comes first, so it is the one used.
    const renamed = raw.replace(/^message-id:/gim, 'X-Original-Message-ID:');
    return Buffer.from(`Message-ID: <bench-${n}@bench.casework.test>\r\n${renamed}`, 'latin1');
  });
}

async function appendAll(
  servers: { host: string; imapPort: number; password: string },
  raws: Buffer[],
): Promise<void> {
  const client = new ImapFlow({
    host: servers.host,
    port: servers.imapPort,
    secure: false,
    auth: { user: mailbox, pass: servers.password },
    logger: false,
  });
  await client.connect();
  try {
    for (const raw of raws) await client.append('INBOX', raw);
  } finally {
    await client.logout();
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 600_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error('the IMAP bench did not finish in time');
    await sleep(50);
  }
  return performance.now();
}
