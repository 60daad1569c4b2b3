// Knowledge-base routes (mounted under /api). `kbRoutes`, behind sign-in: agents write KB
// articles (every edit a version, with diff and restore), publish them, search KB articles and
// macros, attach KB articles to tickets and use the suggestions shown beside a ticket; leads
// review stale articles and searches that keep missing. The acting agent is the session's;
// without a session (API tests) the body's or query's `agentId` names it. `helpCenterRoutes`,
// public and read-only: published public KB articles only. Search answers 200 with a notice
// while Meilisearch is down. Tests: tests/kb/kb-api.test.ts.
import { Router, type Request } from 'express';
import { Role } from '../auth/roles.ts';
import type { Logger } from 'pino';
import { z } from 'zod';
import { kbAudiences, kbLanguages, kbStatuses } from '../../db/entities/knowledge-base.ts';
import type { EntityManager, Orm } from '../../db/orm.ts';
import {
  createKbArticle,
  findAgentName,
  findKbArticle,
  findKbVersion,
  isTeamLead,
  KbArticleError,
  linkKbArticleToTicket,
  listKbArticles,
  listKbVersions,
  listTicketKbArticles,
  loadKbReviewList,
  loadTicketForSuggestions,
  recordKbSearch,
  recordSuggestionUse,
  recordMacroSuggestionUse,
  macroExists,
  restoreKbArticleVersion,
  setKbArticleStatus,
  updateKbArticle,
} from '../../db/repositories/knowledge-base.ts';
import type { Meili } from '../../search/client.ts';
import { diffKbVersions } from '../../search/kb-diff.ts';
import {
  helpCenterUnavailableNotice,
  searchKbArticles,
  searchMacros,
  suggestKbArticles,
  suggestMacros,
} from '../../search/kb-search.ts';
import { renderMacro } from '../../search/kb-macro-render.ts';
import type {
  KbArticleView,
  KbSearchResult,
  KbSuggestionList,
  MacroSuggestionList,
} from '../kb-contract.ts';
import { ProblemError } from '../errors.ts';
import { parse, pathId } from '../request-input.ts';

export interface KbRouteDeps {
  orm: Orm;
  meili: Meili;
  /** The indexes to search; production uses `kb_articles` and `macros`. */
  articleIndexUid?: string;
  macroIndexUid?: string;
  /** Today's date (YYYY-MM-DD) for review deadlines; tests pin it. */
  today?: () => string;
}

const id = z.coerce.number().int().positive();
const agentId = z.number().int().positive();
const actingAgentId = agentId.optional();
const idParams = z.object({ id: pathId });
const versionParams = z.object({ id: pathId, version: pathId });
const suggestionParams = z.object({ id: pathId, articleId: pathId });
const macroUseParams = z.object({ id: pathId, macroId: pathId });

const articleFields = {
  title: z.string().trim().min(1).max(300),
  body: z.string().max(200_000),
  tags: z.array(z.string().trim().min(1).max(50)).max(20),
  language: z.enum(kbLanguages),
  audience: z.enum(kbAudiences),
  ownerAgentId: agentId.nullable(),
  teamId: z.number().int().positive().nullable(),
  reviewBy: z.iso.date().nullable(),
};
const createBody = z.object({
  agentId: actingAgentId,
  ...articleFields,
  tags: articleFields.tags.default([]),
  ownerAgentId: articleFields.ownerAgentId.default(null),
  teamId: articleFields.teamId.default(null),
  reviewBy: articleFields.reviewBy.default(null),
});
const updateBody = z.object({
  agentId: actingAgentId,
  expectedVersion: z.number().int().positive(),
  ...z.object(articleFields).partial().shape,
});
const statusBody = z.object({
  agentId: actingAgentId,
  expectedVersion: z.number().int().positive().optional(),
});
const agentBody = z.object({ agentId: actingAgentId });
const linkBody = z.object({ agentId: actingAgentId, articleId: z.number().int().positive() });
const useBody = z.object({ agentId: actingAgentId, rank: z.number().int().min(1).max(20) });

