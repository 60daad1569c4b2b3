// The ticket workflow's messages. Agent actions are Updates, not Signals, because the agent
// needs an answer at once: the new state, or a refusal (stale draft, closed ticket) from a
// validator before anything reaches history. Customer messages are Signals: the sender
// needs no answer, only that the message is never lost.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { SlaTerms } from '../policies/sla.ts';
import type { BusinessCalendar } from '../shared/business-time.ts';
import type {
  AssignAction,
  NoteAction,
  PromiseAction,
  ReplyAction,
  StatusAction,
} from './agent-actions.ts';
import type { TicketState } from './ticket-state.ts';

export interface ActionResult {
  ticketId: number;
  version: number;
  messageId?: number;
}

export interface CustomerMessage {
  messageId: number;
  /** Epoch ms when the message was received. */
  receivedAt: number;
  /** Auto-replies and bounces: kept on the ticket, never treated as the customer answering. */
  automated: boolean;
}

/** Sends a public reply to the requester; refused when the agent's view is stale. */
export const replyUpdate = defineUpdate<ActionResult, [ReplyAction]>('reply');

/** Adds an internal note, visible to agents only. */
export const noteUpdate = defineUpdate<ActionResult, [NoteAction]>('note');

/** Assigns or hands the ticket off to an agent; each change of owner counts as a reassignment. */
export const assignUpdate = defineUpdate<ActionResult, [AssignAction]>('assign');

/** Sets the ticket's status: open, pending, on hold, resolved or closed. */
export const setStatusUpdate = defineUpdate<ActionResult, [StatusAction]>('setStatus');

/** Records an agent's promise to update the customer by a time; refused on version 1 tickets. */
export const promiseUpdate = defineUpdate<ActionResult, [PromiseAction]>('promise');

/**
 * Assigns an unassigned ticket by its queue's policy after reloading who is available; leaves an
 * assigned ticket alone. Sent by the dispatcher when an agent becomes available.
 */
export const requestAssignmentUpdate = defineUpdate<ActionResult, []>('requestAssignment');

/** A lead edited the ticket's SLA policy or business calendar: the reloaded terms to re-arm with. */
export interface SlaTermsChange {
  terms: SlaTerms;
  /** Null when the ticket's team has no calendar: the clock then counts 24x7 UTC. */
  calendar: BusinessCalendar | null;
}

/** Re-arms the ticket's SLA timers with edited terms; ignored by version 1 tickets. */
export const slaTermsChangedSignal = defineSignal<[SlaTermsChange]>('slaTermsChanged');

/** A customer wrote again on this ticket; the message is already stored. */
export const customerMessageSignal = defineSignal<[CustomerMessage]>('customerMessage');

/** The ticket's lifecycle state as the workflow holds it now. */
export const ticketStateQuery = defineQuery<TicketState>('ticketState');
