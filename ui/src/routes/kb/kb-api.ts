// The knowledge-base calls of the workspace and the help center, on the same terms as
// lib/api.ts: /api on the same origin, the session's CSRF token on state-changing requests,
// and a problem+json refusal turned into an ApiError whose message an agent can read.
import type {
  KbArticleList,
  KbArticleSummary,
  KbArticleView,
  KbReviewList,
  KbSearchResult,
  KbSuggestionList,
  KbVersionDiff,
  KbVersionView,
} from '../../../../api/kb-contract.ts';
import { createApiRequest } from '../../lib/api.ts';

/** The fields an author edits. */
export interface KbArticleDraft {
  title: string;
  body: string;
  tags: string[];
  language: KbArticleView['language'];
  audience: KbArticleView['audience'];
  reviewBy: string | null;
  teamId?: number | null;
}

/** A public KB article as the help center shows it. */
export interface HelpArticle {
  id: number;
  title: string;
  html: string;
  tags: string[];
  language: string;
  updatedAt: string;
}

/** Builds the KB client on a given fetch: SvelteKit's in loaders, the browser's elsewhere. */
export function createKbApi(fetchFn: typeof fetch = globalThis.fetch.bind(globalThis)) {
  const request = createApiRequest(fetchFn);

  const send = <T>(method: string, path: string, body: unknown) =>
    request<T>(path, { method, body: JSON.stringify(body) });

  return {
    listArticles: (query: URLSearchParams) => request<KbArticleList>(`/kb/articles?${query}`),
    searchArticles: (query: URLSearchParams) => request<KbSearchResult>(`/kb/search?${query}`),
    getArticle: (id: number) => request<KbArticleView>(`/kb/articles/${id}`),
    createArticle: (draft: KbArticleDraft) => send<KbArticleView>('POST', '/kb/articles', draft),
    /** Refused with 409 when someone saved after `expectedVersion`. */
    saveArticle: (id: number, draft: Partial<KbArticleDraft> & { expectedVersion: number }) =>
      send<KbArticleView>('PATCH', `/kb/articles/${id}`, draft),
    setPublished: (id: number, isPublished: boolean) =>
      send<KbArticleView>(
        'POST',
        `/kb/articles/${id}/${isPublished ? 'publish' : 'unpublish'}`,
        {},
      ),
    listVersions: (id: number) => request<KbVersionView[]>(`/kb/articles/${id}/versions`),
    diffVersions: (id: number, from: number, to: number) =>
      request<KbVersionDiff>(`/kb/articles/${id}/diff?from=${from}&to=${to}`),
    restoreVersion: (id: number, version: number) =>
      send<KbArticleView>('POST', `/kb/articles/${id}/versions/${version}/restore`, {}),
    review: () => request<KbReviewList>('/kb/review'),
    suggestions: (ticketId: number) =>
      request<KbSuggestionList>(`/tickets/${ticketId}/kb-suggestions`),
    useSuggestion: (ticketId: number, articleId: number, rank: number) =>
      send<{ ticketCount: number }>(
        'POST',
        `/tickets/${ticketId}/kb-suggestions/${articleId}/use`,
        { rank },
      ),
    useMacroSuggestion: (ticketId: number, macroId: number, rank: number) =>
      send<void>('POST', `/tickets/${ticketId}/macro-suggestions/${macroId}/use`, { rank }),
    ticketArticles: (ticketId: number) =>
      request<KbArticleSummary[]>(`/tickets/${ticketId}/kb-articles`),
    searchHelp: (query: URLSearchParams) => request<KbSearchResult>(`/help/articles?${query}`),
    getHelpArticle: (id: number) => request<HelpArticle>(`/help/articles/${id}`),
  };
}

export type KbApi = ReturnType<typeof createKbApi>;
