// The knowledge base's reads and writes: KB articles with a numbered version for every edit,
// publishing, restore, links to tickets, suggestion uses, the search log and macros. Every
// write that changes what search finds enqueues a KB index job in the same transaction and
// notifies `kb_index_job`, so the index catches up even if Meilisearch is down right now.
// Tests: tests/kb/kb-api.test.ts.
import type { Transaction } from '@mikro-orm/core';
import type {
  KbArticleSummary,
  KbArticleView,
  KbReviewList,
  KbVersionView,
} from '../../api/kb-contract.ts';
import type { KbAudience, KbLanguage, KbStatus } from '../entities/knowledge-base.ts';
import type { EntityManager } from '../orm.ts';
import { renderKbMarkdown } from '../../search/kb-markdown.ts';

/** The fields an author writes; everything else (versions, dates, counts) follows from them. */
export interface KbArticleInput {
  title: string;
  body: string;
  tags: string[];
  language: KbLanguage;
  audience: KbAudience;
  ownerAgentId: number | null;
  teamId: number | null;
  reviewBy: string | null;
}

/** Why a KB article write was refused. */
export class KbArticleError extends Error {
  readonly reason: 'not-found' | 'stale';

  private constructor(reason: 'not-found' | 'stale', message: string) {
    super(message);
    this.reason = reason;
  }

  /** The KB article (or the version asked for) does not exist. */
  static notFound(what: string): KbArticleError {
    return new KbArticleError('not-found', `${what} does not exist`);
  }

  /** Someone saved the KB article since the author loaded it. */
  static stale(id: number, expected: number, current: number): KbArticleError {
    return new KbArticleError(
      'stale',
      `KB article ${id} is at version ${current}, not ${expected}: reload it and apply your edit again`,
    );
  }
}

type Connection = ReturnType<EntityManager['getConnection']>;
type Row = Record<string, unknown>;

const articleSelect = `
  select a.id, a.title, a.body, a.tags, a.language, a.audience, a.status, a.version,
         a.owner_agent_id, o.name as owner_name, a.team_id, t.name as team_name,
         to_char(a.review_by, 'YYYY-MM-DD') as review_by,
         a.created_at, a.updated_at, a.published_at,
         (select count(*) from kb_ticket_link l where l.article_id = a.id) as ticket_count
    from kb_article a
    left join agent o on o.id = a.owner_agent_id
    left join team t on t.id = a.team_id`;

/** Creates a KB article as a draft with version 1, recorded as made by `agentId`. */
export async function createKbArticle(
  em: EntityManager,
  options: { input: KbArticleInput; agentId: number | null; status?: KbStatus },
): Promise<KbArticleView> {
  const connection = em.getConnection();
  const { input } = options;
  const status = options.status ?? 'draft';

  const id = await connection.transactional(async (trx) => {
    const [row] = await connection.execute<{ id: number }[]>(
      `insert into kb_article (title, body, tags, language, audience, status, owner_agent_id,
         team_id, review_by, published_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, case when ? = 'published' then now() end)
       returning id`,
      [
        input.title,
        input.body,
        JSON.stringify(input.tags),
        input.language,
        input.audience,
        status,
        input.ownerAgentId,
        input.teamId,
        input.reviewBy,
        status,
      ],
      'all',
      trx,
    );
    await recordVersion(connection, trx, {
      id: row!.id,
      agentId: options.agentId,
      change: 'created',
    });
    await enqueueIndexJob(connection, trx, 'article', row!.id);
    return row!.id;
  });

  return (await findKbArticle(em, id))!;
}

/** Saves an edit as a new version, refusing it if someone saved since `expectedVersion`. */
export async function updateKbArticle(
  em: EntityManager,
  options: {
    id: number;
    expectedVersion: number;
    changes: Partial<KbArticleInput>;
    agentId: number | null;
  },
): Promise<KbArticleView> {
  const { id, changes } = options;
  await writeVersion(em, {
    id,
    agentId: options.agentId,
    expectedVersion: options.expectedVersion,
    change: 'edited',
    assignments: {
      title: changes.title,
      body: changes.body,
      tags: changes.tags === undefined ? undefined : JSON.stringify(changes.tags),
      language: changes.language,
      audience: changes.audience,
      owner_agent_id: changes.ownerAgentId,
      team_id: changes.teamId,
      review_by: changes.reviewBy,
    },
  });
  return (await findKbArticle(em, id))!;
}

