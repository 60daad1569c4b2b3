// The worker process's core: runs ticket workflows and their activities on the task queue.
// `npm start` runs it beside the server; in production it is its own process, scaled out
// by running more. It bundles workflows from workflows/index.ts at start.
import { NativeConnection, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { createTicketActivities } from '../activities/ticket-activities.ts';
import { openOrm } from '../db/orm.ts';
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
  services: Pick<RunningServices, 'databaseUrl' | 'temporalAddress' | 'temporalNamespace'>;
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
    workflowsPath,
    activities: createTicketActivities({ orm }),
    maxConcurrentLocalActivityExecutions: 50,
  });
  const running = worker.run();
  options.log.info({ taskQueue: options.config.temporal.taskQueue }, 'worker started');

  return {
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
      await orm.close();
      options.log.info('worker stopped');
    },
  };
}
