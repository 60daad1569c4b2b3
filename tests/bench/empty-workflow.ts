// Reference bench: empty workflows started and completed on the bench's Temporal server, at a
// sustained concurrency, on their own task queue and their own worker process. Its rate is the
// ceiling the intake bench compares tickets/s against.
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { connectTemporalClient } from '../../temporal/client.ts';
import type { RunningServices } from '../../temporal/local/index.ts';
import { figure, formatTable } from './bench-report.ts';
import { startBenchServices, type BenchServices } from './bench-services.ts';
import { BenchRole, startBenchChild } from './child-processes.ts';

/** The task queue only the empty-workflow worker polls. */
export const emptyTaskQueue = 'casework-bench-empty';

/** The workflow bundle the empty-workflow worker runs. */
export const emptyWorkflowsPath = fileURLToPath(new URL('./workflows/empty.ts', import.meta.url));

/** What the reference run measured. */
export interface EmptyWorkflowResult {
  completed: number;
  failed: number;
  /** The first failure's message, so a run with failures says why. */
  firstFailure: string | null;
  seconds: number;
  workflowsPerSecond: number;
  concurrency: number;
}

/**
 * Keeps `concurrency` empty workflows in flight (start, then wait for the result) for
 * `durationMs` or until `maxWorkflows` started; a worker must already poll emptyTaskQueue.
 */
export async function measureEmptyWorkflows(options: {
  services: Pick<RunningServices, 'temporalAddress' | 'temporalNamespace'>;
  concurrency: number;
  durationMs: number;
  maxWorkflows: number;
}): Promise<EmptyWorkflowResult> {
  const temporal = await connectTemporalClient({
    address: options.services.temporalAddress,
    namespace: options.services.temporalNamespace,
  });
  const runId = Date.now().toString(36);
  let started = 0;
  let completed = 0;
  let failed = 0;
  let firstFailure: string | null = null;

  const began = performance.now();
  const deadline = began + options.durationMs;
  const lane = async () => {
    while (performance.now() < deadline && started < options.maxWorkflows) {
      const number = started++;
      try {
        await temporal.client.workflow.execute('emptyWorkflow', {
          taskQueue: emptyTaskQueue,
          workflowId: `bench-empty-${runId}-${number}`,
        });
        completed += 1;
      } catch (error) {
        // Counted, not thrown: a failed workflow is a figure of the run, not a crash of the bench.
        failed += 1;
        firstFailure ??= error instanceof Error ? error.message : String(error);
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: options.concurrency }, lane));
  } finally {
    await temporal.close();
  }
  const seconds = (performance.now() - began) / 1000;
  return {
    completed,
    failed,
    firstFailure,
    seconds,
    workflowsPerSecond: completed / seconds,
    concurrency: options.concurrency,
  };
}

/** Runs the empty-workflow worker as a child process, warms up, then measures the rate. */
export async function measureEmptyWorkflowReference(
  bench: BenchServices,
  options: { concurrency: number; durationMs: number },
): Promise<EmptyWorkflowResult> {
  const worker = await startBenchChild(bench, BenchRole.EmptyWorker);
  try {
    console.log(`reference: empty workflows at concurrency ${options.concurrency} ...`);
    const run = { services: bench.services, concurrency: options.concurrency };
    // The first workflows pay for connections, the sticky cache and JIT; they are not counted.
    await measureEmptyWorkflows({ ...run, durationMs: 2_000, maxWorkflows: 500 });
    return await measureEmptyWorkflows({
      ...run,
      durationMs: options.durationMs,
      maxWorkflows: Number.MAX_SAFE_INTEGER,
    });
  } finally {
    await worker.stop();
  }
}

/** `npm run bench -- empty-workflow`: the reference alone, on services started for it. */
export async function measureEmptyWorkflowRate(): Promise<void> {
  const concurrency = Number(process.env.BENCH_EMPTY_CONCURRENCY ?? 64);
  const durationMs = Number(process.env.BENCH_EMPTY_DURATION_S ?? 15) * 1000;
  const log = pino({ level: process.env.BENCH_DRIVER_LOG_LEVEL ?? 'warn' });

  console.log('starting PostgreSQL, Temporal and Meilisearch for the bench ...');
  const bench = await startBenchServices({ log });
  try {
    const result = await measureEmptyWorkflowReference(bench, { concurrency, durationMs });
    console.log(
      '\n' +
        formatTable(
          ['figure', 'value'],
          [
            ['empty workflows/s', figure(result.workflowsPerSecond)],
            ['completed / failed', `${result.completed} / ${result.failed}`],
            ['window', `${figure(result.seconds)} s at concurrency ${result.concurrency}`],
            ...(result.firstFailure === null ? [] : [['first failure', result.firstFailure]]),
          ],
        ),
    );
  } finally {
    await bench.services.stop();
  }
}
