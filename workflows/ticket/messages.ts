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
import type {
  ApplyMacroAction,
  FieldsAction,
  HandoffAction,
  MergedFromAction,
  MergeIntoAction,
  PriorityAction,
  SplitAction,
  TagsAction,
} from './collab-actions.ts';
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

/**
 * Hands the ticket to an agent or a team's queue with a note for the new owner; the new owner is
 * notified. Refused without a note, or when the agent's view is stale.
 */
export const handoffUpdate = defineUpdate<ActionResult, [HandoffAction]>('handoff');

/** Replaces the ticket's tags with the normalised list; an unchanged list records nothing. */
export const setTagsUpdate = defineUpdate<ActionResult, [TagsAction]>('setTags');

/** Sets the ticket's priority; the SLA targets keep the priority they were armed at. */
export const setPriorityUpdate = defineUpdate<ActionResult, [PriorityAction]>('setPriority');

/** Sets or clears custom field values, already validated by the API against the team's fields. */
export const setFieldsUpdate = defineUpdate<ActionResult, [FieldsAction]>('setFields');

/** Applies a macro's actions (status, priority, tags, assignment) as one atomic update. */
export const applyMacroUpdate = defineUpdate<ActionResult, [ApplyMacroAction]>('applyMacro');

/** Closes this ticket as merged into another of the same requester; never reopens after. */
export const mergeIntoUpdate = defineUpdate<ActionResult, [MergeIntoAction]>('mergeInto');

/** Records that another ticket was merged into this one; its messages join this conversation. */
export const mergedFromUpdate = defineUpdate<ActionResult, [MergedFromAction]>('mergedFrom');

/** Records that a customer message of this ticket was split off into a new ticket. */
export const splitToUpdate = defineUpdate<ActionResult, [SplitAction]>('splitTo');

/** Records, on a ticket opened by a split, the ticket and message it was split from. */
export const splitFromUpdate = defineUpdate<ActionResult, [SplitAction]>('splitFrom');

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