/** Publishes or unpublishes a KB article as a new version; only published ones are searchable by customers and suggested. */
export async function setKbArticleStatus(
  em: EntityManager,
  options: { id: number; status: KbStatus; agentId: number | null; expectedVersion?: number },
): Promise<KbArticleView> {
  const isPublishing = options.status === 'published';
  await writeVersion(em, {
    id: options.id,
    agentId: options.agentId,
    expectedVersion: options.expectedVersion,
    change: isPublishing ? 'published' : 'unpublished',
    assignments: { status: options.status },
    publishedAtNow: isPublishing,
  });
  return (await findKbArticle(em, options.id))!;
}

/** Brings back the content of an old version as a new version; history is never rewritten. */
export async function restoreKbArticleVersion(
  em: EntityManager,
  options: { id: number; version: number; agentId: number | null },
): Promise<KbArticleView> {
  const old = await findKbVersion(em, options.id, options.version);
  if (old === null)
    throw KbArticleError.notFound(`version ${options.version} of KB article ${options.id}`);

  await writeVersion(em, {
    id: options.id,
    agentId: options.agentId,
    change: `restored from v${options.version}`,
    assignments: {
      title: old.title,
      body: old.body,
      tags: JSON.stringify(old.tags),
      language: old.language,
      audience: old.audience,
      review_by: old.reviewBy,
    },
  });
  return (await findKbArticle(em, options.id))!;
}

/** Applies column changes under a row lock, bumps the version and records it with its index job. */
async function writeVersion(
  em: EntityManager,
  options: {
    id: number;
    agentId: number | null;
    expectedVersion?: number;
    change: string;
    assignments: Record<string, unknown>;
    publishedAtNow?: boolean;
  },
): Promise<void> {
  const connection = em.getConnection();
  await connection.transactional(async (trx) => {
    const [current] = await connection.execute<{ version: number }[]>(
      'select version from kb_article where id = ? for update',
      [options.id],
      'all',
      trx,
    );
    if (current === undefined) throw KbArticleError.notFound(`KB article ${options.id}`);
    const isStale =
      options.expectedVersion !== undefined && options.expectedVersion !== current.version;
    if (isStale) throw KbArticleError.stale(options.id, options.expectedVersion!, current.version);

    const changed = Object.entries(options.assignments).filter(([, value]) => value !== undefined);
    const sets = [
      ...changed.map(([column]) => `${column} = ?`),
      'version = version + 1',
      'updated_at = now()',
      ...(options.publishedAtNow ? ['published_at = now()'] : []),
    ];
    await connection.execute(
      `update kb_article set ${sets.join(', ')} where id = ?`,
      [...changed.map(([, value]) => value), options.id],
      'run',
      trx,
    );

    await recordVersion(connection, trx, options);
    await enqueueIndexJob(connection, trx, 'article', options.id);
  });
}

/** Copies the article row as it now is into kb_article_version. */
async function recordVersion(
  connection: Connection,
  trx: Transaction,
  options: { id: number; agentId: number | null; change: string },
): Promise<void> {
  await connection.execute(
    `insert into kb_article_version (article_id, version, title, body, tags, language, audience,
       status, owner_agent_id, team_id, review_by, edited_by_agent_id, change)
     select id, version, title, body, tags, language, audience, status, owner_agent_id, team_id,
            review_by, ?, ?
       from kb_article where id = ?`,
    [options.agentId, options.change, options.id],
    'run',
    trx,
  );
}

/** Queues a KB article or macro for the KB indexer and rings its bell when the transaction commits. */
export async function enqueueIndexJob(
  connection: Connection,
  trx: Transaction,
  kind: 'article' | 'macro',
  id: number,
): Promise<void> {
  await connection.execute(
    'insert into kb_index_job (kind, ref_id) values (?, ?)',
    [kind, id],
    'run',
    trx,
  );
  await connection.execute(`select pg_notify('kb_index_job', '')`, [], 'all', trx);
}