const paging = {
  page: z.coerce.number().int().min(1).max(1_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
};
const listQuery = z.object({
  status: z.enum(kbStatuses).optional(),
  audience: z.enum(kbAudiences).optional(),
  language: z.enum(kbLanguages).optional(),
  teamId: z.coerce.number().int().positive().optional(),
  ...paging,
});
const searchQuery = z.object({
  q: z.string().trim().max(200).default(''),
  team: z.string().trim().min(1).max(100).optional(),
  tag: z.string().trim().min(1).max(50).optional(),
  language: z.enum(kbLanguages).optional(),
  audience: z.enum(kbAudiences).optional(),
  status: z.enum(kbStatuses).optional(),
  ...paging,
});
const helpQuery = z.object({
  q: z.string().trim().max(200).default(''),
  language: z.enum(kbLanguages).optional(),
  ...paging,
});
const macroQuery = z.object({
  q: z.string().trim().min(1).max(200),
  language: z.enum(kbLanguages).optional(),
});
const diffQuery = z.object({ from: id, to: id });
const reviewQuery = z.object({ agentId: z.coerce.number().int().positive().optional() });
const suggestionQuery = z.object({ limit: z.coerce.number().int().min(1).max(10).default(3) });
const macroSuggestionQuery = suggestionQuery.extend({
  agentId: z.coerce.number().int().positive().optional(),
});

/** How far back the lead's list of missed searches looks, and how often a search must miss to be listed. */
const missedSearchWindowDays = 30;
const minMisses = 2;

/** Serves the knowledge base to signed-in agents and leads. */
export function kbRoutes(deps: KbRouteDeps): Router {
  const router = Router();
  const em = () => deps.orm.em.fork();

  router.get('/kb/articles', async (req, res) => {
    const query = parse(listQuery, req.query, 'query');
    const { items, total } = await listKbArticles(em(), query);
    res.json({ items, total, page: query.page, pageSize: query.pageSize });
  });

  router.post('/kb/articles', async (req, res) => {
    const { agentId: named, ...input } = parse(createBody, req.body);
    const author = await actingWriter(em(), req, named);
    await requireAgents(em(), [input.ownerAgentId]);
    const article = await createKbArticle(em(), { input, agentId: author });
    req.log.info({ kbArticleId: article.id, agentId: author }, 'kb article created');
    res.status(201).json(article);
  });

  router.get('/kb/articles/:id', async (req, res) => {
    const { id: articleId } = parse(idParams, req.params, 'path');
    res.json(await requireArticle(em(), articleId));
  });

  router.patch('/kb/articles/:id', async (req, res) => {
    const { id: articleId } = parse(idParams, req.params, 'path');
    const { agentId: named, expectedVersion, ...changes } = parse(updateBody, req.body);
    const author = await actingWriter(em(), req, named);
    await requireAgents(em(), [changes.ownerAgentId ?? null]);
    const article = await refuseKbErrors(() =>
      updateKbArticle(em(), { id: articleId, expectedVersion, changes, agentId: author }),
    );
    const logged = { kbArticleId: articleId, agentId: author, version: article.version };
    req.log.info(logged, 'kb article edited');
    res.json(article);
  });

  for (const [action, status] of [
    ['publish', 'published'],
    ['unpublish', 'draft'],
  ] as const) {
    router.post(`/kb/articles/:id/${action}`, async (req, res) => {
      const { id: articleId } = parse(idParams, req.params, 'path');
      const { agentId: named, expectedVersion } = parse(statusBody, req.body);
      const author = await actingWriter(em(), req, named);
      const article = await refuseKbErrors(() =>
        setKbArticleStatus(em(), { id: articleId, status, agentId: author, expectedVersion }),
      );
      req.log.info(
        { kbArticleId: articleId, agentId: author, status },
        'kb article status changed',
      );
      res.json(article);
    });
  }

  router.get('/kb/articles/:id/versions', async (req, res) => {
    const { id: articleId } = parse(idParams, req.params, 'path');
    await requireArticle(em(), articleId);
    res.json(await listKbVersions(em(), articleId));
  });

  router.get('/kb/articles/:id/versions/:version', async (req, res) => {
    const params = parse(versionParams, req.params, 'path');
    res.json(await requireVersion(em(), params.id, params.version));
  });

  router.get('/kb/articles/:id/diff', async (req, res) => {
    const { id: articleId } = parse(idParams, req.params, 'path');
    const { from, to } = parse(diffQuery, req.query, 'query');
    const [older, newer] = await Promise.all([
      requireVersion(em(), articleId, from),
      requireVersion(em(), articleId, to),
    ]);
    res.json(diffKbVersions({ ...older, version: from }, { ...newer, version: to }));
  });

  router.post('/kb/articles/:id/versions/:version/restore', async (req, res) => {
    const params = parse(versionParams, req.params, 'path');
    const { agentId: named } = parse(agentBody, req.body);
    const author = await actingWriter(em(), req, named);
    const article = await refuseKbErrors(() =>
      restoreKbArticleVersion(em(), { ...params, agentId: author }),
    );
    const logged = { kbArticleId: params.id, agentId: author, from: params.version };
    req.log.info(logged, 'kb article restored');
    res.json(article);
  });

  router.get('/kb/search', async (req, res) => {
    const { q, page, pageSize, team, tag, ...filters } = parse(searchQuery, req.query, 'query');
    const result = await searchKbArticles({
      meili: deps.meili,
      indexUid: deps.articleIndexUid,
      q,
      filters: { ...filters, teamName: team, tag },
      page,
      pageSize,
      log: req.log,
    });
    await logSearch(em(), req, { q, page, result, source: 'agent', language: filters.language });
    res.json(result);
  });

  router.get('/kb/macros/search', async (req, res) => {
    const { q, language } = parse(macroQuery, req.query, 'query');
    const options = { meili: deps.meili, indexUid: deps.macroIndexUid, q, language, log: req.log };
    res.json(await searchMacros(options));
  });

  router.get('/kb/review', async (req, res) => {
    const { agentId: named } = parse(reviewQuery, req.query, 'query');
    await requireLead(em(), req, named);
    const today = deps.today?.() ?? new Date().toISOString().slice(0, 10);
    const since = new Date(Date.now() - missedSearchWindowDays * 86_400_000);
    res.json(await loadKbReviewList(em(), { today, since, minMisses }));
  });

  router.get('/tickets/:id/kb-articles', async (req, res) => {
    const { id: ticketId } = parse(idParams, req.params, 'path');
    res.json(await listTicketKbArticles(em(), ticketId));
  });

  router.post('/tickets/:id/kb-articles', async (req, res) => {
    const { id: ticketId } = parse(idParams, req.params, 'path');
    const { agentId: named, articleId } = parse(linkBody, req.body);
    const agent = await actingWriter(em(), req, named);
    await requireTicket(em(), ticketId);
    await requireArticle(em(), articleId);
    res.json(await linkKbArticleToTicket(em(), { ticketId, articleId, agentId: agent }));
  });

  router.get('/tickets/:id/kb-suggestions', async (req, res) => {
    const { id: ticketId } = parse(idParams, req.params, 'path');
    const { limit } = parse(suggestionQuery, req.query, 'query');
    const ticket = await loadTicketForSuggestions(em(), ticketId);
    if (ticket === null) throw ProblemError.notFound(`ticket ${ticketId}`);

    const found = await suggestKbArticles({
      meili: deps.meili,
      indexUid: deps.articleIndexUid,
      ticket,
      limit,
      log: req.log,
    });
    const { language, suggestions, notice } = found;
    const answer: KbSuggestionList = {
      ticketId,
      language,
      suggestions,
      ...(notice ? { notice } : {}),
    };
    res.json(answer);
  });

  router.get('/tickets/:id/macro-suggestions', async (req, res) => {
    const { id: ticketId } = parse(idParams, req.params, 'path');
    const { limit, agentId: named } = parse(macroSuggestionQuery, req.query, 'query');
    const ticket = await loadTicketForSuggestions(em(), ticketId);
    if (ticket === null) throw ProblemError.notFound(`ticket ${ticketId}`);
    const agentName = await actingAgentName(em(), req, named);

    const found = await suggestMacros({
      meili: deps.meili,
      indexUid: deps.macroIndexUid,
      ticket,
      limit,
      log: req.log,
    });
    const values = {
      requesterName: ticket.requesterName,
      requesterEmail: ticket.requesterEmail,
      ticketNumber: ticketId,
      ticketSubject: ticket.subject,
      agentName,
    };
    const suggestions = found.macros.map((macro, place) => ({
      id: macro.id,
      title: macro.title,
      body: renderMacro(macro.body, values),
      rank: place + 1,
    }));
    const answer: MacroSuggestionList = {
      ticketId,
      language: found.language,
      suggestions,
      ...(found.notice ? { notice: found.notice } : {}),
    };
    res.json(answer);
  });

  router.post('/tickets/:id/macro-suggestions/:macroId/use', async (req, res) => {
    const { id: ticketId, macroId } = parse(macroUseParams, req.params, 'path');
    const { agentId: named, rank } = parse(useBody, req.body);
    const agent = await actingWriter(em(), req, named);
    await requireTicket(em(), ticketId);
    if (!(await macroExists(em(), macroId))) throw ProblemError.notFound(`macro ${macroId}`);
    await recordMacroSuggestionUse(em(), { ticketId, macroId, agentId: agent, rank });
    req.log.info({ ticketId, macroId, agentId: agent, rank }, 'macro suggestion used');
    res.status(204).end();
  });

  router.post('/tickets/:id/kb-suggestions/:articleId/use', async (req, res) => {
    const { id: ticketId, articleId } = parse(suggestionParams, req.params, 'path');
    const { agentId: named, rank } = parse(useBody, req.body);
    const agent = await actingWriter(em(), req, named);
    await requireTicket(em(), ticketId);
    await requireArticle(em(), articleId);
    await recordSuggestionUse(em(), { ticketId, articleId, agentId: agent, rank });
    // Using a suggestion in a reply is what "this KB article helped the ticket" means.
    const { ticketCount } = await linkKbArticleToTicket(em(), {
      ticketId,
      articleId,
      agentId: agent,
    });
    req.log.info({ ticketId, kbArticleId: articleId, agentId: agent, rank }, 'kb suggestion used');
    res.json({ ticketCount });
  });

  return router;
}

/** Serves published public KB articles to anyone, signed in or not; mount it before sign-in is required. */
export function helpCenterRoutes(deps: KbRouteDeps): Router {
  const router = Router();
  const em = () => deps.orm.em.fork();

  router.get('/help/articles', async (req, res) => {
    const { q, language, page, pageSize } = parse(helpQuery, req.query, 'query');
    const result = await searchKbArticles({
      meili: deps.meili,
      indexUid: deps.articleIndexUid,
      q,
      // Customers see published public KB articles and nothing else, whatever they ask for.
      filters: { audience: 'public', status: 'published', language },
      page,
      pageSize,
      unavailableNotice: helpCenterUnavailableNotice,
      log: req.log,
    });
    const answer = result.notice ? await browseWithoutSearch(em(), result, language) : result;
    await logSearch(em(), req, { q, page, result, source: 'help_center', language });
    res.json(stripInternalFacets(answer));
  });

  router.get('/help/articles/:id', async (req, res) => {
    const { id: articleId } = parse(idParams, req.params, 'path');
    const article = await findKbArticle(em(), articleId);
    if (article === null || article.audience !== 'public' || article.status !== 'published') {
      throw ProblemError.notFound(`help center article ${articleId}`);
    }
    res.json(toPublicArticle(article));
  });

  return router;
}

/**
 * The agent acting: the session's, else the one the request names (API tests run without
 * sessions). An auditor-only account reads the knowledge base but never changes it.
 */
async function actingWriter(
  em: EntityManager,
  req: Request,
  named: number | undefined,
): Promise<number> {
  if (req.agent !== undefined) {
    const writers: string[] = [Role.Agent, Role.Lead, Role.Admin];
    if (!req.agent.roles.some((role) => writers.includes(role))) {
      throw ProblemError.forbidden(
        'Changing the knowledge base needs the agent, lead or admin role.',
      );
    }
    return req.agent.id;
  }
  if (named === undefined) throw missingAgent();
  await requireAgents(em, [named]);
  return named;
}

/** The name that signs a reply: the session's agent, else the one the query names (API tests). */
async function actingAgentName(
  em: EntityManager,
  req: Request,
  named: number | undefined,
): Promise<string | null> {
  if (req.agent !== undefined) return req.agent.name;
  if (named === undefined) throw missingAgent();
  const name = await findAgentName(em, named);
  if (name === null) await requireAgents(em, [named]);
  return name;
}

/** Lets leads (and admins) through; without a session, the named agent must lead a team. */
async function requireLead(em: EntityManager, req: Request, named: number | undefined) {
  if (req.agent !== undefined) {
    const reviewers: string[] = [Role.Lead, Role.Admin];
    if (req.agent.roles.some((role) => reviewers.includes(role))) return;
    throw ProblemError.forbidden('Only leads review KB articles and missed searches.');
  }
  if (named === undefined) throw missingAgent();
  if (!(await isTeamLead(em, named))) {
    throw ProblemError.forbidden(`Agent ${named} leads no team; only leads review KB articles.`);
  }
}

function missingAgent(): ProblemError {
  return ProblemError.unauthenticated('Sign in, or name the acting agent as agentId.');
}

/** While search is down, the help center still lists the newest public KB articles from PostgreSQL. */
async function browseWithoutSearch(
  em: EntityManager,
  result: KbSearchResult,
  language: KbArticleView['language'] | undefined,
): Promise<KbSearchResult> {
  const { items, total } = await listKbArticles(em, {
    status: 'published',
    audience: 'public',
    language,
    page: result.page,
    pageSize: result.pageSize,
  });
  const hits = items.map((item) => ({
    id: item.id,
    title: [{ text: item.title, isMatch: false }],
    snippet: [],
    tags: item.tags,
    language: item.language,
    audience: item.audience,
    teamName: null,
  }));
  return { ...result, hits, total, totalPages: Math.ceil(total / result.pageSize) };
}

// Team names and the audience split are ours; customers get tags and languages only.
function stripInternalFacets(result: KbSearchResult): KbSearchResult {
  const { tags, language } = result.facets;
  const hits = result.hits.map((hit) => ({ ...hit, teamName: null }));
  return {
    ...result,
    hits,
    facets: { ...(tags ? { tags } : {}), ...(language ? { language } : {}) },
  };
}

/** What a customer may read of a KB article: no owner, team, review date or counts. */
function toPublicArticle(article: KbArticleView) {
  const { id: articleId, title, html, tags, language, updatedAt } = article;
  return { id: articleId, title, html, tags, language, updatedAt };
}

/** Logs the first page of every real search, so leads can see what keeps finding nothing. */
async function logSearch(
  em: EntityManager,
  req: Request,
  options: {
    q: string;
    page: number;
    result: KbSearchResult;
    source: 'agent' | 'help_center';
    language?: string;
  },
): Promise<void> {
  if (options.q === '' || options.page !== 1 || options.result.notice) return;
  try {
    await recordKbSearch(em, {
      query: options.q,
      source: options.source,
      language: options.language,
      hitCount: options.result.total,
    });
  } catch (error) {
    // The search itself worked; losing one log line must not turn it into an error.
    (req.log as Logger).warn({ err: error }, 'kb search not logged');
  }
}

async function refuseKbErrors<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!(error instanceof KbArticleError)) throw error;
    if (error.reason === 'stale') throw ProblemError.conflict(error.message, error);
    throw new ProblemError({
      status: 404,
      type: 'not-found',
      title: 'Not found',
      detail: error.message,
      cause: error,
    });
  }
}

