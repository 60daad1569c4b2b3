// The one door through which the chat, web-form and social channels send mail: the outbox
// that channels/email/outbound/outbox.ts owns (durable, retried, one send per dedupe key).
// Our channels hand it a transaction's EntityManager, so the mail is enqueued together with
// the row that says it is owed (an acknowledgement, a chat delivery). Routes take it as a
// dependency so a test can see what would be sent without an SMTP server.
import type { EntityManager } from '../../db/orm.ts';
import {
  enqueueOutboundMail,
  OutboundMailError,
  type OutboundMailRequest,
} from '../email/outbound/outbox.ts';

export type { OutboundMailRequest };

/** Enqueues one mail in the caller's transaction. */
export type EnqueueMail = (em: EntityManager, request: OutboundMailRequest) => Promise<unknown>;

/** The production outbox. */
export const enqueueMailInOutbox: EnqueueMail = enqueueOutboundMail;

/** True for a mail that can never be sent as asked (no mailbox to send from, no recipient). */
export function isUnsendableMail(error: unknown): error is OutboundMailError {
  return error instanceof OutboundMailError;
}
