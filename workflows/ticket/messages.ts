// The ticket workflow's messages. Agent actions are Updates, not Signals, because the agent
// needs an answer at once: the new state, or a refusal (stale draft, closed ticket) from a
// validator before anything reaches history. Customer messages are Signals: the sender
// needs no answer, only that the message is never lost.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AssignAction, NoteAction, ReplyAction, StatusAction } from './agent-actions.ts';
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

/** Sets the ticket's status: open, pending, resolved or closed. */
export const setStatusUpdate = defineUpdate<ActionResult, [StatusAction]>('setStatus');

/** A customer wrote again on this ticket; the message is already stored. */
export const customerMessageSignal = defineSignal<[CustomerMessage]>('customerMessage');

/** The ticket's lifecycle state as the workflow holds it now. */
export const ticketStateQuery = defineQuery<TicketState>('ticketState');