async function requireArticle(em: EntityManager, articleId: number): Promise<KbArticleView> {
  const article = await findKbArticle(em, articleId);
  if (article === null) throw ProblemError.notFound(`KB article ${articleId}`);
  return article;
}

async function requireVersion(em: EntityManager, articleId: number, version: number) {
  const found = await findKbVersion(em, articleId, version);
  if (found === null) throw ProblemError.notFound(`version ${version} of KB article ${articleId}`);
  return found;
}

async function requireTicket(em: EntityManager, ticketId: number): Promise<void> {
  const rows = await em.getConnection().execute('select 1 from ticket where id = ?', [ticketId]);
  if (rows.length === 0) throw ProblemError.notFound(`ticket ${ticketId}`);
}

/** Refuses with 422 when a named agent does not exist; nulls are skipped. */
async function requireAgents(em: EntityManager, agentIds: (number | null)[]): Promise<void> {
  for (const agent of agentIds) {
    if (agent === null) continue;
    const rows = await em.getConnection().execute('select 1 from agent where id = ?', [agent]);
    if (rows.length > 0) continue;
    throw new ProblemError({
      status: 422,
      type: 'invalid-request',
      title: 'Invalid request',
      detail: `agent ${agent} does not exist`,
      errors: [{ field: 'body.agentId', problem: `agent ${agent} does not exist` }],
    });
  }
}
