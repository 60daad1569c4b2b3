// The workspace's only door to the HTTP API. Every call goes to /api on the same origin
// with the session cookie, sends the session's CSRF token on state-changing requests,
// answers with the shapes in api/contract.ts, and turns a problem+json refusal into an
// ApiError whose `detail` is a sentence the agent can read.
import type {
  AgentView,
  AppliedMacro,
  CustomFieldValueView,
  HandoffView,
  MacroView,
  NotificationList,
  PresenceView,
  Problem,
  QueueView,
  SearchResult,
  SessionView,
  TicketDetail,
  TicketList,
  TicketSummary,
} from '../../../api/contract.ts';
import type { InboxCounts, InboxFilters, InboxTicketList } from '../../../api/inbox-contract.ts';
import type { Priority, TicketStatus } from '../../../workflows/ticket/vocabulary.ts';
import { session } from './session.svelte.ts';

/** What an agent is doing on a ticket, sent as a presence heartbeat. */
export type PresenceState = 'viewing' | 'typing-reply' | 'typing-note';

export type TicketSort = 'sla_due' | 'updated' | 'created';

/** The queue page's filters; `assigneeId` is an agent id or `unassigned`. */
export interface TicketFilters {
  status?: TicketStatus;
  queueId?: number;
  assigneeId?: number | 'unassigned';
  sort?: TicketSort;
  page?: number;
  pageSize?: number;
}

/** A phone call as the API logs and lists it (channels/phone/calls.ts LoggedCall). */
export interface CallView {
  messageId: number;
  ticketId: number;
  direction: 'in' | 'out';
  number: string;
  durationSeconds: number;
  notes: string;
  agentId: number | null;
  createdAt: string;
}

/** What an agent types to log a call. */
export interface CallInput {
  direction: 'in' | 'out';
  number: string;
  durationSeconds: number;
  notes: string;
}

/** A requester with the identities that say who they are (GET /api/requesters/:id). */
export interface RequesterView {
  id: number;
  name: string | null;
  email: string | null;
  identities: { kind: string; address: string }[];
  merges: { fromRequesterId: number; byAgentId: number | null; reason: string; at: string }[];
  mergedFrom?: number;
}

export interface RequesterMatch {
  id: number;
  name: string | null;
  email: string | null;
}

/** A refusal or failure from the API, carrying the server's own words. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | null;

  constructor(status: number, problem: Problem | null, options?: ErrorOptions) {
    super(problem?.detail ?? `The server answered with status ${status}.`, options);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }

  /** A status of 0 means the request never got an answer. */
  static unreachable(cause: unknown): ApiError {
    const error = new ApiError(0, null, { cause });
    error.message = 'The server could not be reached; check the connection and try again.';
    return error;
  }
}

/** A plain sentence for a failed action: what failed, then what the server said. */
export function describeFailure(what: string, error: unknown): string {
  if (error instanceof ApiError && error.status === 0) return `${what}. ${error.message}`;
  const said = error instanceof Error ? error.message : String(error);
  const fields = error instanceof ApiError ? (error.problem?.errors ?? []) : [];
  const fieldText = fields.map((entry) => ` ${entry.field}: ${entry.problem}.`).join('');
  return `${what}. The server said: ${asSentence(said)}${fieldText}`;
}

