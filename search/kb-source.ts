// Loads KB articles and macros for the index, by id (the indexer) or page by page (the
// rebuild). Read-only. Ids come back as numbers and dates as epoch milliseconds, because the
// driver returns bigints and timestamps as text.
import type { Transaction } from '@mikro-orm/core';
import type { Orm } from '../db/orm.ts';
import type { KbArticleSource, MacroDocument } from './kb-document.ts';

type Connection = ReturnType<Orm['em']['getConnection']>;

interface ArticleRow {
  id: number;
  title: string;
  body: string;
  tags: string[];
  language: string;
  audience: string;
  status: string;
  team_id: number | null;
  team_name: string | null;
  ticket_count: string;
  updated_ms: number;
}

const articleColumns = `
  select a.id, a.title, a.body, a.tags, a.language, a.audience, a.status,
         a.team_id, t.name as team_name,
         (select count(*) from kb_ticket_link l where l.article_id = a.id) as ticket_count,
         extract(epoch from a.updated_at)::float8 * 1000 as updated_ms
    from kb_article a
    left join team t on t.id = a.team_id`;

const macroColumns = `
  select id, title, body, tags, language, team_id as "teamId" from macro`;

/** Reads the KB articles with these ids; ids that no longer exist are left out. */
export async function loadKbArticleSources(options: {
  connection: Connection;
  trx?: Transaction;
  ids: number[];
}): Promise<KbArticleSource[]> {
  const sql = `${articleColumns} where a.id in (?)`;
  const rows = await options.connection.execute<ArticleRow[]>(
    sql,
    [options.ids],
    'all',
    options.trx,
  );
  return rows.map(toArticleSource);
}

/** Reads one page of KB articles in id order, after `afterId`, for a full rebuild. */
export async function loadKbArticlePage(options: {
  connection: Connection;
  afterId: number;
  limit: number;
}): Promise<KbArticleSource[]> {
  const sql = `${articleColumns} where a.id > ? order by a.id limit ?`;
  const rows = await options.connection.execute<ArticleRow[]>(sql, [
    options.afterId,
    options.limit,
  ]);
  return rows.map(toArticleSource);
}

/** Reads the macros with these ids; ids that no longer exist are left out. */
export async function loadMacroDocuments(options: {
  connection: Connection;
  trx?: Transaction;
  ids: number[];
}): Promise<MacroDocument[]> {
  const sql = `${macroColumns} where id in (?)`;
  return options.connection.execute<MacroDocument[]>(sql, [options.ids], 'all', options.trx);
}

/** Reads one page of macros in id order, after `afterId`, for a full rebuild. */
export async function loadMacroPage(options: {
  connection: Connection;
  afterId: number;
  limit: number;
}): Promise<MacroDocument[]> {
  const sql = `${macroColumns} where id > ? order by id limit ?`;
  return options.connection.execute<MacroDocument[]>(sql, [options.afterId, options.limit]);
}

function toArticleSource(row: ArticleRow): KbArticleSource {
  return {
    id: row.id,
    title: row.title,
    body: row.body,
    tags: row.tags,
    language: row.language,
    audience: row.audience,
    status: row.status,
    teamId: row.team_id,
    teamName: row.team_name,
    ticketCount: Number(row.ticket_count),
    updatedAt: new Date(row.updated_ms),
  };
}