/** Reads one KB article with its rendered body, owner, team and ticket count; null if missing. */
export async function findKbArticle(em: EntityManager, id: number): Promise<KbArticleView | null> {
  const [row] = await em.getConnection().execute<Row[]>(`${articleSelect} where a.id = ?`, [id]);
  if (row === undefined) return null;
  const body = String(row.body);
  return { ...toSummary(row), body, html: renderKbMarkdown(body) };
}

/** Lists KB articles newest first, narrowed by status, audience, language or team. */
export async function listKbArticles(
  em: EntityManager,
  query: {
    status?: KbStatus;
    audience?: KbAudience;
    language?: KbLanguage;
    teamId?: number;
    page: number;
    pageSize: number;
  },
): Promise<{ items: KbArticleSummary[]; total: number }> {
  const filters: [string, string | number][] = [];
  for (const field of ['status', 'audience', 'language'] as const) {
    const value = query[field];
    if (value !== undefined) filters.push([`a.${field} = ?`, value]);
  }
  if (query.teamId !== undefined) filters.push(['a.team_id = ?', query.teamId]);
  const where = filters.length > 0 ? `where ${filters.map(([sql]) => sql).join(' and ')}` : '';
  const values = filters.map(([, value]) => value);

  const connection = em.getConnection();
  const rows = await connection.execute<Row[]>(
    `${articleSelect} ${where} order by a.updated_at desc, a.id desc limit ? offset ?`,
    [...values, query.pageSize, (query.page - 1) * query.pageSize],
  );
  const [count] = await connection.execute<{ total: string }[]>(
    `select count(*) as total from kb_article a ${where}`,
    values,
  );
  return { items: rows.map(toSummary), total: Number(count!.total) };
}

const versionSelect = `
  select v.version, v.title, v.body, v.tags, v.language, v.audience, v.status,
         to_char(v.review_by, 'YYYY-MM-DD') as review_by, v.change, v.created_at,
         v.edited_by_agent_id, e.name as edited_by_name
    from kb_article_version v
    left join agent e on e.id = v.edited_by_agent_id`;

/** Lists every version of a KB article, newest first: who made it, when, and what it held. */
export async function listKbVersions(em: EntityManager, id: number): Promise<KbVersionView[]> {
  const rows = await em
    .getConnection()
    .execute<Row[]>(`${versionSelect} where v.article_id = ? order by v.version desc`, [id]);
  return rows.map(toVersion);
}

/** Reads one version of a KB article; null if either does not exist. */
export async function findKbVersion(
  em: EntityManager,
  id: number,
  version: number,
): Promise<KbVersionView | null> {
  const [row] = await em
    .getConnection()
    .execute<Row[]>(`${versionSelect} where v.article_id = ? and v.version = ?`, [id, version]);
  return row === undefined ? null : toVersion(row);
}

/** Attaches a KB article to a ticket once (repeats are no-ops) and returns how many tickets it has helped. */
export async function linkKbArticleToTicket(
  em: EntityManager,
  options: { articleId: number; ticketId: number; agentId: number | null },
): Promise<{ ticketCount: number }> {
  const connection = em.getConnection();
  return connection.transactional(async (trx) => {
    const inserted = await connection.execute<Row[]>(
      `insert into kb_ticket_link (article_id, ticket_id, agent_id) values (?, ?, ?)
       on conflict do nothing returning article_id`,
      [options.articleId, options.ticketId, options.agentId],
      'all',
      trx,
    );
    // The count is part of the ranking, so a new link re-indexes the KB article.
    if (inserted.length > 0) await enqueueIndexJob(connection, trx, 'article', options.articleId);

    const [count] = await connection.execute<{ total: string }[]>(
      'select count(*) as total from kb_ticket_link where article_id = ?',
      [options.articleId],
      'all',
      trx,
    );
    return { ticketCount: Number(count!.total) };
  });
}

