// What agents may do to a ticket, checked before an action is written to history. The
// workflow's update validators call these pure checks; a refusal carries a stable type the
// API maps to 409 (stale or conflicting) or 422 (invalid), and a sentence for the agent.
import { TicketStatus, ticketStatuses } from './vocabulary.ts';
import type { TicketState } from './ticket-state.ts';

export const RefusalType = {
  /** Something arrived after the agent loaded the ticket, or a colleague's reply is in flight. */
  Stale: 'StaleTicket',
  /** The action can never succeed in the ticket's state. */
  Invalid: 'InvalidTicketAction',
} as const;
export type RefusalType = (typeof RefusalType)[keyof typeof RefusalType];

export interface Refusal {
  type: RefusalType;
  message: string;
}

export interface ReplyAction {
  agentId: number;
  body: string;
  /** The ticket version the agent saw when drafting; omit to skip the staleness guard. */
  expectedVersion?: number;
}

export interface NoteAction {
  agentId: number;
  body: string;
  /** The @handles the API resolved in the body, and the agents they reach (teams expanded). */
  mentions?: { handles: string[]; agentIds: number[] };
}

export interface AssignAction {
  agentId: number;
  byAgentId: number | null;
  note?: string;
}

export interface StatusAction {
  status: TicketStatus;
  byAgentId: number | null;
}

export interface PromiseAction {
  agentId: number;
  /** Epoch ms by which the agent promises the customer an update. */
  dueAt: number;
  note: string;
}

const settableStatuses: TicketStatus[] = [
  TicketStatus.Open,
  TicketStatus.Pending,
  TicketStatus.OnHold,
  TicketStatus.Resolved,
  TicketStatus.Closed,
];

/** Refuses a public reply to a closed ticket, a stale draft, or a reply racing a colleague's. */
export function checkReply(
  state: TicketState,
  action: ReplyAction,
  replyInFlight: boolean,
): Refusal | null {
  if (state.status === TicketStatus.Closed) return invalid('the ticket is closed');
  if (action.body.trim() === '') return invalid('the reply is empty');
  if (replyInFlight) {
    return stale('a colleague is sending a reply to this ticket right now; reload to see it');
  }
  if (action.expectedVersion !== undefined && action.expectedVersion < state.conversationSeq) {
    return stale('the conversation changed after you loaded the ticket; read what arrived first');
  }
  return null;
}

/** Refuses an empty note or a note on a closed ticket. */
export function checkNote(state: TicketState, action: NoteAction): Refusal | null {
  if (state.status === TicketStatus.Closed) return invalid('the ticket is closed');
  if (action.body.trim() === '') return invalid('the note is empty');
  return null;
}

/** Refuses assigning a closed ticket or to the agent who already owns it. */
export function checkAssign(state: TicketState, action: AssignAction): Refusal | null {
  if (state.status === TicketStatus.Closed) return invalid('the ticket is closed');
  if (state.assigneeId === action.agentId) {
    return invalid(`the ticket is already assigned to agent ${action.agentId}`);
  }
  return null;
}

/** Refuses unknown statuses, no-op changes and changes to a closed ticket. */
export function checkStatus(state: TicketState, action: StatusAction): Refusal | null {
  if (!ticketStatuses.includes(action.status)) return invalid(`unknown status "${action.status}"`);
  if (!settableStatuses.includes(action.status)) {
    return invalid(`status "${action.status}" cannot be set by an agent`);
  }
  if (state.status === TicketStatus.Closed) return invalid('the ticket is closed');
  if (state.status === action.status) return invalid(`the ticket is already ${action.status}`);
  return null;
}

/** Refuses a promise on a closed ticket, one already due, or one with no note. */
export function checkPromise(
  state: TicketState,
  action: PromiseAction,
  now: number,
): Refusal | null {
  if (state.status === TicketStatus.Closed) return invalid('the ticket is closed');
  if (!Number.isFinite(action.dueAt) || action.dueAt <= now) {
    return invalid('the promised time must be in the future');
  }
  if (action.note.trim() === '') return invalid('say what you promised the customer');
  return null;
}

/** Refuses asking to assign a closed ticket. */
export function checkAssignmentRequest(state: TicketState): Refusal | null {
  if (state.status === TicketStatus.Closed) return invalid('the ticket is closed');
  return null;
}

function invalid(message: string): Refusal {
  return { type: RefusalType.Invalid, message };
}

function stale(message: string): Refusal {
  return { type: RefusalType.Stale, message };
}