function asSentence(text: string): string {
  return /[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`;
}

/** Either the value or the sentence explaining why it could not be loaded. */
export type Loaded<T> = { ok: true; value: T } | { ok: false; message: string };

/** Runs a load and keeps its failure as a sentence, so a page never goes blank. */
export async function attempt<T>(what: string, run: () => Promise<T>): Promise<Loaded<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, message: describeFailure(what, error) };
  }
}

/**
 * Calls /api on the same origin: JSON in and out, the session's CSRF token on state-changing
 * requests, and a refusal turned into an ApiError carrying the server's problem+json words.
 * Every client of the workspace (this one, the KB's, the reports') sends through it.
 */
export function createApiRequest(fetchFn: typeof fetch) {
  async function send(path: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('accept', 'application/json');
    if (init.body !== undefined) headers.set('content-type', 'application/json');
    const isStateChanging = (init.method ?? 'GET') !== 'GET';
    if (isStateChanging && session.csrfToken) headers.set('x-csrf-token', session.csrfToken);

    try {
      return await fetchFn(`/api${path}`, { ...init, headers });
    } catch (cause) {
      throw ApiError.unreachable(cause);
    }
  }

  return async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
    const response = await send(path, init);

    const body: unknown = await readBody(response);
    if (!response.ok) throw new ApiError(response.status, asProblem(body));

    return body as T;
  };
}

/** Builds the API client on a given fetch: SvelteKit's in loaders, the browser's elsewhere. */
export function createApiClient(fetchFn: typeof fetch = globalThis.fetch.bind(globalThis)) {
  const request = createApiRequest(fetchFn);

  function post<T>(path: string, body: unknown, headers?: HeadersInit): Promise<T> {
    return request<T>(path, { method: 'POST', body: JSON.stringify(body), headers });
  }

  return {
    /** Answers 401 when this browser is not signed in. */
    getSession: () => request<SessionView>('/session'),

    signIn: (credentials: { email: string; password: string }) =>
      post<SessionView>('/session', credentials),

    signOut: () => request<null>('/session', { method: 'DELETE' }),

    listPresence: () => request<PresenceView[]>('/presence'),

    sendPresence: (ticketId: number, state: PresenceState) =>
      post<null>(`/tickets/${ticketId}/presence`, { state }),

    /** Sent as the page goes away, so `keepalive` lets it outlive the page. */
    leaveTicket: (ticketId: number) =>
      request<null>(`/tickets/${ticketId}/presence`, { method: 'DELETE', keepalive: true }),

    listTickets: (filters: TicketFilters) =>
      request<TicketList>(`/tickets?${ticketQuery(filters)}`),

    /** How many tickets each inbox view holds for the signed-in agent. */
    inboxCounts: () => request<InboxCounts>('/inbox/counts'),

    /** One page of an inbox view with the queue page's filters. */
    listInbox: (filters: InboxFilters) =>
      request<InboxTicketList>(`/inbox/tickets?${inboxQuery(filters)}`),

    getTicket: (ticketId: number) => request<TicketDetail>(`/tickets/${ticketId}`),

    listAgents: () => request<AgentView[]>('/agents'),

    listQueues: () => request<QueueView[]>('/queues'),

    searchTickets: (query: string) =>
      request<SearchResult>(`/search?${new URLSearchParams({ q: query })}`),

    /** Refused with 409 when something new reached the ticket after `expectedVersion`. */
    sendPublicReply: (ticketId: number, reply: { body: string; expectedVersion: number }) =>
      post<{ ticket: TicketSummary }>(`/tickets/${ticketId}/replies`, reply),

    addInternalNote: (ticketId: number, note: { body: string }) =>
      post<{ ticket: TicketSummary }>(`/tickets/${ticketId}/notes`, note),

    assignTicket: (ticketId: number, assignment: { agentId: number; note?: string }) =>
      post<{ ticket: TicketSummary }>(`/tickets/${ticketId}/assignment`, assignment),

    setStatus: (ticketId: number, status: TicketStatus) =>
      post<{ ticket: TicketSummary }>(`/tickets/${ticketId}/status`, { status }),

    /** Hands the ticket to an agent or a team; the note is required and shown to the new owner. */
    handOff: (
      ticketId: number,
      handoff: { toAgentId?: number; toTeamId?: number; note: string; expectedVersion?: number },
    ) =>
      post<{ ticket: TicketSummary; handoff: HandoffView | null }>(
        `/tickets/${ticketId}/handoff`,
        handoff,
      ),

    setTags: (ticketId: number, tags: string[]) =>
      request<{ ticket: TicketSummary; tags: string[] }>(`/tickets/${ticketId}/tags`, {
        method: 'PUT',
        body: JSON.stringify({ tags }),
      }),

    setPriority: (ticketId: number, priority: Priority) =>
      post<{ ticket: TicketSummary }>(`/tickets/${ticketId}/priority`, { priority }),

    setFields: (ticketId: number, fields: Record<string, unknown>) =>
      request<{ ticket: TicketSummary; customFields: CustomFieldValueView[] }>(
        `/tickets/${ticketId}/fields`,
        { method: 'PUT', body: JSON.stringify({ fields }) },
      ),

    /** Macros whose title or text matches `q` (all of them when empty). */
    listMacros: (q: string, limit = 50) =>
      request<{ items: MacroView[]; notice?: string }>(
        `/macros?${new URLSearchParams({ q, limit: String(limit) })}`,
      ),

    /** Applies the macro's actions and answers its text rendered for this ticket and agent. */
    applyMacro: (ticketId: number, macroId: number, expectedVersion?: number) =>
      post<AppliedMacro>(`/tickets/${ticketId}/macros/${macroId}/apply`, { expectedVersion }),

    /** Merges this ticket into another of the same requester. */
    mergeInto: (ticketId: number, intoTicketId: number) =>
      post<{ ticket: TicketSummary; merged: TicketSummary }>(`/tickets/${ticketId}/merge`, {
        intoTicketId,
      }),

    /** Splits one customer message off into a new ticket of the same requester. */
    splitMessage: (ticketId: number, split: { messageId: number; subject?: string }) =>
      post<{ ticketId: number }>(`/tickets/${ticketId}/split`, split),

    /** Logs a call on an open ticket; the key makes a retried submit one call. */
    logCall: (ticketId: number, call: CallInput, idempotencyKey: string) =>
      post<CallView>(`/tickets/${ticketId}/calls`, call, { 'idempotency-key': idempotencyKey }),

    /** Logs a call as a new ticket; the answer names the ticket it created. */
    logCallAsTicket: (
      call: CallInput & { subject?: string; requester?: { name?: string; email?: string } },
      idempotencyKey: string,
    ) => post<CallView>('/calls', call, { 'idempotency-key': idempotencyKey }),

    listCalls: (ticketId: number) => request<CallView[]>(`/tickets/${ticketId}/calls`),

    getRequester: (requesterId: number) => request<RequesterView>(`/requesters/${requesterId}`),

    /** Up to ten requesters whose email, name or phone starts with `q`. */
    searchRequesters: (q: string) =>
      request<{ items: RequesterMatch[] }>(`/requesters?${new URLSearchParams({ q })}`),

    /** Merges requester `fromId` into `intoId`: identities and tickets move to `intoId`. */
    mergeRequester: (fromId: number, intoId: number) =>
      post<RequesterView>(`/requesters/${fromId}/merge`, { intoRequesterId: intoId }),

    listNotifications: () => request<NotificationList>('/notifications'),

    markNotificationRead: (id: number) =>
      post<{ id: number; unreadCount: number }>(`/notifications/${id}/read`, {}),

    markAllNotificationsRead: () =>
      post<{ marked: number; unreadCount: number }>('/notifications/read-all', {}),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;

/** The query string of a ticket list request; empty filters are left out. */
export function ticketQuery(filters: TicketFilters): URLSearchParams {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) {
    if (value !== undefined && value !== '') query.set(key, String(value));
  }
  return query;
}

/** The query string of an inbox list request; list filters are sent comma-separated. */
export function inboxQuery(filters: InboxFilters): URLSearchParams {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) {
    const text = Array.isArray(value) ? value.join(',') : value;
    if (text !== undefined && text !== '') query.set(key, String(text));
  }
  return query;
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return null;

  try {
    return JSON.parse(text);
  } catch {
    // A proxy or crash page instead of JSON: keep its status, drop the markup.
    return null;
  }
}

function asProblem(body: unknown): Problem | null {
  const isProblem = typeof body === 'object' && body !== null && 'detail' in body;
  return isProblem ? (body as Problem) : null;
}
