// `npm run bench -- search`: how good and how fast search is, on services of its own.
// 1. Quality: seeds the KB articles and scores suggestions over the labelled evaluation set
//    (tests/fixtures/kb/evaluation.ts): precision@3 and MRR, target precision@3 >= 0.8.
// 2. Load: adds 10,000 KB articles and 100,000 tickets (each with a customer message), indexes
//    them (KB articles through the outbox indexer, tickets through the rebuild) and reports
//    documents per second; then times searches one after another, as an agent's requests
//    arrive, and prints p50/p99 (targets: p99 < 20 ms for KB articles, < 50 ms for tickets).
// BENCH_KB_ARTICLES, BENCH_TICKETS and BENCH_SEARCHES change the sizes.
import pino from 'pino';
import type { Orm } from '../../db/orm.ts';
import { openOrm } from '../../db/orm.ts';
import { seedKnowledgeBase } from '../../db/seed-knowledge-base.ts';
import { createMeili, type Meili } from '../../search/client.ts';
import { startKbIndexer } from '../../search/kb-indexer.ts';
import { rebuildSearchIndexes } from '../../search/kb-reindex.ts';
import { searchKbArticles } from '../../search/kb-search.ts';
import { applyKbSearchSettings, kbArticleIndexUid } from '../../search/kb-settings.ts';
import { ticketIndexUid } from '../../search/settings.ts';
import { searchTickets } from '../../search/ticket-search.ts';
import { seedArticles } from '../fixtures/kb/articles.ts';
import { scoreSuggestions } from '../kb/suggestion-evaluation.ts';
import { figure, formatTable, ms, percentile, verdict } from './bench-report.ts';
import { startBenchServices } from './bench-services.ts';

const sizes = {
  articles: Number(process.env.BENCH_KB_ARTICLES ?? 10_000),
  tickets: Number(process.env.BENCH_TICKETS ?? 100_000),
  searches: Number(process.env.BENCH_SEARCHES ?? 1_000),
};

// Words the synthetic KB articles and tickets are made of, taken from the seeded KB articles
// so searches hit realistic, multilingual vocabulary with accents.
const vocabulary = [
  ...new Set(
    seedArticles
      .flatMap((article) => `${article.title} ${article.body}`.toLowerCase().split(/[^\p{L}]+/u))
      .filter((word) => word.length > 3),
  ),
];

/** Runs the quality and load benches and prints their figures; stops all it started. */
export async function runSearchBench(): Promise<void> {
  const log = pino({ level: process.env.BENCH_DRIVER_LOG_LEVEL ?? 'warn' });
  console.log('starting PostgreSQL, Temporal and Meilisearch for the bench ...');
  const bench = await startBenchServices({ log });
  const orm = await openOrm({ databaseUrl: bench.services.databaseUrl, poolMax: 8 });
  const meili = createMeili({
    url: bench.services.meiliUrl,
    masterKey: bench.services.meiliMasterKey,
  });

  try {
    await applyKbSearchSettings(meili);
    await seedKnowledgeBase({ databaseUrl: bench.services.databaseUrl, log });
    const indexing = await indexKbArticles(orm, meili, log);
    const quality = await measureQuality(orm, meili);
    printQuality(quality);

    console.log(`\nadding ${sizes.articles} KB articles and ${sizes.tickets} tickets ...`);
    await insertSyntheticArticles(orm, sizes.articles);
    await insertSyntheticTickets(orm, sizes.tickets);
    const articleRate = await timeIt(() => indexKbArticles(orm, meili, log));
    const ticketRate = await timeIt(() => rebuildTickets(orm, meili));
    const latency = await measureLatency(meili);
    printLoad({ articleRate, ticketRate, latency, seeded: indexing.documents });
  } finally {
    await orm.close();
    await bench.services.stop();
  }
}

