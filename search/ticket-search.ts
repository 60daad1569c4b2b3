// Agent-side ticket search over the `tickets` index. Read-only; it never throws because
// Meilisearch is down: search is derived data, so the workspace shows a plain notice and
// every other screen keeps working. Tests: tests/search/ticket-search.test.ts.
import { MeilisearchApiError, type Hit, type SearchParams } from 'meilisearch';
import type { Logger } from 'pino';
import type { SearchHit, SearchResult } from '../api/contract.ts';
import type { Channel, Priority, TicketStatus } from '../workflows/ticket/vocabulary.ts';
import type { Meili } from './client.ts';
import { ticketIndexUid } from './settings.ts';
import type { TicketDocument } from './ticket-document.ts';

/** What the user reads when Meilisearch cannot answer. */
export const searchUnavailableNotice =
  'Search is temporarily unavailable; please try again in a minute. Queues and tickets still work.';

/** Narrows a search to tickets with these exact values. */
export interface TicketSearchFilters {
  status?: TicketStatus;
  priority?: Priority;
  channel?: Channel;
  queueId?: number;
  teamId?: number;
  assigneeId?: number;
}

/** Words of context around the match in a hit's snippet. */
const snippetWords = 24;

// Text searched for a snippet, in order of preference when several match.
const snippetAttributes = ['conversation', 'internalNotes'] as const;

/** Finds tickets matching `q` (accent-, case- and typo-tolerant); answers a notice instead of throwing when Meilisearch is down. */
export async function searchTickets(options: {
  meili: Meili;
  q: string;
  filters?: TicketSearchFilters;
  page?: number;
  pageSize?: number;
  indexUid?: string;
  log?: Logger;
}): Promise<SearchResult> {
  const { meili, q } = options;
  const index = meili.index<TicketDocument>(options.indexUid ?? ticketIndexUid);

  try {
    const response = await index.search(q, searchParams(options));
    return { query: q, hits: response.hits.map(toSearchHit) };
  } catch (error) {
    if (isIndexMissing(error)) return { query: q, hits: [] };
    if (!isUnavailable(error)) throw error;

    // The error's cause can carry the request, so only its name and message are logged.
    const { name, message } = error as Error;
    options.log?.warn({ reason: name, detail: message }, 'ticket search unavailable');
    return { query: q, hits: [], notice: searchUnavailableNotice };
  }
}

function searchParams(options: {
  filters?: TicketSearchFilters;
  page?: number;
  pageSize?: number;
}): SearchParams {
  return {
    page: options.page ?? 1,
    hitsPerPage: options.pageSize ?? 20,
    filter: filterExpressions(options.filters ?? {}),
    attributesToRetrieve: ['id', 'number', 'subject', 'status'],
    attributesToCrop: [...snippetAttributes],
    cropLength: snippetWords,
    cropMarker: '…',
    showMatchesPosition: true,
  };
}

/** One `field = value` clause per filter; values are quoted so no input can change the expression. */
function filterExpressions(filters: TicketSearchFilters): string[] {
  return Object.entries(filters)
    .filter(([, value]) => value !== undefined)
    .map(([field, value]) => `${field} = ${JSON.stringify(String(value))}`);
}

function toSearchHit(hit: Hit<TicketDocument>): SearchHit {
  return {
    id: hit.id,
    number: hit.number,
    subject: hit.subject,
    status: hit.status,
    snippet: snippetOf(hit),
  };
}

// The snippet is plain cropped text, never HTML, so the UI can show it without escaping tricks.
function snippetOf(hit: Hit<TicketDocument>): string {
  const formatted = hit._formatted ?? {};
  const matched = snippetAttributes.find((name) => hit._matchesPosition?.[name]?.length);
  const text = formatted[matched ?? 'conversation'] ?? '';
  return String(text).replace(/\s+/g, ' ').trim();
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
