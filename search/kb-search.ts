// Searches over the `kb_articles` and `macros` indexes: agents' KB search, the public help
// center, macro look-up and the suggestions shown beside a ticket. Read-only, and it never
// throws because Meilisearch is down: the caller gets a notice to show instead of results, and
// every other screen keeps working. Accents, case and small typos are handled by the index
// settings (search/kb-settings.ts, cases C19). Tests: tests/kb/kb-search.test.ts.
import { MeilisearchApiError, type Hit } from 'meilisearch';
import type { Logger } from 'pino';
import type {
  Highlighted,
  KbSearchHit,
  KbSearchResult,
  KbSuggestion,
  MacroSearchHit,
  MacroSearchResult,
} from '../api/kb-contract.ts';
import type { KbAudience, KbLanguage } from '../db/entities/knowledge-base.ts';
import type { Meili } from './client.ts';
import type { KbArticleDocument, MacroDocument } from './kb-document.ts';
import { detectLanguage, ticketQueryWords } from './kb-language.ts';
import { kbArticleIndexUid, macroIndexUid } from './kb-settings.ts';

/** What agents read when Meilisearch cannot answer. */
export const kbSearchUnavailableNotice =
  'Knowledge base search is temporarily unavailable; please try again in a minute. KB articles and tickets still open.';

/** What customers read in the help center when Meilisearch cannot answer. */
export const helpCenterUnavailableNotice =
  'Search is temporarily unavailable; please try again in a few minutes, or browse the articles below.';

/** The facets a KB search counts over all its matches. */
export const kbFacets = ['teamName', 'tags', 'language', 'audience'] as const;

/** Narrows a KB search to KB articles with these exact values. */
export interface KbSearchFilters {
  teamName?: string;
  tag?: string;
  language?: KbLanguage;
  audience?: KbAudience;
  status?: 'draft' | 'published';
}

// Control characters never appear in article text, so they mark matches unambiguously.
const matchStart = '\u0001';
const matchEnd = '\u0002';
const snippetWords = 30;

/** Finds KB articles for `q` with facets, highlighted matches and pages; a notice instead of throwing when Meilisearch is down. */
export async function searchKbArticles(options: {
  meili: Meili;
  q: string;
  filters?: KbSearchFilters;
  page?: number;
  pageSize?: number;
  indexUid?: string;
  unavailableNotice?: string;
  log?: Logger;
}): Promise<KbSearchResult> {
  const page = options.page ?? 1;
  const pageSize = options.pageSize ?? 20;
  const empty = { query: options.q, hits: [], total: 0, page, pageSize, totalPages: 0, facets: {} };
  const index = options.meili.index<KbArticleDocument>(options.indexUid ?? kbArticleIndexUid);

  try {
    const response = await index.search(options.q, {
      page,
      hitsPerPage: pageSize,
      filter: filterExpressions(options.filters ?? {}),
      facets: [...kbFacets],
      attributesToRetrieve: ['id', 'tags', 'language', 'audience', 'teamName'],
      attributesToHighlight: ['title', 'body'],
      attributesToCrop: ['body'],
      cropLength: snippetWords,
      cropMarker: '…',
      highlightPreTag: matchStart,
      highlightPostTag: matchEnd,
    });
    return {
      ...empty,
      hits: response.hits.map(toKbSearchHit),
      total: response.totalHits ?? 0,
      totalPages: response.totalPages ?? 0,
      facets: response.facetDistribution ?? {},
    };
  } catch (error) {
    const notice = options.unavailableNotice ?? kbSearchUnavailableNotice;
    return { ...empty, ...degrade(error, notice, options.log) };
  }
}

/** Finds macros for `q` in one language or all; a notice instead of throwing when Meilisearch is down. */
export async function searchMacros(options: {
  meili: Meili;
  q: string;
  language?: KbLanguage;
  limit?: number;
  indexUid?: string;
  log?: Logger;
}): Promise<MacroSearchResult> {
  const index = options.meili.index<MacroDocument>(options.indexUid ?? macroIndexUid);
  try {
    const response = await index.search(options.q, {
      limit: options.limit ?? 10,
      filter: filterExpressions({ language: options.language }),
      attributesToRetrieve: ['id', 'title', 'body', 'language'],
    });
    const hits = response.hits.map(({ id, title, body, language }) => ({
      id,
      title,
      body,
      language,
    }));
    return { query: options.q, hits };
  } catch (error) {
    return {
      query: options.q,
      hits: [],
      ...degrade(error, kbSearchUnavailableNotice, options.log),
    };
  }
}

