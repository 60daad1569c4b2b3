// The weekly triage mail end to end on real Temporal and PostgreSQL: the `weekly-triage-mail`
// Schedule (Monday 08:00, Berlin) starts the workflow, whose activity composes the triage and
// puts one mail to every lead in the outbound mail outbox; the same run's key never mails
// twice, and with no mailbox to send from the run fails for good with the reason.
// A private database and a worker of the file's own keep the outbox rows this test's alone.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import pino from 'pino';
import { OutboundMailError } from '../../channels/email/outbound/outbox.ts';
import type { Orm } from '../../db/orm.ts';
import { createMeili } from '../../search/client.ts';
import { sendWeeklyTriageMail } from '../../reports/triage-mail.ts';
import {
  createWeeklyTriageActivities,
  ensureWeeklyTriageSchedule,
  weeklyTriageScheduleId,
} from '../../reports/triage-schedule.ts';
import { workflowsPath } from '../../temporal/worker.ts';
import { installTemporalRuntime } from '../../temporal/runtime-logging.ts';
import { createTestDatabase, requiredEnv } from '../search/support.ts';
import { eventually } from '../support/stack.ts';

const quiet = pino({ level: 'silent' });
const meili = createMeili({
  url: requiredEnv('MEILI_URL'),
  masterKey: requiredEnv('MEILI_MASTER_KEY'),
});
// An index no one creates: the knowledge base is empty, so every ticket of the week is a gap.
const emptyKbIndex = `kb_articles_none_${randomUUID().slice(0, 8)}`;

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let orm: Orm;
let client: Client;
let connection: Connection;
let workerConnection: NativeConnection;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `weekly-triage-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  installTemporalRuntime(quiet);
  database = await createTestDatabase();
  orm = database.orm;
  await seedLeadsMailboxAndStuckTicket();

  const address = process.env.TEMPORAL_ADDRESS!;
  connection = await Connection.connect({ address });
  client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
  workerConnection = await NativeConnection.connect({ address });
  worker = await Worker.create({
    connection: workerConnection,
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue,
    workflowsPath,
    activities: createWeeklyTriageActivities({ orm, meili, kbIndexUid: emptyKbIndex, log: quiet }),
  });
  running = worker.run();
}, 120_000);

afterAll(async () => {
  await client?.schedule
    .getHandle(weeklyTriageScheduleId)
    .delete()
    .catch(() => undefined);
  worker?.shutdown();
  await running;
  await workerConnection?.close();
  await connection?.close();
  await database?.drop();
});

describe('weekly triage mail', () => {
  it('runs from a Monday 08:00 Berlin schedule and mails every lead the stuck tickets and gaps', async () => {
    await ensureWeeklyTriageSchedule({ client, taskQueue, log: quiet });
    const schedule = client.schedule.getHandle(weeklyTriageScheduleId);
    const described = await schedule.describe();
    expect(described.spec.timezone).toBe('Europe/Berlin');
    expect(described.spec.calendars?.[0]).toMatchObject({
      dayOfWeek: [{ start: 'MONDAY', end: 'MONDAY', step: 1 }],
      hour: [{ start: 8, end: 8, step: 1 }],
    });

    await schedule.trigger();
    const mail = await eventually(
      'the scheduled run to enqueue the triage mail',
      async () => {
        const rows: MailRow[] = await orm.em
          .fork()
          .execute(
            `select kind, to_addresses, subject, text, dedupe_key from outbound_mail where kind = 'report'`,
          );
        return rows.length > 0 ? rows[0] : null;
      },
      30_000,
    );

    expect(mail).toMatchObject({
      kind: 'report',
      to_addresses: ['lena.lead@example.test'],
      subject: 'Weekly triage: 1 stuck ticket, 1 knowledge gap',
    });
    expect(mail!.dedupe_key).toMatch(/^weekly-triage:\d{4}-\d{2}-\d{2}T\d{2}$/);
    expect(mail!.text).toContain('Left alone since Monday');
  });

  it('mails once per key, however often the run is retried', async () => {
    const send = () =>
      sendWeeklyTriageMail({
        orm,
        meili,
        now: new Date(),
        dedupeKey: 'weekly-triage:test-once',
        kbIndexUid: emptyKbIndex,
        log: quiet,
      });
    const first = await send();
    const second = await send();

    expect(first).toMatchObject({ recipients: 1, stuckTickets: 1, duplicate: false });
    expect(second).toMatchObject({ outboundMailId: first.outboundMailId, duplicate: true });
  });

  it('refuses for good, with the reason, when no mailbox can send it', async () => {
    await orm.em.fork().execute('update mailbox set enabled = false');

    await expect(
      sendWeeklyTriageMail({
        orm,
        meili,
        now: new Date(),
        dedupeKey: 'weekly-triage:no-mailbox',
        kbIndexUid: emptyKbIndex,
        log: quiet,
      }),
    ).rejects.toBeInstanceOf(OutboundMailError);
  });
});

interface MailRow {
  kind: string;
  to_addresses: string[];
  subject: string;
  text: string;
  dedupe_key: string;
}

async function seedLeadsMailboxAndStuckTicket(): Promise<void> {
  const db = orm.em.getConnection();
  const [lead] = await db.execute<{ id: number }[]>(
    `insert into agent (name, email) values ('Lena Lead', 'lena.lead@example.test') returning id`,
  );
  const [agent] = await db.execute<{ id: number }[]>(
    `insert into agent (name, email) values ('Omar Agent', 'omar@example.test') returning id`,
  );
  await db.execute(
    `insert into agent_account (agent_id, password_hash, roles)
     values (?, 'not-used', '{agent,lead}'), (?, 'not-used', '{agent}')`,
    [lead!.id, agent!.id],
  );
  await db.execute(
    `insert into mailbox (address, imap_host, imap_port, imap_user, imap_password, smtp_host,
       smtp_port, is_default)
     values ('support@example.test', '127.0.0.1', 1, 'u', 'p', '127.0.0.1', 1, true)`,
  );
  const [requester] = await db.execute<{ id: number }[]>(
    `insert into requester (name, email) values ('Pat Doe', 'pat@example.test') returning id`,
  );
  const [ticket] = await db.execute<{ id: string }[]>(
    `insert into ticket (id, subject, status, priority, channel, requester_id, created_at,
       updated_at, last_activity_at, version)
     values (nextval('ticket_number_seq'), 'Left alone since Monday', 'open', 'normal', 'email', ?,
       now() - interval '3 days', now() - interval '3 days', now() - interval '3 days', 1)
     returning id`,
    [requester!.id],
  );
  await db.execute(
    `insert into message (ticket_id, kind, channel, author_kind, requester_id, text,
       idempotency_key, created_at)
     values (?, 'inbound', 'email', 'requester', ?, 'Nobody has looked at this yet.', ?,
       now() - interval '3 days')`,
    [Number(ticket!.id), requester!.id, `triage-mail-${randomUUID()}`],
  );
}
