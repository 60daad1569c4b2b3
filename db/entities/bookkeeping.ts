// Bookkeeping that makes Casework lose nothing: the intake ledger (one row per accepted
// email, API call or webhook, so retries find their first answer), rejected input kept
// for an admin to see, agents' in-app notifications, and the search index job outbox.
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const IntakeRequest = defineEntity({
  name: 'IntakeRequest',
  tableName: 'intake_request',
  properties: {
    key: p.text().primary(),
    ticketId: p.bigint('number'),
    messageId: p.bigint('number'),
    createdTicket: p.boolean(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type IntakeRequest = InferEntity<typeof IntakeRequest>;

export const RejectedInput = defineEntity({
  name: 'RejectedInput',
  tableName: 'rejected_input',
  properties: {
    id: p.bigint('number').primary(),
    source: p.text(),
    rawBlobKey: p.text().nullable(),
    reason: p.text(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type RejectedInput = InferEntity<typeof RejectedInput>;

export const Notification = defineEntity({
  name: 'Notification',
  tableName: 'notification',
  properties: {
    id: p.bigint('number').primary(),
    agentId: p.integer(),
    ticketId: p.bigint('number'),
    kind: p.text(),
    text: p.text(),
    idempotencyKey: p.text().unique(),
    createdAt: p.datetime().onCreate(() => new Date()),
    readAt: p.datetime().nullable(),
  },
});
export type Notification = InferEntity<typeof Notification>;

/** A ticket whose search document must be (re)written; drained by the indexer. */
export const SearchIndexJob = defineEntity({
  name: 'SearchIndexJob',
  tableName: 'search_index_job',
  properties: {
    id: p.bigint('number').primary(),
    ticketId: p.bigint('number'),
    enqueuedAt: p.datetime().onCreate(() => new Date()),
  },
});
export type SearchIndexJob = InferEntity<typeof SearchIndexJob>;
