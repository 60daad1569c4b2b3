// The ticket read model. Only activities of the ticket workflow write these rows, each
// write carrying the workflow's event sequence, so lists and reports never run ahead of
// or behind the workflow that owns the ticket's lifecycle.
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type {
  Channel,
  Priority,
  TicketStatus,
  TimelineEntryKind,
} from '../../workflows/ticket/vocabulary.ts';

export const Ticket = defineEntity({
  name: 'Ticket',
  tableName: 'ticket',
  properties: {
    id: p.bigint('number').primary().autoincrement(false),
    subject: p.text(),
    status: p.text().$type<TicketStatus>(),
    priority: p.text().$type<Priority>(),
    channel: p.text().$type<Channel>(),
    queueId: p.integer().nullable(),
    teamId: p.integer().nullable(),
    assigneeId: p.integer().nullable(),
    requesterId: p.integer(),
    mailbox: p.text().nullable(),
    tags: p.json<string[]>(),
    firstResponseDueAt: p.datetime().nullable(),
    firstRespondedAt: p.datetime().nullable(),
    resolvedAt: p.datetime().nullable(),
    breached: p.boolean(),
    escalationLevel: p.integer(),
    reassignmentCount: p.integer(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
    lastActivityAt: p.datetime(),
    version: p.integer(),
  },
});
export type Ticket = InferEntity<typeof Ticket>;

/** One timeline entry: appended once per (ticket, seq), never updated. */
export const TicketEvent = defineEntity({
  name: 'TicketEvent',
  tableName: 'ticket_event',
  properties: {
    id: p.bigint('number').primary(),
    ticketId: p.bigint('number'),
    seq: p.integer(),
    kind: p.text().$type<TimelineEntryKind>(),
    at: p.datetime(),
    actor: p.text().nullable(),
    detail: p.json<Record<string, unknown>>(),
  },
});
export type TicketEvent = InferEntity<typeof TicketEvent>;
