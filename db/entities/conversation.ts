// The conversation's content: who wrote in (requesters and their per-channel identities),
// every message and note, and attachment metadata. Attachment bytes and raw source live in
// the blob store (db/blob-store.ts); rows keep only their keys.
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { Channel, MessageKind } from '../../workflows/ticket/vocabulary.ts';

export const Requester = defineEntity({
  name: 'Requester',
  tableName: 'requester',
  properties: {
    id: p.integer().primary(),
    name: p.text().nullable(),
    email: p.text().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type Requester = InferEntity<typeof Requester>;

/** An address by which a requester reaches us on one channel (email, phone, handle). */
export const RequesterIdentity = defineEntity({
  name: 'RequesterIdentity',
  tableName: 'requester_identity',
  properties: {
    id: p.integer().primary(),
    requesterId: p.integer(),
    channel: p.text().$type<Channel>(),
    address: p.text(),
  },
});
export type RequesterIdentity = InferEntity<typeof RequesterIdentity>;

export const Message = defineEntity({
  name: 'Message',
  tableName: 'message',
  properties: {
    id: p.bigint('number').primary(),
    ticketId: p.bigint('number'),
    kind: p.text().$type<MessageKind>(),
    channel: p.text().$type<Channel>(),
    authorKind: p.text().$type<'requester' | 'agent' | 'system'>(),
    requesterId: p.integer().nullable(),
    agentId: p.integer().nullable(),
    subject: p.text().nullable(),
    text: p.text(),
    html: p.text().nullable(),
    mailbox: p.text().nullable(),
    messageIdHeader: p.text().nullable(),
    inReplyTo: p.json<string[]>(),
    references: p.json<string[]>(),
    rawBlobKey: p.text().nullable(),
    bodyHash: p.text().nullable(),
    automatedReason: p.text().nullable(),
    idempotencyKey: p.text().unique(),
    createdAt: p.datetime(),
  },
});
export type Message = InferEntity<typeof Message>;

export const Attachment = defineEntity({
  name: 'Attachment',
  tableName: 'attachment',
  properties: {
    id: p.bigint('number').primary(),
    messageId: p.bigint('number'),
    filename: p.text(),
    contentType: p.text(),
    size: p.integer(),
    contentId: p.text().nullable(),
    inline: p.boolean(),
    blobKey: p.text(),
    sha256: p.text(),
  },
});
export type Attachment = InferEntity<typeof Attachment>;
