// The ticket indexer: a loop in the worker process that drains the `search_index_job` outbox
// into the Meilisearch `tickets` index. The ticket projection enqueues a job in the same
// transaction that changes the ticket row and then notifies channel `search_index_job`.
// Jobs are deleted in a transaction that commits only after Meilisearch confirms the write,
// so an outage loses nothing: the transaction rolls back, the jobs stay, intake never waits
// on search, and the loop retries with backoff. `for update skip locked` lets several workers
// drain side by side without taking the same job. Tests: tests/search/ticket-indexer.test.ts.
import type { Logger } from 'pino';
import type { Orm } from '../db/orm.ts';
import { waitForIndexJob, type Meili } from './client.ts';
import { applySearchSettings, ticketIndexUid } from './settings.ts';
import { loadTicketDocumentSources } from './ticket-source.ts';
import { toTicketDocument } from './ticket-document.ts';
import { runOutboxLoop } from './outbox-loop.ts';

/** The PostgreSQL channel the ticket projection notifies after enqueuing an index job. */
export const indexJobChannel = 'search_index_job';

const batchWindowMs = 250;

/** A running indexer loop. */
export interface TicketIndexer {
  /** Stops the loop after the batch in flight and releases its LISTEN connection. */
  stop(): Promise<void>;
  /** Drains the outbox until it is empty; returns the jobs done, and throws (leaving them queued) if Meilisearch fails. */
  drainOnce(): Promise<number>;
}

interface IndexerOptions {
  orm: Orm;
  meili: Meili;
  log: Logger;
  batchSize?: number;
  idleMs?: number;
  indexUid?: string;
}

/** Starts draining the index job outbox into Meilisearch, woken by NOTIFY with a poll fallback; never blocks intake. */
export function startTicketIndexer(options: IndexerOptions): TicketIndexer {
  // Settings go on before the first write: had Meilisearch been down when the process started,
  // addDocuments would create the index with default settings and filtered searches would fail.
  let hasSettings = false;
  const drainOnce = async () => {
    if (!hasSettings) await applySearchSettings(options.meili, { indexUid: options.indexUid });
    hasSettings = true;
    return drainOutbox(options);
  };

  // Gather the jobs of a burst into one Meilisearch write: each write costs a full re-index
  // pass on its side, so many one-ticket batches cost far more than one.
  const loop = runOutboxLoop({
    orm: options.orm,
    log: options.log,
    channel: indexJobChannel,
    activity: 'ticket indexing',
    drain: drainOnce,
    idleMs: options.idleMs ?? 5_000,
    batchWindowMs,
  });
  return { drainOnce, stop: () => loop.stop() };
}

async function drainOutbox(options: IndexerOptions): Promise<number> {
  let total = 0;
  for (;;) {
    const done = await indexOneBatch(options);
    total += done;
    if (done === 0) return total;
  }
}

/** Takes up to `batchSize` jobs and writes their tickets; the jobs are gone only if Meilisearch accepted them. */
async function indexOneBatch(options: IndexerOptions): Promise<number> {
  const connection = options.orm.em.getConnection();
  const indexUid = options.indexUid ?? ticketIndexUid;

  return connection.transactional(async (trx) => {
    const jobs = await connection.execute<{ ticket_id: string }[]>(
      `delete from search_index_job where id in (
         select id from search_index_job order by id for update skip locked limit ?
       ) returning ticket_id`,
      [options.batchSize ?? 100],
      'all',
      trx,
    );
    if (jobs.length === 0) return 0;

    const ticketIds = [...new Set(jobs.map((job) => Number(job.ticket_id)))];
    const sources = await loadTicketDocumentSources({ connection, trx, ticketIds });
    await writeDocuments({ meili: options.meili, indexUid, ticketIds, sources });

    options.log.debug({ jobs: jobs.length, tickets: ticketIds.length }, 'tickets indexed');
    return jobs.length;
  });
}

async function writeDocuments(options: {
  meili: Meili;
  indexUid: string;
  ticketIds: number[];
  sources: Awaited<ReturnType<typeof loadTicketDocumentSources>>;
}): Promise<void> {
  const index = options.meili.index(options.indexUid);
  const documents = options.sources.map(toTicketDocument);
  if (documents.length > 0) {
    await waitForIndexJob(
      options.meili,
      index.addDocuments(documents),
      `index ${documents.length} tickets`,
    );
  }

  // A job for a ticket that no longer exists removes it from the index.
  const found = new Set(documents.map((document) => document.id));
  const missing = options.ticketIds.filter((id) => !found.has(id));
  if (missing.length > 0) {
    await waitForIndexJob(
      options.meili,
      index.deleteDocuments(missing),
      `remove ${missing.length} tickets`,
    );
  }
}
