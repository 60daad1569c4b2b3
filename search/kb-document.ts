// Pure mappers from KB article and macro rows to the documents the `kb_articles` and `macros`
// indexes store. No I/O here, so what agents and customers can find is decided in one testable
// place; search/kb-source.ts loads the rows, search/kb-indexer.ts writes the documents.
import { kbMarkdownToText } from './kb-markdown.ts';

/** One KB article as the loader reads it, joined with its team name and ticket count. */
export interface KbArticleSource {
  id: number;
  title: string;
  body: string;
  tags: string[];
  language: string;
  audience: string;
  status: string;
  teamId: number | null;
  teamName: string | null;
  ticketCount: number;
  updatedAt: Date;
}

/** A KB article as stored in Meilisearch; the body is plain text, never Markdown or HTML. */
export interface KbArticleDocument {
  id: number;
  title: string;
  body: string;
  tags: string[];
  language: string;
  audience: string;
  status: string;
  teamId: number | null;
  teamName: string | null;
  ticketCount: number;
  updatedAt: number;
}

/** Maps one KB article row to its search document. */
export function toKbArticleDocument(row: KbArticleSource): KbArticleDocument {
  return {
    id: row.id,
    title: row.title,
    body: kbMarkdownToText(row.body),
    tags: row.tags,
    language: row.language,
    audience: row.audience,
    status: row.status,
    teamId: row.teamId,
    teamName: row.teamName,
    ticketCount: row.ticketCount,
    updatedAt: row.updatedAt.getTime(),
  };
}

/** One macro as the loader reads it, and as the index stores it. */
export interface MacroDocument {
  id: number;
  title: string;
  body: string;
  tags: string[];
  language: string;
  teamId: number | null;
}
