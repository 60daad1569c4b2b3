// Rebuilds every Meilisearch index (KB articles, macros, tickets) from PostgreSQL, for
// `npm run reindex`. Each index is filled as a fresh copy beside the live one and swapped in
// when complete, so search keeps answering from the old copy meanwhile. Rows changed while the
// copy was being filled are queued again in the outboxes afterwards, so nothing written during
// the rebuild is lost. Tests: tests/kb/kb-reindex.test.ts.
import type { Settings } from 'meilisearch';
import type { Orm } from '../db/orm.ts';
import { waitForIndexJob, type Meili } from './client.ts';
import { toKbArticleDocument } from './kb-document.ts';
import {
  applyIndexSettings,
  kbArticleIndexSettings,
  kbArticleIndexUid,
  macroIndexSettings,
  macroIndexUid,
} from './kb-settings.ts';
import { loadKbArticlePage, loadMacroPage } from './kb-source.ts';
import { ticketIndexSettings, ticketIndexUid } from './settings.ts';
import { toTicketDocument } from './ticket-document.ts';
import { loadTicketDocumentSources } from './ticket-source.ts';

type Connection = ReturnType<Orm['em']['getConnection']>;

/** Reports how far one index's rebuild has come. */
export type RebuildProgress = (progress: { index: string; done: number; total: number }) => void;

/** One page of documents after `afterId`, in id order; an empty page ends the rebuild. */
type PageLoader = (
  connection: Connection,
  afterId: number,
  limit: number,
) => Promise<{ id: number }[]>;

interface IndexPlan {
  name: 'articles' | 'macros' | 'tickets';
  uid: string;
  settings: Settings;
  countSql: string;
  loadPage: PageLoader;
  /** Queues rows changed since `since` in the outbox, for the indexer to write after the swap. */
  requeueSql: string;
}

/** Rebuilds the KB article, macro and ticket indexes from PostgreSQL; returns the documents written per index. */
export async function rebuildSearchIndexes(options: {
  orm: Orm;
  meili: Meili;
  batchSize?: number;
  onProgress?: RebuildProgress;
  uids?: { articles?: string; macros?: string; tickets?: string };
  /** Rebuilds only these indexes; all three when absent. */
  only?: ('articles' | 'macros' | 'tickets')[];
}): Promise<Record<string, number>> {
  const wanted = new Set(options.only ?? ['articles', 'macros', 'tickets']);
  const plans = indexPlans(options.uids ?? {}).filter((plan) => wanted.has(plan.name));
  const written: Record<string, number> = {};
  for (const plan of plans) {
    written[plan.uid] = await rebuildOne({ ...options, plan });
  }
  return written;
}

function indexPlans(uids: { articles?: string; macros?: string; tickets?: string }): IndexPlan[] {
  return [
    {
      name: 'articles',
      uid: uids.articles ?? kbArticleIndexUid,
      settings: kbArticleIndexSettings,
      countSql: 'select count(*) as total from kb_article',
      loadPage: async (connection, afterId, limit) =>
        (await loadKbArticlePage({ connection, afterId, limit })).map(toKbArticleDocument),
      requeueSql: `insert into kb_index_job (kind, ref_id) select 'article', id from kb_article where updated_at >= ?`,
    },
    {
      name: 'macros',
      uid: uids.macros ?? macroIndexUid,
      settings: macroIndexSettings,
      countSql: 'select count(*) as total from macro',
      loadPage: (connection, afterId, limit) => loadMacroPage({ connection, afterId, limit }),
      requeueSql: `insert into kb_index_job (kind, ref_id) select 'macro', id from macro where updated_at >= ?`,
    },
    {
      name: 'tickets',
      uid: uids.tickets ?? ticketIndexUid,
      settings: ticketIndexSettings,
      countSql: 'select count(*) as total from ticket',
      loadPage: loadTicketPage,
      requeueSql:
        'insert into search_index_job (ticket_id) select id from ticket where updated_at >= ?',
    },
  ];
}

async function loadTicketPage(connection: Connection, afterId: number, limit: number) {
  return connection.transactional(async (trx) => {
    const rows = await connection.execute<{ id: string }[]>(
      'select id from ticket where id > ? order by id limit ?',
      [afterId, limit],
      'all',
      trx,
    );
    if (rows.length === 0) return [];
    const ticketIds = rows.map((row) => Number(row.id));
    const sources = await loadTicketDocumentSources({ connection, trx, ticketIds });
    return sources.map(toTicketDocument).sort((a, b) => a.id - b.id);
  });
}

/** Fills a fresh copy of one index, swaps it in, drops the old copy and requeues what changed meanwhile. */
async function rebuildOne(options: {
  orm: Orm;
  meili: Meili;
  plan: IndexPlan;
  batchSize?: number;
  onProgress?: RebuildProgress;
}): Promise<number> {
  const { meili, plan } = options;
  const connection = options.orm.em.getConnection();
  const copyUid = `${plan.uid}_rebuild`;
  const [{ now: startedAt }] = (await connection.execute<{ now: Date }[]>(
    'select now() as now',
  )) as [{ now: Date }];

  await waitForIndexJob(meili, meili.deleteIndex(copyUid), `drop a leftover ${copyUid}`).catch(
    () => undefined,
  );
  await applyIndexSettings(meili, copyUid, plan.settings);
  await applyIndexSettings(meili, plan.uid, plan.settings);

  const [count] = await connection.execute<{ total: string }[]>(plan.countSql);
  const total = Number(count!.total);
  let done = 0;
  let afterId = 0;
  options.onProgress?.({ index: plan.uid, done, total });
  for (;;) {
    const documents = await plan.loadPage(connection, afterId, options.batchSize ?? 1_000);
    if (documents.length === 0) break;
    await waitForIndexJob(meili, meili.index(copyUid).addDocuments(documents), `fill ${copyUid}`);
    afterId = documents[documents.length - 1]!.id;
    done += documents.length;
    options.onProgress?.({ index: plan.uid, done, total: Math.max(total, done) });
  }

  await waitForIndexJob(
    meili,
    meili.swapIndexes([{ indexes: [plan.uid, copyUid], rename: false }]),
    `swap in ${plan.uid}`,
  );
  await waitForIndexJob(meili, meili.deleteIndex(copyUid), `drop the old ${plan.uid}`);
  await connection.execute(plan.requeueSql, [startedAt], 'run');
  await connection.execute(
    `select pg_notify('kb_index_job', ''), pg_notify('search_index_job', '')`,
  );
  return done;
}
