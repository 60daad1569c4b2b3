// Working together on a ticket: the agent actions of handoff, tags, priority, custom fields,
// macros, merge and split, and the pure checks their update validators run before anything
// reaches history. A refusal carries the same stable types as the other agent actions
// (agent-actions.ts): the API answers 409 for stale or conflicting ones, 422 for invalid ones.
// Pure and deterministic: the workflow (collab-handlers.ts) and the API both call these.
// Tests: tests/workflows/collab-actions.test.ts, tests/api/collab-*.test.ts.
import { RefusalType, type Refusal } from './agent-actions.ts';
import type { TicketState } from './ticket-state.ts';
import { priorities, TicketStatus, type Priority } from './vocabulary.ts';

/** A custom field's value on a ticket: text, select and date are strings, number a number. */
export type FieldValue = string | number | null;

/** The team a ticket goes to, with the queue its tickets wait in. */
export interface TeamTarget {
  id: number;
  name: string;
  queueKey: string;
}

export interface HandoffAction {
  byAgentId: number;
  note: string;
  /** The ticket version the agent saw; omit to skip the staleness guard. */
  expectedVersion?: number;
  /** Exactly one of `toAgentId` and `toTeam` is set. */
  toAgentId?: number;
  toTeam?: TeamTarget;
}

export interface TagsAction {
  byAgentId: number;
  tags: string[];
}

export interface PriorityAction {
  byAgentId: number;
  priority: Priority;
}

export interface FieldChange {
  key: string;
  label: string;
  /** Null clears the field. */
  value: FieldValue;
}

export interface FieldsAction {
  byAgentId: number;
  changes: FieldChange[];
}

/** What a macro does to a ticket besides giving the agent its text. */
export interface MacroActions {
  status?: TicketStatus;
  priority?: Priority;
  addTags?: string[];
  removeTags?: string[];
  assignAgentId?: number;
  assignTeam?: TeamTarget;
}

export interface ApplyMacroAction {
  byAgentId: number;
  macroId: number;
  title: string;
  expectedVersion?: number;
  actions: MacroActions;
}

export interface MergeIntoAction {
  byAgentId: number;
  intoTicketId: number;
}

export interface MergedFromAction {
  byAgentId: number;
  fromTicketId: number;
}

export interface SplitAction {
  byAgentId: number;
  /** The other ticket: the new one on the original, the original on the new one. */
  otherTicketId: number;
  messageId: number;
}

export const tagLimits = { count: 20, length: 40 } as const;

const macroStatuses: TicketStatus[] = [
  TicketStatus.Open,
  TicketStatus.Pending,
  TicketStatus.OnHold,
  TicketStatus.Resolved,
  TicketStatus.Closed,
];

/** Trims, lower-cases, joins inner spaces with dashes and drops empties and repeats, keeping order. */
export function normalizeTags(tags: readonly string[]): string[] {
  const cleaned = tags.map((tag) => tag.trim().toLowerCase().replace(/\s+/g, '-'));
  return [...new Set(cleaned.filter((tag) => tag !== ''))];
}

// An @handle starts after a space, a line start or punctuation (not inside an email address)
// and may hold dots, dashes and underscores inside, as email local parts and team slugs do.
const mentionPattern = /(?<![\p{L}\p{N}_.@-])@([\p{L}\p{N}](?:[\p{L}\p{N}._-]*[\p{L}\p{N}])?)/gu;

/** The distinct @handles written in a note, lower-cased, in order of first appearance. */
export function parseMentionHandles(body: string): string[] {
  const handles = [...body.matchAll(mentionPattern)].map((match) => match[1]!.toLowerCase());
  return [...new Set(handles)];
}

/** A team's @handle: its name lower-cased, with runs of other characters joined by dashes. */
export function teamSlug(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
}

/** The first problem with a normalised tag list, or null: too many tags, or one too long. */
export function tagProblem(tags: readonly string[]): string | null {
  if (tags.length > tagLimits.count) return `at most ${tagLimits.count} tags, got ${tags.length}`;
  const long = tags.find((tag) => tag.length > tagLimits.length);
  if (long !== undefined) return `tag "${long}" is longer than ${tagLimits.length} characters`;
  return null;
}

/** The tags after a macro adds and removes some; removals win over additions of the same tag. */
export function tagsAfterMacro(current: readonly string[], actions: MacroActions): string[] {
  const removed = new Set(normalizeTags(actions.removeTags ?? []));
  const added = normalizeTags(actions.addTags ?? []);
  return normalizeTags([...current, ...added]).filter((tag) => !removed.has(tag));
}

