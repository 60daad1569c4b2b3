// The JSON shapes of the agent's inbox (api/routes/inbox.ts): the named views with their
// counts, and the rows of a view. The workspace's queue page imports these types, as it
// does api/contract.ts, so the API and the UI cannot drift apart silently.
import type { Channel, Priority, TicketStatus } from '../workflows/ticket/vocabulary.ts';
import type { TicketSummary } from './contract.ts';

/** The inbox views an agent switches between, each scoped to them and their team(s). */
export const InboxView = {
  /** Unresolved tickets the agent owns. */
  Mine: 'mine',
  /** Unresolved tickets in the queues of the agent's team(s). */
  Team: 'team',
  /** Unresolved tickets with no owner, in the agent's team(s) or not yet routed. */
  Unassigned: 'unassigned',
  /** New or open tickets (the agent's or their team's) past their SLA warning or overdue. */
  Breaching: 'breaching',
  /** Tickets waiting on the customer, the agent's or their team's. */
  Pending: 'pending',
  /** Every ticket, whatever its status or owner. */
  All: 'all',
} as const;
export type InboxView = (typeof InboxView)[keyof typeof InboxView];
export const inboxViews = Object.values(InboxView);

/** GET /api/inbox/counts: how many tickets each view holds for the signed-in agent now. */
export interface InboxCounts {
  counts: Record<InboxView, number>;
  /** The teams the "team" view covers: the agent's own team and any team they lead. */
  teams: { id: number; name: string }[];
}

/** Which SLA target a row's countdown shows: the earliest one still running. */
export interface RunningSla {
  target: 'first_response' | 'next_response' | 'resolution';
  dueAt: string;
  /** From here on the clock shows amber: the SLA warning, or the policy's window before due. */
  warnAt: string;
}

/** One row of an inbox view: the ticket summary plus what the queue page filters and counts by. */
export interface InboxTicket extends TicketSummary {
  tags: string[];
  /** Null when no SLA clock is running: the target was met, paused, or never set. */
  sla: RunningSla | null;
}

export type InboxSort = 'sla_due' | 'updated' | 'created';

/** GET /api/inbox/tickets: one page of a view, filtered and sorted. */
export interface InboxTicketList {
  view: InboxView;
  items: InboxTicket[];
  total: number;
  page: number;
  pageSize: number;
}

/** The filters of GET /api/inbox/tickets, as the queue page keeps them in its URL. */
export interface InboxFilters {
  view: InboxView;
  status?: TicketStatus[];
  priority?: Priority[];
  channel?: Channel[];
  tag?: string;
  assigneeId?: number | 'unassigned';
  queueId?: number;
  /** Only this requester's tickets: the ticket page's "other tickets of the requester". */
  requesterId?: number;
  sort: InboxSort;
  page: number;
  pageSize: number;
}
