// A child process of a bench: the ticket worker, the API server or the empty-workflow worker,
// each with its own event loop as in production, so the load generator in the parent never
// competes with them for one loop. Talks to the parent over IPC: "ready" once serving,
// "stop" to drain and exit. Run only by tests/bench/child-processes.ts.
import { NativeConnection, Worker } from '@temporalio/worker';
import pino from 'pino';
import { startServer } from '../../api/server.ts';
import { loadConfig } from '../../temporal/config.ts';
import type { RunningServices } from '../../temporal/local/index.ts';
import { runWorker } from '../../temporal/worker.ts';
import { BenchRole } from './child-processes.ts';
import { emptyTaskQueue, emptyWorkflowsPath } from './empty-workflow.ts';

interface Stoppable {
  stop(): Promise<void>;
}

const config = loadConfig(process.env);
const log = pino({ level: config.logLevel, base: { role: process.argv[2] } });

/** The services the parent started, as the environment describes them. */
function servicesFromEnvironment(): RunningServices {
  const required = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set: start this file through a bench.`);
    return value;
  };
  return {
    databaseUrl: required('DATABASE_URL'),
    temporalAddress: required('TEMPORAL_ADDRESS'),
    temporalNamespace: config.temporal.namespace,
    temporalUiUrl: null,
    meiliUrl: required('MEILI_URL'),
    meiliMasterKey: required('MEILI_MASTER_KEY'),
    startupMs: { postgres: 0, temporal: 0, meilisearch: 0 },
    stop: async () => undefined,
  };
}

async function startEmptyWorker(services: RunningServices): Promise<Stoppable> {
  const connection = await NativeConnection.connect({ address: services.temporalAddress });
  const worker = await Worker.create({
    connection,
    namespace: services.temporalNamespace,
    taskQueue: emptyTaskQueue,
    workflowsPath: emptyWorkflowsPath,
  });
  const running = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

function startRole(role: string, services: RunningServices): Promise<Stoppable> {
  if (role === BenchRole.TicketWorker) return runWorker({ config, services, log });
  if (role === BenchRole.Server) return startServer({ config, services, log });
  if (role === BenchRole.EmptyWorker) return startEmptyWorker(services);
  throw new Error(
    `unknown bench role "${role}": use one of ${Object.values(BenchRole).join(', ')}`,
  );
}

async function main(): Promise<void> {
  const running = await startRole(process.argv[2] ?? '', servicesFromEnvironment());
  process.send?.({ type: 'ready' });

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'bench child did not stop cleanly');
        process.exit(1);
      },
    ));
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'stop') void stop();
  });
  // A parent that crashed cannot send "stop": losing the channel means the same.
  process.once('disconnect', () => void stop());
}

main().catch((error: unknown) => {
  log.error({ err: error }, 'bench child failed to start');
  process.exit(1);
});
