// The `mail` process (DESIGN.md): a Temporal worker on the mail task queue running one
// mailbox poller workflow per enabled mailbox and their IMAP activities, plus the outbound
// mail sender loop that drains the SMTP outbox. It files tickets through the same intake as
// every other channel, so ticket workflows start on the ticket task queue and run on the
// ticket worker. `npm start` runs it beside the worker (temporal/cli/start.ts); in production
// it is its own process (`npm run mail`). The demo mailbox comes from CASEWORK_MAILBOX_*
// (mailboxes.ts) and is seeded only when configured.
// Tests: tests/channels/mail-imap-intake.test.ts, tests/e2e/mail-round-trip.test.ts.
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { WorkflowIdConflictPolicy } from '@temporalio/client';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Logger } from 'pino';
import { createMailActivities } from '../../activities/mail-activities.ts';
import { createFolderBlobStore, type BlobStore } from '../../db/blob-store.ts';
import { openOrm, type Orm } from '../../db/orm.ts';
import { connectTemporalClient, type TemporalClientHandle } from '../../temporal/client.ts';
import type { CaseworkConfig } from '../../temporal/config.ts';
import { installTemporalRuntime } from '../../temporal/runtime-logging.ts';
import {
  mailboxPollerWorkflow,
  mailboxPollerWorkflowId,
  mailTaskQueue,
} from '../../workflows/mail/mailbox-poller.ts';
import { createIntake } from '../intake.ts';
import { listEnabledMailboxes, mailboxFromEnv, upsertMailbox } from './mailboxes.ts';
import { startOutboundMailSender, type RetryPolicy } from './outbound/outbox-sender.ts';

const mailWorkflowsPath = fileURLToPath(new URL('../../workflows/mail/index.ts', import.meta.url));

export interface MailProcessOptions {
  databaseUrl: string;
  temporalAddress: string;
  temporalNamespace: string;
  /** Where intake starts ticket workflows. */
  ticketTaskQueue: string;
  dataDir: string;
  log: Logger;
  /** The pollers' task queue; tests give each file its own. */
  mailTaskQueue?: string;
  pollIntervalMs?: number;
  batchSize?: number;
  senderIdleMs?: number;
  /** How soon a poll whose worker died is retried on another worker (default 60 s). */
  heartbeatTimeoutMs?: number;
  retry?: RetryPolicy;
  /** A mail over this size is kept raw and rejected with a clear reason (default 25 MB). */
  maxMessageBytes?: number;
  /** Sends only mail from these addresses; tests sharing one database send only their own. */
  onlyFrom?: () => string[];
  /** Start a poller for every enabled mailbox (default); tests start their own. */
  pollEnabledMailboxes?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface RunningMailProcess {
  orm: Orm;
  temporal: TemporalClientHandle;
  blobs: BlobStore;
  taskQueue: string;
  /** Starts (or finds running) the poller of a mailbox; answers its workflow id. */
  startPoller(mailboxId: number): Promise<string>;
  stop(): Promise<void>;
}

/** The settings `npm start` hands the mail process from Casework's configuration. */
export function mailProcessSettings(config: CaseworkConfig): {
  ticketTaskQueue: string;
  dataDir: string;
} {
  return { ticketTaskQueue: config.temporal.taskQueue, dataDir: config.dataDir };
}

/** Starts the mail worker, the outbound sender and a poller per enabled mailbox. */
export async function runMailProcess(options: MailProcessOptions): Promise<RunningMailProcess> {
  const { log } = options;
  installTemporalRuntime(log);
  const taskQueue = options.mailTaskQueue ?? mailTaskQueue;
  const orm = await openOrm({ databaseUrl: options.databaseUrl, poolMax: 10 });
  const temporal = await connectTemporalClient({
    address: options.temporalAddress,
    namespace: options.temporalNamespace,
  });
  const blobs = createFolderBlobStore({ root: path.join(options.dataDir, 'blobs') });
  const intake = createIntake({
    orm,
    temporal: temporal.client,
    taskQueue: options.ticketTaskQueue,
    blobs,
    log,
  });

  const connection = await NativeConnection.connect({ address: options.temporalAddress });
  const worker = await Worker.create({
    connection,
    namespace: options.temporalNamespace,
    taskQueue,
    workflowBundle: await bundleMailWorkflows(log),
    activities: createMailActivities({
      orm,
      intake,
      blobs,
      log,
      maxMessageBytes: options.maxMessageBytes ?? maxMessageBytesFromEnv(options.env),
    }),
  });
  const running = worker.run();
  const sender = startOutboundMailSender({
    orm,
    blobs,
    log,
    idleMs: options.senderIdleMs,
    retry: options.retry,
    onlyFrom: options.onlyFrom,
  });

  const startPoller = async (mailboxId: number) => {
    const workflowId = mailboxPollerWorkflowId(mailboxId);
    await temporal.client.workflow.start(mailboxPollerWorkflow, {
      workflowId,
      taskQueue,
      args: [
        {
          mailboxId,
          pollIntervalMs: options.pollIntervalMs ?? 15_000,
          batchSize: options.batchSize ?? 50,
          heartbeatTimeoutMs: options.heartbeatTimeoutMs,
        },
      ],
      // A poller already running (after a restart of this process) is the one to keep.
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    });
    return workflowId;
  };

  await seedConfiguredMailbox(orm, options.env ?? process.env, log);
  const mailboxes =
    options.pollEnabledMailboxes === false ? [] : await listEnabledMailboxes(orm.em.fork());
  for (const mailbox of mailboxes) {
    await startPoller(mailbox.id);
    log.info({ mailboxId: mailbox.id }, 'mailbox poller running');
  }
  log.info({ taskQueue }, 'mail process started');

  return {
    orm,
    temporal,
    blobs,
    taskQueue,
    startPoller,
    async stop() {
      await sender.stop();
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
      await temporal.close();
      await orm.close();
      log.info('mail process stopped');
    },
  };
}

/** CASEWORK_MAIL_MAX_BYTES, or undefined for the default. */
function maxMessageBytesFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.CASEWORK_MAIL_MAX_BYTES?.trim();
  if (!raw) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1024) {
    throw new Error(
      `CASEWORK_MAIL_MAX_BYTES must be a number of bytes (at least 1024), got "${raw}".`,
    );
  }
  return Number(raw);
}

/** The demo mailbox, only when CASEWORK_MAILBOX_ADDRESS is set; its password is never logged. */
async function seedConfiguredMailbox(orm: Orm, env: NodeJS.ProcessEnv, log: Logger) {
  const settings = mailboxFromEnv(env);
  if (settings === null) return;

  const id = await upsertMailbox(orm.em.fork(), settings);
  log.info({ mailboxId: id }, 'configured mailbox saved');
}

async function bundleMailWorkflows(log: Logger): Promise<{ code: string }> {
  const bundlerLog = log.child({ component: 'workflow-bundler' });
  const forward = (message: string, meta?: Record<string, unknown>) =>
    bundlerLog.debug(meta ?? {}, message);
  return bundleWorkflowCode({
    workflowsPath: mailWorkflowsPath,
    logger: {
      log: (_level, message, meta) => forward(message, meta),
      trace: forward,
      debug: forward,
      info: forward,
      warn: (message, meta) => bundlerLog.warn(meta ?? {}, message),
      error: (message, meta) => bundlerLog.error(meta ?? {}, message),
    },
  });
}