/** Refuses a handoff without a note or a target, to the current owner, or from a stale view. */
export function checkHandoff(state: TicketState, action: HandoffAction): Refusal | null {
  if (state.status === TicketStatus.Closed) return invalid('the ticket is closed');
  if (action.note.trim() === '') return invalid('a handoff needs a note for the new owner');
  const targets = Number(action.toAgentId !== undefined) + Number(action.toTeam !== undefined);
  if (targets !== 1) return invalid('hand the ticket off to one agent or one team');
  if (action.toAgentId !== undefined && action.toAgentId === state.assigneeId) {
    return invalid(`agent ${action.toAgentId} already owns the ticket`);
  }
  return staleView(state, action.expectedVersion);
}

/** Refuses tags on a closed ticket, or a list over the limits. */
export function checkTags(state: TicketState, action: TagsAction): Refusal | null {
  if (state.status === TicketStatus.Closed) return invalid('the ticket is closed');
  const problem = tagProblem(normalizeTags(action.tags));
  return problem === null ? null : invalid(problem);
}

/** Refuses an unknown priority, the priority the ticket already has, or a closed ticket. */
export function checkPriority(state: TicketState, action: PriorityAction): Refusal | null {
  if (!priorities.includes(action.priority))
    return invalid(`unknown priority "${action.priority}"`);
  if (state.status === TicketStatus.Closed) return invalid('the ticket is closed');
  if (state.priority === action.priority) {
    return invalid(`the ticket is already at ${action.priority} priority`);
  }
  return null;
}

/** Refuses field changes on a closed ticket or an empty change list. */
export function checkFields(state: TicketState, action: FieldsAction): Refusal | null {
  if (state.status === TicketStatus.Closed) return invalid('the ticket is closed');
  if (action.changes.length === 0) return invalid('no field to set');
  return null;
}

/** Refuses a macro on a closed ticket or a stale view, or one whose actions cannot apply. */
export function checkMacro(state: TicketState, action: ApplyMacroAction): Refusal | null {
  if (state.status === TicketStatus.Closed) return invalid('the ticket is closed');
  const { status, priority } = action.actions;
  if (status !== undefined && !macroStatuses.includes(status)) {
    return invalid(`macro "${action.title}" sets status "${status}", which an agent cannot set`);
  }
  if (priority !== undefined && !priorities.includes(priority)) {
    return invalid(`macro "${action.title}" sets unknown priority "${priority}"`);
  }
  const problem = tagProblem(tagsAfterMacro(state.tags, action.actions));
  if (problem !== null) return invalid(`macro "${action.title}": ${problem}`);
  if (action.actions.assignAgentId !== undefined && action.actions.assignTeam !== undefined) {
    return invalid(`macro "${action.title}" assigns both an agent and a team`);
  }
  return staleView(state, action.expectedVersion);
}

/** Refuses merging a ticket into itself, or one already closed or merged (a conflict). */
export function checkMergeInto(state: TicketState, action: MergeIntoAction): Refusal | null {
  if (action.intoTicketId === state.ticketId)
    return invalid('a ticket cannot be merged into itself');
  if (state.mergedIntoTicketId) {
    return stale(`ticket ${state.ticketId} was already merged into ${state.mergedIntoTicketId}`);
  }
  if (state.status === TicketStatus.Closed) return stale(`ticket ${state.ticketId} is closed`);
  return null;
}

/** Refuses receiving a merge on a ticket that is closed or merged itself (a conflict). */
export function checkMergedFrom(state: TicketState, action: MergedFromAction): Refusal | null {
  if (action.fromTicketId === state.ticketId)
    return invalid('a ticket cannot be merged into itself');
  if (state.status === TicketStatus.Closed) return stale(`ticket ${state.ticketId} is closed`);
  return null;
}

// Any recorded fact after the agent's view makes a handoff or macro stale: both act on who owns
// the ticket and what state it is in, which any fact may have changed.
function staleView(state: TicketState, expectedVersion: number | undefined): Refusal | null {
  if (expectedVersion === undefined || expectedVersion >= state.seq) return null;
  return stale(
    `the ticket changed after you loaded it (version ${expectedVersion}, now ${state.seq}); reload and try again`,
  );
}

function invalid(message: string): Refusal {
  return { type: RefusalType.Invalid, message };
}

function stale(message: string): Refusal {
  return { type: RefusalType.Stale, message };
}
