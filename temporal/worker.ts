// The worker process's core: runs ticket workflows and their activities on the task queue.
// `npm start` runs it beside the server; in production it is its own process, scaled out
// by running more. It bundles workflows from workflows/index.ts at start.
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { createTicketActivities } from '../activities/ticket-activities.ts';
import { createWeeklyTriageActivities } from '../reports/triage-schedule.ts';
import { openOrm } from '../db/orm.ts';
import { createMeili } from '../search/client.ts';
import { applySearchSettings } from '../search/settings.ts';
import { startKbIndexer } from '../search/kb-indexer.ts';
import { startTicketIndexer } from '../search/ticket-indexer.ts';
import type { CaseworkConfig } from './config.ts';
import type { RunningServices } from './local/index.ts';
import { installTemporalRuntime } from './runtime-logging.ts';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface RunningWorker {
  stop(): Promise<void>;
}

/** Starts a worker for ticket workflows; `stop` drains it and closes its connections. */
export async function runWorker(options: {
  config: CaseworkConfig;
  services: Pick<
    RunningServices,
    'databaseUrl' | 'temporalAddress' | 'temporalNamespace' | 'meiliUrl' | 'meiliMasterKey'
  >;
  log: Logger;
}): Promise<RunningWorker> {
  installTemporalRuntime(options.log);
  const orm = await openOrm({ databaseUrl: options.services.databaseUrl, poolMax: 10 });
  const connection = await NativeConnection.connect({
    address: options.services.temporalAddress,
  });

  const worker = await Worker.create({
    connection,
    namespace: options.services.temporalNamespace,
    taskQueue: options.config.temporal.taskQueue,
    workflowBundle: await bundleTicketWorkflows(options.log),
    activities: {
      ...createTicketActivities({ orm }),
      ...createWeeklyTriageActivities({ orm, meili: meiliOf(options.services), log: options.log }),
    },
    maxConcurrentLocalActivityExecutions: 50,
  });
  const running = worker.run();
  options.log.info({ taskQueue: options.config.temporal.taskQueue }, 'worker started');
  const indexer = await startSearchIndexing({ orm, services: options.services, log: options.log });
  // The KB indexer applies its index settings itself before its first write, retrying while Meilisearch is down.
  const kbIndexer = startKbIndexer({ orm, meili: meiliOf(options.services), log: options.log });

  return {
    async stop() {
      await indexer.stop();
      await kbIndexer.stop();
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
      await orm.close();
      options.log.info('worker stopped');
    },
  };
}

// Search is derived data: if Meilisearch is down at start, the indexer keeps the jobs queued
// and catches up when it answers; tickets are never held up by it.
async function startSearchIndexing(options: {
  orm: Awaited<ReturnType<typeof openOrm>>;
  services: { meiliUrl: string; meiliMasterKey: string };
  log: Logger;
}) {
  const meili = meiliOf(options.services);
  try {
    await applySearchSettings(meili);
  } catch (error) {
    options.log.warn({ err: error }, 'search settings not applied; Meilisearch is unreachable');
  }
  return startTicketIndexer({ orm: options.orm, meili, log: options.log });
}

// The bundler reports every webpack module at info; one line saying the bundle is ready is
// what a person starting Casework needs, the rest stays at debug.
async function bundleTicketWorkflows(log: Logger): Promise<{ code: string }> {
  const bundlerLog = log.child({ component: 'workflow-bundler' });
  const forward = (message: string, meta?: Record<string, unknown>) =>
    bundlerLog.debug(meta ?? {}, message);
  const bundle = await bundleWorkflowCode({
    workflowsPath,
    logger: {
      log: (_level, message, meta) => forward(message, meta),
      trace: forward,
      debug: forward,
      info: forward,
      warn: (message, meta) => bundlerLog.warn(meta ?? {}, message),
      error: (message, meta) => bundlerLog.error(meta ?? {}, message),
    },
  });
  log.info({ bytes: bundle.code.length }, 'workflow bundle ready');
  return bundle;
}

function meiliOf(services: { meiliUrl: string; meiliMasterKey: string }) {
  return createMeili({ url: services.meiliUrl, masterKey: services.meiliMasterKey });
}
