// The JSON shapes of the knowledge-base API (KB articles, versions, diffs, search, the help
// center and ticket suggestions). The SvelteKit pages import these types, so the API and the
// UI cannot drift apart silently. Routes: api/routes/kb.ts.
import type { KbAudience, KbLanguage, KbStatus } from '../db/entities/knowledge-base.ts';

export type { KbAudience, KbLanguage, KbStatus };

/** A KB article as agents edit it; `html` is the Markdown body rendered and sanitised. */
export interface KbArticleView {
  id: number;
  title: string;
  body: string;
  html: string;
  tags: string[];
  language: KbLanguage;
  audience: KbAudience;
  status: KbStatus;
  owner: { id: number; name: string } | null;
  team: { id: number; name: string } | null;
  reviewBy: string | null;
  /** The latest version number; send it back as `expectedVersion` when saving. */
  version: number;
  /** How many tickets this KB article was attached to. */
  ticketCount: number;
  createdAt: string;
  updatedAt: string;
  publishedAt: string | null;
}

/** A KB article in a list: no body. */
export type KbArticleSummary = Omit<KbArticleView, 'body' | 'html'>;

export interface KbArticleList {
  items: KbArticleSummary[];
  total: number;
  page: number;
  pageSize: number;
}

/** One saved version of a KB article: who made it, when, and what it held. */
export interface KbVersionView {
  version: number;
  title: string;
  body: string;
  tags: string[];
  language: KbLanguage;
  audience: KbAudience;
  status: KbStatus;
  reviewBy: string | null;
  editedBy: { id: number; name: string } | null;
  /** What the edit did: created, edited, published, unpublished, restored from vN. */
  change: string;
  createdAt: string;
}

/** A run of text that both versions share, or that only one of them has. */
export interface KbDiffPart {
  kind: 'same' | 'added' | 'removed';
  text: string;
}

/** The changes between two versions of a KB article, field by field; unchanged fields are left out. */
export interface KbVersionDiff {
  from: number;
  to: number;
  fields: {
    field: 'title' | 'body' | 'tags' | 'language' | 'audience' | 'status' | 'reviewBy';
    parts: KbDiffPart[];
  }[];
}

/** Text with the matched words marked, as segments so the UI never needs raw HTML. */
export type Highlighted = { text: string; isMatch: boolean }[];

export interface KbSearchHit {
  id: number;
  title: Highlighted;
  snippet: Highlighted;
  tags: string[];
  language: KbLanguage;
  audience: KbAudience;
  teamName: string | null;
}

export interface KbSearchResult {
  query: string;
  hits: KbSearchHit[];
  total: number;
  page: number;
  pageSize: number;
  totalPages: number;
  /** Counts per value of each facet over all matches: team, tags, language, audience. */
  facets: Record<string, Record<string, number>>;
  /** Present when Meilisearch cannot answer: a sentence to show instead of results. */
  notice?: string;
}

export interface MacroSearchHit {
  id: number;
  title: string;
  body: string;
  language: string;
}

export interface MacroSearchResult {
  query: string;
  hits: MacroSearchHit[];
  notice?: string;
}

/** A KB article suggested for a ticket, with the link to put into a reply. */
export interface KbSuggestion {
  id: number;
  title: string;
  snippet: string;
  audience: KbAudience;
  /** The URL to paste into a public reply (help center for public articles). */
  url: string;
  rank: number;
}

export interface KbSuggestionList {
  ticketId: number;
  language: KbLanguage;
  suggestions: KbSuggestion[];
  notice?: string;
}

/** A macro suggested for a ticket, its body rendered with the ticket's placeholders filled. */
export interface MacroSuggestion {
  id: number;
  title: string;
  /** Ready to insert into a public reply; unknown placeholders are left as written. */
  body: string;
  rank: number;
}

export interface MacroSuggestionList {
  ticketId: number;
  language: KbLanguage;
  suggestions: MacroSuggestion[];
  notice?: string;
}

/** What a lead reviews: KB articles past their review date and searches that keep finding nothing. */
export interface KbReviewList {
  overdue: KbArticleSummary[];
  missingSearches: { query: string; count: number; lastAt: string }[];
}