async function measureQuality(orm: Orm, meili: Meili) {
  const rows = await orm.em
    .getConnection()
    .execute<{ id: number; title: string; language: string }[]>(
      'select id, title, language from kb_article',
    );
  const idsByKey = new Map(
    seedArticles.map((seed) => {
      const row = rows.find(
        (candidate) => candidate.title === seed.title && candidate.language === seed.language,
      );
      return [seed.key, row!.id] as const;
    }),
  );
  return scoreSuggestions({ meili, indexUid: kbArticleIndexUid, idsByKey });
}

function printQuality(score: Awaited<ReturnType<typeof measureQuality>>): void {
  console.log('\nKB suggestions over the labelled evaluation set\n');
  console.log(
    formatTable(
      ['figure', 'value', 'target', 'verdict'],
      [
        ['tickets', String(score.tickets), '>= 50', verdict(score.tickets, 50)],
        ['precision@3', figure(score.precisionAt3, 3), '>= 0.8', verdict(score.precisionAt3, 0.8)],
        ['MRR', figure(score.meanReciprocalRank, 3), '', ''],
      ],
    ),
  );
  for (const miss of score.misses) {
    console.log(
      `  missed: "${miss.subject}" wants ${miss.answer}, got ${miss.suggested.join(', ') || 'nothing'}`,
    );
  }
}

/** Queues every KB article and waits until the outbox indexer has written them all. */
async function indexKbArticles(
  orm: Orm,
  meili: Meili,
  log: pino.Logger,
): Promise<{ documents: number }> {
  const connection = orm.em.getConnection();
  const queued = await connection.execute<{ affectedRows: number }>(
    `insert into kb_index_job (kind, ref_id) select 'article', id from kb_article`,
    [],
    'run',
  );
  const indexer = startKbIndexer({ orm, meili, log, batchSize: 1_000 });
  // The indexer's own loop drains beside this call; stop() waits for its batch in flight, so
  // when both are done every queued KB article has been confirmed by Meilisearch.
  await indexer.drainOnce();
  await indexer.stop();
  return { documents: queued.affectedRows };
}

async function rebuildTickets(orm: Orm, meili: Meili): Promise<{ documents: number }> {
  const written = await rebuildSearchIndexes({ orm, meili, batchSize: 5_000, only: ['tickets'] });
  return { documents: written[ticketIndexUid] ?? 0 };
}

async function timeIt(run: () => Promise<{ documents: number }>) {
  const began = performance.now();
  const { documents } = await run();
  const seconds = (performance.now() - began) / 1000;
  return { documents, seconds, perSecond: documents / seconds };
}

/** Random words of the vocabulary, some with a typo or without accents, as people type them. */
function randomQuery(random: () => number): string {
  const pick = () => vocabulary[Math.floor(random() * vocabulary.length)]!;
  const words = Array.from({ length: 1 + Math.floor(random() * 3) }, pick);
  return words
    .map((word) => (random() < 0.3 ? word.normalize('NFKD').replace(/\p{Mn}/gu, '') : word))
    .map((word) => (random() < 0.2 && word.length > 5 ? word.slice(0, 2) + word.slice(3) : word))
    .join(' ');
}

async function measureLatency(meili: Meili) {
  const random = seededRandom(42);
  const queries = Array.from({ length: sizes.searches }, () => randomQuery(random));
  // Warm the caches and the keep-alive connection, as a running server would have them.
  for (const q of queries.slice(0, 50)) await searchKbArticles({ meili, q });

  const articles: number[] = [];
  const tickets: number[] = [];
  for (const q of queries) {
    let began = performance.now();
    await searchKbArticles({ meili, q });
    articles.push(performance.now() - began);
    began = performance.now();
    await searchTickets({ meili, q });
    tickets.push(performance.now() - began);
  }
  return { articles, tickets };
}