/** Lists the KB articles attached to a ticket. */
export async function listTicketKbArticles(
  em: EntityManager,
  ticketId: number,
): Promise<KbArticleSummary[]> {
  const rows = await em
    .getConnection()
    .execute<Row[]>(
      `${articleSelect} join kb_ticket_link k on k.article_id = a.id where k.ticket_id = ? order by k.created_at`,
      [ticketId],
    );
  return rows.map(toSummary);
}

/** Records that an agent used a suggested KB article in a reply, at which rank it was offered. */
export async function recordSuggestionUse(
  em: EntityManager,
  options: { articleId: number; ticketId: number; agentId: number | null; rank: number },
): Promise<void> {
  await em
    .getConnection()
    .execute(
      'insert into kb_suggestion_use (article_id, ticket_id, agent_id, rank) values (?, ?, ?, ?)',
      [options.articleId, options.ticketId, options.agentId, options.rank],
      'run',
    );
}

/** Records that an agent inserted a suggested macro into a reply on a ticket. */
export async function recordMacroSuggestionUse(
  em: EntityManager,
  options: { macroId: number; ticketId: number; agentId: number | null; rank: number },
): Promise<void> {
  await em
    .getConnection()
    .execute(
      'insert into macro_suggestion_use (macro_id, ticket_id, agent_id, rank) values (?, ?, ?, ?)',
      [options.macroId, options.ticketId, options.agentId, options.rank],
      'run',
    );
}

/** True when a macro with this id exists. */
export async function macroExists(em: EntityManager, macroId: number): Promise<boolean> {
  const rows = await em
    .getConnection()
    .execute<{ id: number }[]>('select id from macro where id = ?', [macroId]);
  return rows.length > 0;
}

/** Counts suggestion uses per rank, so a lead can see whether the first suggestion is the useful one. */
export async function countSuggestionUses(em: EntityManager): Promise<Record<number, number>> {
  const rows = await em
    .getConnection()
    .execute<{ rank: number; uses: string }[]>(
      'select rank, count(*) as uses from kb_suggestion_use group by rank order by rank',
    );
  return Object.fromEntries(rows.map((row) => [row.rank, Number(row.uses)]));
}

/** Logs one search and how many hits it had; the query is kept so leads can see what is missing. */
export async function recordKbSearch(
  em: EntityManager,
  options: {
    query: string;
    source: 'agent' | 'help_center' | 'suggestion';
    language?: string;
    hitCount: number;
  },
): Promise<void> {
  await em.getConnection().execute(
    `insert into kb_search_log (query, normalised_query, source, language, hit_count)
     values (?, ?, ?, ?, ?)`,
    [
      options.query,
      normaliseQuery(options.query),
      options.source,
      options.language ?? null,
      options.hitCount,
    ],
    'run',
  );
}

