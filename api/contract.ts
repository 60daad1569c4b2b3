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