function printLoad(results: {
  articleRate: Awaited<ReturnType<typeof timeIt>>;
  ticketRate: Awaited<ReturnType<typeof timeIt>>;
  latency: Awaited<ReturnType<typeof measureLatency>>;
  seeded: number;
}): void {
  const { articleRate, ticketRate, latency } = results;
  const p = (values: number[], q: number) => percentile(values, q);
  console.log(
    `\nSearch under load (${sizes.articles} KB articles, ${sizes.tickets} tickets, ${sizes.searches} searches each)\n`,
  );
  console.log(
    formatTable(
      ['index', 'p50', 'p99', 'p99 target', 'verdict', 'indexing'],
      [
        [
          'kb_articles',
          ms(p(latency.articles, 0.5)),
          ms(p(latency.articles, 0.99)),
          '< 20 ms',
          verdict(-p(latency.articles, 0.99), -20),
          `${articleRate.documents} docs in ${figure(articleRate.seconds)} s = ${figure(articleRate.perSecond, 0)}/s (outbox)`,
        ],
        [
          'tickets',
          ms(p(latency.tickets, 0.5)),
          ms(p(latency.tickets, 0.99)),
          '< 50 ms',
          verdict(-p(latency.tickets, 0.99), -50),
          `${ticketRate.documents} docs in ${figure(ticketRate.seconds)} s = ${figure(ticketRate.perSecond, 0)}/s (rebuild)`,
        ],
      ],
    ),
  );
  console.log(
    `\np50/p99 in ms with decimals: kb ${figure(p(latency.articles, 0.5), 2)}/${figure(p(latency.articles, 0.99), 2)}, tickets ${figure(p(latency.tickets, 0.5), 2)}/${figure(p(latency.tickets, 0.99), 2)}`,
  );
}

async function insertSyntheticArticles(orm: Orm, count: number): Promise<void> {
  const random = seededRandom(7);
  const connection = orm.em.getConnection();
  const languages = ['en', 'de', 'fr', 'es', 'pt'];
  const teams = await connection.execute<{ id: number }[]>('select id from team order by id');
  const sentence = (words: number) =>
    Array.from({ length: words }, () => vocabulary[Math.floor(random() * vocabulary.length)]).join(
      ' ',
    );

  for (let start = 0; start < count; start += 1_000) {
    const rows = Array.from({ length: Math.min(1_000, count - start) }, () => [
      sentence(4 + Math.floor(random() * 5)),
      sentence(60 + Math.floor(random() * 90)),
      JSON.stringify([sentence(1), sentence(1)]),
      languages[Math.floor(random() * languages.length)]!,
      random() < 0.6 ? 'public' : 'internal',
      teams[Math.floor(random() * teams.length)]?.id ?? null,
    ]);
    await connection.execute(
      `insert into kb_article (title, body, tags, language, audience, status, team_id)
       values ${rows.map(() => `(?, ?, ?, ?, ?, 'published', ?)`).join(', ')}`,
      rows.flat(),
      'run',
    );
  }
}

/** Inserts tickets and one customer message each in SQL, words drawn from the vocabulary. */
async function insertSyntheticTickets(orm: Orm, count: number): Promise<void> {
  const connection = orm.em.getConnection();
  const [requester] = await connection.execute<{ id: number }[]>(
    `insert into requester (name, email) values ('Bench Customer', 'bench@example.test') returning id`,
  );
  for (let start = 0; start < count; start += 10_000) {
    const batch = Math.min(10_000, count - start);
    await connection.execute(
      `with words as (select array(select jsonb_array_elements_text(?::jsonb)) as list),
       made as (
         insert into ticket (id, subject, status, priority, channel, requester_id, created_at, updated_at, last_activity_at, version)
         select nextval('ticket_number_seq'),
                (select string_agg(list[1 + floor(random() * array_length(list, 1))::int], ' ') from words, generate_series(1, 5 + (g % 3))),
                'open', 'normal', 'email', ?, now(), now(), now(), 1
           from generate_series(1, ?) g
         returning id)
       insert into message (ticket_id, kind, channel, author_kind, text, idempotency_key, created_at)
       select id, 'inbound', 'email', 'requester',
              (select string_agg(list[1 + floor(random() * array_length(list, 1))::int], ' ') from words, generate_series(1, 40 + (id % 40)::int)),
              'bench-' || id, now()
         from made`,
      [JSON.stringify(vocabulary), requester!.id, batch],
      'run',
    );
  }
}

/** A small deterministic generator, so every run searches for the same queries. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}
