// The JSON shapes the HTTP API answers with. The SvelteKit workspace imports these
// types so the API and the UI cannot drift apart silently.
import type {
  Channel,
  MessageKind,
  Priority,
  TicketStatus,
  TimelineEntryKind,
} from '../workflows/ticket/vocabulary.ts';

export interface AgentRef {
  id: number;
  name: string;
}

export interface TicketSummary {
  id: number;
  number: number;
  subject: string;
  status: TicketStatus;
  priority: Priority;
  channel: Channel;
  queue: { id: number; name: string } | null;
  team: { id: number; name: string } | null;
  assignee: AgentRef | null;
  requester: { id: number; name: string | null; email: string | null };
  firstResponseDueAt: string | null;
  firstRespondedAt: string | null;
  breached: boolean;
  escalationLevel: number;
  createdAt: string;
  updatedAt: string;
  lastActivityAt: string;
  tags?: string[];
  /** The workflow event sequence of the last projection: agents send it back to detect staleness. */
  version: number;
}

export interface TicketList {
  items: TicketSummary[];
  total: number;
  page: number;
  pageSize: number;
}

export interface AttachmentView {
  id: number;
  filename: string;
  contentType: string;
  size: number;
  inline: boolean;
  url: string;
}

export interface MessageView {
  id: number;
  kind: MessageKind;
  channel: Channel;
  author: { kind: 'requester' | 'agent' | 'system'; id: number | null; name: string | null };
  subject: string | null;
  text: string;
  html: string | null;
  createdAt: string;
  attachments: AttachmentView[];
  /** Set on messages of a ticket merged into this one: the ticket they were written on. */
  fromTicketId?: number;
}

export interface TimelineEntryView {
  seq: number;
  kind: TimelineEntryKind;
  at: string;
  actor: string | null;
  detail: Record<string, unknown>;
}

export interface TicketDetail {
  ticket: TicketSummary;
  messages: MessageView[];
  timeline: TimelineEntryView[];
  /** Tags, handoff, custom fields, merges and splits (GET /api/tickets/:id always sets it). */
  collab?: TicketCollabView;
  /** The latest handoff, for the new owner to read first; the same as `collab.handoff`. */
  handoff?: HandoffView | null;
}

/** A ticket named beside another: merged into it, merged from it, split off it. */
export interface TicketRef {
  id: number;
  subject: string | null;
  /** For splits: the customer message that was split off. */
  messageId?: number;
}

/** The latest handoff of a ticket, shown at the top of the ticket page for its new owner. */
export interface HandoffView {
  seq: number;
  at: string;
  note: string;
  byAgent: AgentRef | null;
  fromAgent: AgentRef | null;
  /** One of toAgent and toTeam is set; a team handoff may also have been routed to an agent. */
  toAgent: AgentRef | null;
  toTeam: { id: number; name: string } | null;
}

export type CustomFieldType = 'text' | 'number' | 'select' | 'date';

/** One custom field a team's tickets carry; managed by leads (GET/PUT /api/teams/:id/custom-fields). */
export interface CustomFieldDefinition {
  key: string;
  label: string;
  type: CustomFieldType;
  /** The choices of a select field; empty for the other types. */
  options: string[];
  required: boolean;
}

export interface CustomFieldValueView extends CustomFieldDefinition {
  /** Text, select and date (YYYY-MM-DD) are strings; number a number; null when unset. */
  value: string | number | null;
}

export interface TicketCollabView {
  tags: string[];
  handoff: HandoffView | null;
  customFields: CustomFieldValueView[];
  mergedInto: TicketRef | null;
  mergedFrom: TicketRef[];
  splitTo: TicketRef[];
  splitFrom: TicketRef | null;
}

/** GET /api/mention-handles: who `@handle` reaches in an internal note. */
export interface MentionHandle {
  kind: 'agent' | 'team';
  id: number;
  name: string;
  /** Without the `@`: an agent's email local part, a team's name as a slug. */
  handle: string;
}

/** GET /api/notifications: the signed-in agent's newest notifications and unread count. */
export interface NotificationList {
  items: NotificationView[];
  unreadCount: number;
}

export interface NotificationView {
  id: number;
  /** mention, handoff, assignment, escalation, sla_warning, promise. */
  kind: string;
  ticket: { id: number; subject: string | null };
  text: string;
  /** The start of the note that mentioned the agent, or of the handoff note. */
  excerpt: string | null;
  byAgent: AgentRef | null;
  createdAt: string;
  readAt: string | null;
}

/** The `notification` event on GET /api/stream, sent only to the addressee. */
export interface NotificationEvent {
  id: number;
  ticketId: number;
  kind: string;
  unreadCount: number;
}

/** What a macro does besides giving its text: set status or priority, add or remove tags, assign. */
export interface MacroActionsView {
  status?: TicketStatus;
  priority?: Priority;
  addTags?: string[];
  removeTags?: string[];
  assignAgentId?: number;
  assignTeamId?: number;
}

/** A macro as GET/POST/PUT /api/macros answer it. */
export interface MacroView {
  id: number;
  title: string;
  body: string;
  tags: string[];
  language: string;
  teamId: number | null;
  actions: MacroActionsView;
  updatedAt: string;
}

/** POST /api/tickets/:id/macros/:macroId/apply: the text for the composer and the ticket after. */
export interface AppliedMacro {
  renderedText: string;
  ticket: TicketSummary;
}

export interface QueueView {
  id: number;
  name: string;
  team: { id: number; name: string };
  skill: string;
}

export interface AgentView extends AgentRef {
  email: string;
  teamId: number | null;
  skills: string[];
  available: boolean;
  status: 'online' | 'away' | 'offline';
}

export interface SearchHit {
  id: number;
  number: number;
  subject: string;
  status: TicketStatus;
  snippet: string;
}

export interface SearchResult {
  query: string;
  hits: SearchHit[];
  /** Present when search is degraded, e.g. Meilisearch is down: a sentence for the user. */
  notice?: string;
}

/** application/problem+json body of every error answer. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { field: string; problem: string }[];
}

/** GET/POST /api/session: the signed-in agent, their roles, and the token for X-CSRF-Token. */
export interface SessionView {
  agent: AgentRef & { email: string; roles: ('agent' | 'lead' | 'auditor' | 'admin')[] };
  csrfToken: string;
}

/** Who is on a ticket now: one entry per agent, refreshed by the agent's heartbeat. */
export interface PresenceView {
  ticketId: number;
  agent: AgentRef;
  /** `gone` is sent once when an agent leaves the ticket; it is never stored. */
  state: 'viewing' | 'typing-reply' | 'typing-note' | 'gone';
  /** How long this entry holds without another heartbeat. */
  expiresInMs: number;
}
