// The KB indexer: a loop in the worker process that drains the `kb_index_job` outbox into the
// `kb_articles` and `macros` indexes. The KB repository enqueues a job in the same transaction
// that saves a KB article or macro, then notifies channel `kb_index_job`; saving never waits on
// Meilisearch. Jobs are deleted in a transaction that commits only after Meilisearch confirms
// the write, so during an outage they stay queued and the loop retries with backoff; when
// Meilisearch answers again it catches up without loss. Tests: tests/kb/kb-indexer.test.ts.
import type { Logger } from 'pino';
import type { Orm } from '../db/orm.ts';
import { waitForIndexJob, type Meili } from './client.ts';
import { toKbArticleDocument } from './kb-document.ts';
import { applyKbSearchSettings, kbArticleIndexUid, macroIndexUid } from './kb-settings.ts';
import { loadKbArticleSources, loadMacroDocuments } from './kb-source.ts';
import { runOutboxLoop } from './outbox-loop.ts';

/** The PostgreSQL channel the KB repository notifies after enqueuing an index job. */
export const kbIndexJobChannel = 'kb_index_job';

/** A running KB indexer loop. */
export interface KbIndexer {
  /** Stops the loop after the batch in flight and releases its LISTEN connection. */
  stop(): Promise<void>;
  /** Drains the outbox until empty; returns the jobs done, and throws (leaving them queued) if Meilisearch fails. */
  drainOnce(): Promise<number>;
}

export interface KbIndexerOptions {
  orm: Orm;
  meili: Meili;
  log: Logger;
  batchSize?: number;
  idleMs?: number;
  articleIndexUid?: string;
  macroIndexUid?: string;
}

/** Starts draining the KB index job outbox into Meilisearch, woken by NOTIFY with a poll fallback; never blocks an edit. */
export function startKbIndexer(options: KbIndexerOptions): KbIndexer {
  // Settings go on before the first write, so an index Meilisearch creates on its own (had it
  // been down at start) never ends up with default settings and unfilterable facets.
  let hasSettings = false;
  const drainOnce = async () => {
    if (!hasSettings) await applyKbSearchSettings(options.meili, options);
    hasSettings = true;
    return drainOutbox(options);
  };

  const loop = runOutboxLoop({
    orm: options.orm,
    log: options.log,
    channel: kbIndexJobChannel,
    activity: 'kb indexing',
    drain: drainOnce,
    idleMs: options.idleMs ?? 5_000,
  });
  return { drainOnce, stop: () => loop.stop() };
}

async function drainOutbox(options: KbIndexerOptions): Promise<number> {
  let total = 0;
  for (;;) {
    const done = await indexOneBatch(options);
    total += done;
    if (done === 0) return total;
  }
}

/** Takes up to `batchSize` jobs and writes their documents; the jobs are gone only if Meilisearch accepted them. */
async function indexOneBatch(options: KbIndexerOptions): Promise<number> {
  const connection = options.orm.em.getConnection();

  return connection.transactional(async (trx) => {
    const jobs = await connection.execute<{ kind: 'article' | 'macro'; ref_id: number }[]>(
      `delete from kb_index_job where id in (
         select id from kb_index_job order by id for update skip locked limit ?
       ) returning kind, ref_id`,
      [options.batchSize ?? 500],
      'all',
      trx,
    );
    if (jobs.length === 0) return 0;

    const idsOf = (kind: string) => [
      ...new Set(jobs.filter((job) => job.kind === kind).map((job) => job.ref_id)),
    ];
    const articleIds = idsOf('article');
    const macroIds = idsOf('macro');

    if (articleIds.length > 0) {
      const sources = await loadKbArticleSources({ connection, trx, ids: articleIds });
      await writeDocuments({
        meili: options.meili,
        indexUid: options.articleIndexUid ?? kbArticleIndexUid,
        ids: articleIds,
        documents: sources.map(toKbArticleDocument),
      });
    }
    if (macroIds.length > 0) {
      const documents = await loadMacroDocuments({ connection, trx, ids: macroIds });
      await writeDocuments({
        meili: options.meili,
        indexUid: options.macroIndexUid ?? macroIndexUid,
        ids: macroIds,
        documents,
      });
    }

    options.log.debug({ jobs: jobs.length }, 'kb documents indexed');
    return jobs.length;
  });
}

/** Writes the documents that exist and removes the ids that no longer do. */
async function writeDocuments(options: {
  meili: Meili;
  indexUid: string;
  ids: number[];
  documents: { id: number }[];
}): Promise<void> {
  const index = options.meili.index(options.indexUid);
  if (options.documents.length > 0) {
    const what = `index ${options.documents.length} documents into ${options.indexUid}`;
    await waitForIndexJob(options.meili, index.addDocuments(options.documents), what);
  }

  const found = new Set(options.documents.map((document) => document.id));
  const missing = options.ids.filter((id) => !found.has(id));
  if (missing.length > 0) {
    const what = `remove ${missing.length} documents from ${options.indexUid}`;
    await waitForIndexJob(options.meili, index.deleteDocuments(missing), what);
  }
}
