// Routes the Temporal SDK's own logs (worker lifecycle, workflow `log`, activity `log`)
// into our pino logger, so one process writes one readable stream. Installed once per
// process, before the first worker or native connection is created.
import { Runtime, type LogLevel, type LogMetadata } from '@temporalio/worker';
import type { Logger } from 'pino';

let installed = false;

const levels: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** Installs the Temporal runtime with a logger that forwards to pino; later calls do nothing. */
export function installTemporalRuntime(log: Logger): void {
  if (installed) return;
  installed = true;

  const sdkLog = log.child({ component: 'temporal' });
  const forward = (level: LogLevel, message: string, meta?: LogMetadata) =>
    sdkLog[levels[level]](meta ?? {}, message);
  // The worker's own metrics (workflow task latencies…) for Prometheus, when asked for; GET
  // /metrics on the server appends them (CASEWORK_TEMPORAL_METRICS_URL, see README).
  const metricsAddress = process.env.CASEWORK_TEMPORAL_METRICS_BIND;
  Runtime.install({
    // Our processes stop the worker themselves, in order, on SIGINT/SIGTERM.
    shutdownSignals: [],
    ...(metricsAddress
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metricsAddress } } } }
      : {}),
    logger: {
      log: forward,
      trace: (message, meta) => forward('TRACE', message, meta),
      debug: (message, meta) => forward('DEBUG', message, meta),
      info: (message, meta) => forward('INFO', message, meta),
      warn: (message, meta) => forward('WARN', message, meta),
      error: (message, meta) => forward('ERROR', message, meta),
    },
  });
}