/** What a ticket says, as the suggestion searches read it. */
export interface TicketText {
  subject: string;
  tags: string[];
  body: string;
}

/** The published KB articles most likely to answer a ticket, searched in the ticket's language. */
export async function suggestKbArticles(options: {
  meili: Meili;
  ticket: TicketText;
  limit?: number;
  indexUid?: string;
  log?: Logger;
}): Promise<{ language: KbLanguage; query: string; suggestions: KbSuggestion[]; notice?: string }> {
  const { hits, ...found } = await searchForTicket<KbArticleDocument>({
    meili: options.meili,
    indexUid: options.indexUid ?? kbArticleIndexUid,
    ticket: options.ticket,
    filterFor: (language) => filterExpressions({ status: 'published', language }),
    limit: options.limit ?? 3,
    attributesToRetrieve: ['id', 'title', 'audience'],
    attributesToCrop: ['body'],
    log: options.log,
  });
  return { ...found, suggestions: hits.map((hit, place) => toSuggestion(hit, place + 1)) };
}

/** The macros most likely to answer a ticket, chosen like KB article suggestions, in the ticket's language. */
export async function suggestMacros(options: {
  meili: Meili;
  ticket: TicketText;
  limit?: number;
  indexUid?: string;
  log?: Logger;
}): Promise<{ language: KbLanguage; query: string; macros: MacroSearchHit[]; notice?: string }> {
  const { hits, ...found } = await searchForTicket<MacroDocument>({
    meili: options.meili,
    indexUid: options.indexUid ?? macroIndexUid,
    ticket: options.ticket,
    filterFor: (language) => filterExpressions({ language }),
    limit: options.limit ?? 3,
    attributesToRetrieve: ['id', 'title', 'body', 'language'],
    log: options.log,
  });
  const macros = hits.map(({ id, title, body, language }) => ({ id, title, body, language }));
  return { ...found, macros };
}

/**
 * The published KB article that best answers a ticket and its ranking score (0–1), found as
 * suggestions are; null when none matches. Reports use the score to find knowledge gaps.
 */
export async function findKbAnswer(options: {
  meili: Meili;
  ticket: TicketText;
  indexUid?: string;
  log?: Logger;
}): Promise<{
  best: { id: number; title: string; score: number } | null;
  /** The ticket's words that some published KB article contains, as searched. */
  query: string;
  notice?: string;
}> {
  const { hits, notice, query } = await searchForTicket<KbArticleDocument>({
    meili: options.meili,
    indexUid: options.indexUid ?? kbArticleIndexUid,
    ticket: options.ticket,
    filterFor: (language) => filterExpressions({ status: 'published', language }),
    limit: 1,
    attributesToRetrieve: ['id', 'title'],
    showRankingScore: true,
    log: options.log,
  });
  const hit = hits[0];
  const best =
    hit === undefined ? null : { id: hit.id, title: hit.title, score: hit._rankingScore ?? 0 };
  return notice === undefined ? { best, query } : { best, query, notice };
}

/**
 * Searches one index with the ticket's telling words, in the ticket's language: the shared
 * core of KB article and macro suggestions. A notice instead of throwing when Meilisearch is down.
 */
async function searchForTicket<T extends KbArticleDocument | MacroDocument>(options: {
  meili: Meili;
  indexUid: string;
  ticket: TicketText;
  filterFor: (language: KbLanguage) => string[];
  limit: number;
  attributesToRetrieve: string[];
  attributesToCrop?: string[];
  showRankingScore?: boolean;
  log?: Logger;
}): Promise<{ language: KbLanguage; query: string; hits: Hit<T>[]; notice?: string }> {
  const language = detectLanguage(`${options.ticket.subject}\n${options.ticket.body}`);
  const filter = options.filterFor(language);
  let query = '';

  try {
    query = await telltaleQuery({
      meili: options.meili,
      indexUid: options.indexUid,
      filter,
      words: ticketQueryWords(options.ticket),
    });
    if (query === '') return { language, query, hits: [] };

    // Whole words, as they were checked: no prefix reading of the last one either.
    const response = await options.meili.index<T>(options.indexUid).search(`${query} `, {
      limit: options.limit,
      filter,
      // Without all words in one document, drop words from the end: the subject's words come
      // first in the query, so what the customer named the problem decides what remains.
      matchingStrategy: 'last',
      attributesToRetrieve: options.attributesToRetrieve,
      showRankingScore: options.showRankingScore ?? false,
      ...(options.attributesToCrop
        ? { attributesToCrop: options.attributesToCrop, cropLength: 20, cropMarker: '…' }
        : {}),
    });
    return { language, query, hits: response.hits };
  } catch (error) {
    const degraded = degrade(error, kbSearchUnavailableNotice, options.log);
    return { language, query, hits: [], ...degraded };
  }
}

