// The knowledge base's tables as MikroORM entities: KB articles and their numbered versions,
// macros, article-ticket links, suggestion uses, the search log and the KB index job outbox.
// The repository (db/repositories/knowledge-base.ts) writes them with SQL inside transactions,
// because a version and its index job must commit together with the article they describe.
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** Languages KB articles and macros are written in. */
export const kbLanguages = ['en', 'de', 'fr', 'es', 'pt'] as const;
export type KbLanguage = (typeof kbLanguages)[number];

/** Who may read a KB article: agents only, or everyone through the help center. */
export const kbAudiences = ['internal', 'public'] as const;
export type KbAudience = (typeof kbAudiences)[number];

/** A draft is seen by agents editing it; a published KB article is searchable and suggested. */
export const kbStatuses = ['draft', 'published'] as const;
export type KbStatus = (typeof kbStatuses)[number];

export const KbArticle = defineEntity({
  name: 'KbArticle',
  tableName: 'kb_article',
  properties: {
    id: p.integer().primary(),
    title: p.text(),
    body: p.text(),
    tags: p.json<string[]>(),
    language: p.text(),
    audience: p.text(),
    status: p.text(),
    ownerAgentId: p.integer().nullable(),
    teamId: p.integer().nullable(),
    reviewBy: p.date().nullable(),
    version: p.integer(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
    publishedAt: p.datetime().nullable(),
  },
});
export type KbArticle = InferEntity<typeof KbArticle>;

export const KbArticleVersion = defineEntity({
  name: 'KbArticleVersion',
  tableName: 'kb_article_version',
  properties: {
    articleId: p.integer().primary(),
    version: p.integer().primary(),
    title: p.text(),
    body: p.text(),
    tags: p.json<string[]>(),
    language: p.text(),
    audience: p.text(),
    status: p.text(),
    ownerAgentId: p.integer().nullable(),
    teamId: p.integer().nullable(),
    reviewBy: p.date().nullable(),
    editedByAgentId: p.integer().nullable(),
    change: p.text(),
    createdAt: p.datetime(),
  },
});
export type KbArticleVersion = InferEntity<typeof KbArticleVersion>;

export const KbTicketLink = defineEntity({
  name: 'KbTicketLink',
  tableName: 'kb_ticket_link',
  properties: {
    articleId: p.integer().primary(),
    ticketId: p.bigint('number').primary(),
    agentId: p.integer().nullable(),
    createdAt: p.datetime(),
  },
});
export type KbTicketLink = InferEntity<typeof KbTicketLink>;

export const KbSuggestionUse = defineEntity({
  name: 'KbSuggestionUse',
  tableName: 'kb_suggestion_use',
  properties: {
    id: p.bigint('number').primary(),
    articleId: p.integer(),
    ticketId: p.bigint('number'),
    agentId: p.integer().nullable(),
    rank: p.integer(),
    createdAt: p.datetime(),
  },
});
export type KbSuggestionUse = InferEntity<typeof KbSuggestionUse>;

export const KbSearchLog = defineEntity({
  name: 'KbSearchLog',
  tableName: 'kb_search_log',
  properties: {
    id: p.bigint('number').primary(),
    query: p.text(),
    normalisedQuery: p.text(),
    source: p.text(),
    language: p.text().nullable(),
    hitCount: p.integer(),
    createdAt: p.datetime(),
  },
});
export type KbSearchLog = InferEntity<typeof KbSearchLog>;

export const Macro = defineEntity({
  name: 'Macro',
  tableName: 'macro',
  properties: {
    id: p.integer().primary(),
    title: p.text(),
    body: p.text(),
    tags: p.json<string[]>(),
    language: p.text(),
    teamId: p.integer().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type Macro = InferEntity<typeof Macro>;

/** A KB article or macro whose search document must be (re)written; drained by the KB indexer. */
export const KbIndexJob = defineEntity({
  name: 'KbIndexJob',
  tableName: 'kb_index_job',
  properties: {
    id: p.bigint('number').primary(),
    kind: p.text(),
    refId: p.integer(),
    enqueuedAt: p.datetime(),
  },
});
export type KbIndexJob = InferEntity<typeof KbIndexJob>;

/** Every knowledge-base entity, for the ORM's entity list. */
export const knowledgeBaseEntities = [
  KbArticle,
  KbArticleVersion,
  KbTicketLink,
  KbSuggestionUse,
  KbSearchLog,
  Macro,
  KbIndexJob,
];