/** Lower case, no accents, single spaces: "Problème  d'impression" and "probleme d'impression" are one search. */
export function normaliseQuery(query: string): string {
  return query
    .normalize('NFKD')
    .replace(/\p{Mn}/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** What a lead reviews: published KB articles past their review date, and searches that found nothing at least `minMisses` times. */
export async function loadKbReviewList(
  em: EntityManager,
  options: { today: string; since: Date; minMisses: number },
): Promise<KbReviewList> {
  const connection = em.getConnection();
  const overdue = await connection.execute<Row[]>(
    `${articleSelect} where a.status = 'published' and a.review_by < ?::date order by a.review_by, a.id`,
    [options.today],
  );
  const missing = await connection.execute<{ query: string; count: string; last_at: Date }[]>(
    `select min(query) as query, count(*) as count, max(created_at) as last_at
       from kb_search_log
      where hit_count = 0 and created_at >= ?
      group by normalised_query
     having count(*) >= ?
      order by count(*) desc, max(created_at) desc
      limit 50`,
    [options.since, options.minMisses],
  );
  return {
    overdue: overdue.map(toSummary),
    missingSearches: missing.map((row) => ({
      query: row.query,
      count: Number(row.count),
      lastAt: new Date(row.last_at).toISOString(),
    })),
  };
}

/** True when the agent leads a team; leads review KB articles and missed searches. */
export async function isTeamLead(em: EntityManager, agentId: number): Promise<boolean> {
  const rows = await em
    .getConnection()
    .execute<Row[]>('select 1 from team where lead_agent_id = ? limit 1', [agentId]);
  return rows.length > 0;
}

/** Creates a macro and queues it for the macro index. */
export async function createMacro(
  em: EntityManager,
  macro: {
    title: string;
    body: string;
    tags: string[];
    language: KbLanguage;
    teamId: number | null;
  },
): Promise<number> {
  const connection = em.getConnection();
  return connection.transactional(async (trx) => {
    const [row] = await connection.execute<{ id: number }[]>(
      'insert into macro (title, body, tags, language, team_id) values (?, ?, ?, ?, ?) returning id',
      [macro.title, macro.body, JSON.stringify(macro.tags), macro.language, macro.teamId],
      'all',
      trx,
    );
    await enqueueIndexJob(connection, trx, 'macro', row!.id);
    return row!.id;
  });
}

/** The words a ticket offers for suggestions: subject, tags, and its customers' messages. */
export async function loadTicketForSuggestions(
  em: EntityManager,
  ticketId: number,
): Promise<{
  subject: string;
  tags: string[];
  body: string;
  requesterName: string | null;
  requesterEmail: string | null;
} | null> {
  const connection = em.getConnection();
  const [ticket] = await connection.execute<
    {
      subject: string;
      tags: string[];
      requester_name: string | null;
      requester_email: string | null;
    }[]
  >(
    `select t.subject, t.tags, r.name as requester_name, r.email as requester_email
       from ticket t join requester r on r.id = t.requester_id
      where t.id = ?`,
    [ticketId],
  );
  if (ticket === undefined) return null;

  // The first inbound messages say what the problem is; later ones are mostly thanks and chasers.
  const messages = await connection.execute<{ text: string }[]>(
    `select left(text, 4000) as text from message
      where ticket_id = ? and kind = 'inbound' order by created_at, id limit 3`,
    [ticketId],
  );
  return {
    subject: ticket.subject,
    tags: ticket.tags,
    body: messages.map((message) => message.text).join('\n'),
    requesterName: ticket.requester_name,
    requesterEmail: ticket.requester_email,
  };
}

/** The agent's display name, or null when no such agent exists; reads only. */
export async function findAgentName(em: EntityManager, agentId: number): Promise<string | null> {
  const [row] = await em
    .getConnection()
    .execute<{ name: string }[]>('select name from agent where id = ?', [agentId]);
  return row?.name ?? null;
}

function toSummary(row: Row): KbArticleSummary {
  return {
    id: Number(row.id),
    title: String(row.title),
    tags: row.tags as string[],
    language: row.language as KbLanguage,
    audience: row.audience as KbAudience,
    status: row.status as KbStatus,
    owner:
      row.owner_agent_id == null
        ? null
        : { id: Number(row.owner_agent_id), name: String(row.owner_name) },
    team: row.team_id == null ? null : { id: Number(row.team_id), name: String(row.team_name) },
    reviewBy: (row.review_by as string | null) ?? null,
    version: Number(row.version),
    ticketCount: Number(row.ticket_count),
    createdAt: new Date(row.created_at as string).toISOString(),
    updatedAt: new Date(row.updated_at as string).toISOString(),
    publishedAt:
      row.published_at == null ? null : new Date(row.published_at as string).toISOString(),
  };
}

function toVersion(row: Row): KbVersionView {
  return {
    version: Number(row.version),
    title: String(row.title),
    body: String(row.body),
    tags: row.tags as string[],
    language: row.language as KbLanguage,
    audience: row.audience as KbAudience,
    status: row.status as KbStatus,
    reviewBy: (row.review_by as string | null) ?? null,
    editedBy:
      row.edited_by_agent_id == null
        ? null
        : { id: Number(row.edited_by_agent_id), name: String(row.edited_by_name) },
    change: String(row.change),
    createdAt: new Date(row.created_at as string).toISOString(),
  };
}
