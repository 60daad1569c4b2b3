// The local services launcher behind `npm start` and `npm test`: it resolves
// PostgreSQL, Temporal and Meilisearch, starting real ones on loopback for each
// that has no external address configured, and stops only what it started.
import type { Logger } from 'pino';
import type { CaseworkConfig } from '../config.ts';
import type { ServiceName } from './processes.ts';

export { LocalServiceError } from './processes.ts';

/** Where each service answers, how long each took to start, and how to stop the local ones. */
export interface RunningServices {
  databaseUrl: string;
  temporalAddress: string;
  temporalNamespace: string;
  temporalUiUrl: string | null;
  meiliUrl: string;
  meiliMasterKey: string;
  startupMs: Record<ServiceName, number>;
  stop(): Promise<void>;
}

/** Options for startLocalServices; `temporalUi: false` runs the dev server headless. */
export interface LocalServicesOptions {
  log: Logger;
  temporalUi?: boolean;
}

interface Started<T> {
  value: T;
  ms: number;
  stop: () => Promise<void>;
}

/** Starts, in parallel, each service that has no external address; throws naming the one that failed. */
export async function startLocalServices(
  config: CaseworkConfig,
  options: LocalServicesOptions,
): Promise<RunningServices> {
  const { log } = options;

  const [postgres, temporalServer, meilisearch] = await Promise.allSettled([
    resolvePostgres(config, log),
    resolveTemporal(config, options),
    resolveMeilisearch(config, log),
  ]);

  const outcomes = [postgres, temporalServer, meilisearch];
  const started = outcomes.flatMap((outcome) =>
    outcome.status === 'fulfilled' ? [outcome.value] : [],
  );
  const stopAll = () => stopEach(started);

  if (
    postgres.status === 'rejected' ||
    temporalServer.status === 'rejected' ||
    meilisearch.status === 'rejected'
  ) {
    await stopAll();
    throw startupFailure(outcomes);
  }

  return {
    databaseUrl: postgres.value.value.databaseUrl,
    temporalAddress: temporalServer.value.value.address,
    temporalNamespace: config.temporal.namespace,
    temporalUiUrl: temporalServer.value.value.uiUrl,
    meiliUrl: meilisearch.value.value.url,
    meiliMasterKey: meilisearch.value.value.masterKey,
    startupMs: {
      postgres: postgres.value.ms,
      temporal: temporalServer.value.ms,
      meilisearch: meilisearch.value.ms,
    },
    stop: stopAll,
  };
}

// Each launcher is imported only when its service is local: a deployment has
// no embedded PostgreSQL binaries for its platform and needs none.

function resolvePostgres(config: CaseworkConfig, log: Logger) {
  const url = config.database.url;
  if (url) return external({ databaseUrl: url });

  return timed('postgres', log, async () => {
    const { startPostgres } = await import('./postgres.ts');
    return startPostgres({ config, log });
  });
}

function resolveTemporal(config: CaseworkConfig, options: LocalServicesOptions) {
  const address = config.temporal.address;
  if (address) return external({ address, uiUrl: null });

  return timed('temporal', options.log, async () => {
    const { startTemporal } = await import('./temporal-server.ts');
    return startTemporal({ config, log: options.log, withUi: options.temporalUi });
  });
}

function resolveMeilisearch(config: CaseworkConfig, log: Logger) {
  const { url, masterKey } = config.meili;
  if (url) return external({ url, masterKey: masterKey ?? '' });

  return timed('meilisearch', log, async () => {
    const { startMeilisearch } = await import('./meilisearch.ts');
    return startMeilisearch({ config, log });
  });
}

async function external<T>(value: T): Promise<Started<T>> {
  return { value, ms: 0, stop: async () => undefined };
}

async function timed<T extends { stop(): Promise<void> }>(
  service: ServiceName,
  log: Logger,
  start: () => Promise<T>,
): Promise<Started<T>> {
  const began = performance.now();
  const value = await start();
  const ms = Math.round(performance.now() - began);

  log.info({ service, ms }, 'local service started');
  return { value, ms, stop: () => value.stop() };
}

/** The three do not depend on one another, so they stop side by side. */
async function stopEach(started: Started<unknown>[]): Promise<void> {
  await Promise.all(started.map((service) => service.stop()));
}

/** When several fail, one message lists them all, so a user fixes every port in one go. */
function startupFailure(outcomes: PromiseSettledResult<unknown>[]): Error {
  const errors = outcomes.flatMap((outcome) =>
    outcome.status === 'rejected' ? [outcome.reason as Error] : [],
  );
  if (errors.length === 1 && errors[0]) return errors[0];

  const message = errors.map((error) => error.message).join('\n');
  return new AggregateError(errors, `${errors.length} local services did not start:\n${message}`);
}