/**
 * Keeps the ticket's words that some candidate KB article contains, in one multi-search.
 * A word no KB article contains would otherwise survive the "last" strategy whenever it comes
 * first, and leave no results at all (measured on tests/fixtures/kb/evaluation.ts).
 */
async function telltaleQuery(options: {
  meili: Meili;
  indexUid: string;
  filter: string[];
  words: string[];
}): Promise<string> {
  if (options.words.length === 0) return '';
  const queries = options.words.map((q) => ({
    indexUid: options.indexUid,
    // A trailing space stops Meilisearch reading the word as a prefix ("zurück" would match
    // "zurücksetzen"), so a word is kept only if some KB article has it or a small typo of it.
    q: `${q} `,
    filter: options.filter,
    limit: 1,
    attributesToRetrieve: ['id'],
  }));
  const { results } = await options.meili.multiSearch({ queries });
  return options.words.filter((_, place) => (results[place]?.hits.length ?? 0) > 0).join(' ');
}

/** The link to paste into a reply: customers can open public KB articles in the help center. */
export function kbArticleUrl(article: { id: number; audience: string }): string {
  return article.audience === 'public'
    ? `/help/articles/${article.id}`
    : `/kb/articles/${article.id}`;
}

function toSuggestion(hit: Hit<KbArticleDocument>, rank: number): KbSuggestion {
  return {
    id: hit.id,
    title: hit.title,
    snippet: String(hit._formatted?.body ?? '').trim(),
    audience: hit.audience as KbAudience,
    url: kbArticleUrl(hit),
    rank,
  };
}

/** One `field = value` clause per filter; values are quoted so no input can change the expression. */
function filterExpressions(filters: KbSearchFilters): string[] {
  const fields: Record<keyof KbSearchFilters, string> = {
    teamName: 'teamName',
    tag: 'tags',
    language: 'language',
    audience: 'audience',
    status: 'status',
  };
  return Object.entries(filters)
    .filter(([, value]) => value !== undefined)
    .map(
      ([key, value]) =>
        `${fields[key as keyof KbSearchFilters]} = ${JSON.stringify(String(value))}`,
    );
}

function toKbSearchHit(hit: Hit<KbArticleDocument>): KbSearchHit {
  const formatted = hit._formatted ?? {};
  return {
    id: hit.id,
    title: toHighlighted(String(formatted.title ?? '')),
    snippet: toHighlighted(
      String(formatted.body ?? '')
        .replace(/\s+/g, ' ')
        .trim(),
    ),
    tags: hit.tags,
    language: hit.language as KbLanguage,
    audience: hit.audience as KbAudience,
    teamName: hit.teamName,
  };
}

/** Splits Meilisearch's marked text into plain segments, so nothing is ever rendered as HTML. */
export function toHighlighted(marked: string): Highlighted {
  const segments: Highlighted = [];
  for (const [place, part] of marked.split(matchStart).entries()) {
    const [inside, after] = place === 0 ? [null, part] : splitOnce(part, matchEnd);
    if (inside) segments.push({ text: inside, isMatch: true });
    if (after) segments.push({ text: after, isMatch: false });
  }
  return segments;
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at === -1 ? [text, ''] : [text.slice(0, at), text.slice(at + separator.length)];
}

/** Turns an outage into a notice (logged once here) and a missing index into no results; rethrows our own bugs. */
function degrade(error: unknown, notice: string, log?: Logger): { notice?: string } {
  if (isIndexMissing(error)) return {};
  if (!isUnavailable(error)) throw error;

  // The error's cause can carry the request, so only its name and message are logged.
  const { name, message } = error as Error;
  log?.warn({ reason: name, detail: message }, 'kb search unavailable');
  return { notice };
}

function isIndexMissing(error: unknown): boolean {
  return error instanceof MeilisearchApiError && error.cause?.code === 'index_not_found';
}

// Network failures, timeouts and server errors mean "try later"; a 4xx is our bug and is thrown.
function isUnavailable(error: unknown): boolean {
  if (error instanceof MeilisearchApiError) return error.response.status >= 500;
  const name = (error as Error | undefined)?.name;
  return name === 'MeilisearchRequestError' || name === 'MeilisearchRequestTimeOutError';
}
