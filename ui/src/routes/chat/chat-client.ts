// The chat widget's door to the public chat API (api/routes/chat.ts): start a conversation,
// send a message, read the history, listen for new entries, and say goodbye when the page is
// closed. The conversation token lives in this browser's localStorage only; the server keeps
// its hash. No session, no agent data: only what a customer may see.

/** One entry of the conversation as the customer sees it (channels/chat/conversations.ts). */
export interface ChatEntry {
  id: number;
  from: 'customer' | 'agent' | 'system';
  authorName: string | null;
  text: string;
  at: string;
}

/** A refusal with the server's sentence and, for invalid input, the problem per field. */
export class ChatError extends Error {
  readonly status: number;
  readonly fields: Record<string, string>;
  readonly retryAfterSeconds: number | null;

  constructor(options: {
    status: number;
    message: string;
    fields?: Record<string, string>;
    retryAfterSeconds?: number | null;
  }) {
    super(options.message);
    this.name = 'ChatError';
    this.status = options.status;
    this.fields = options.fields ?? {};
    this.retryAfterSeconds = options.retryAfterSeconds ?? null;
  }
}

const tokenKey = 'casework-chat-token';
const base = '/api/chat/conversations';

// Framed in another site, the browser may refuse storage (third-party storage blocked): the
// chat then works for this page view only, kept in memory.
let tokenInMemory: string | null = null;

export function savedToken(): string | null {
  try {
    return localStorage.getItem(tokenKey);
  } catch {
    return tokenInMemory;
  }
}

export function saveToken(token: string | null): void {
  tokenInMemory = token;
  try {
    if (token === null) localStorage.removeItem(tokenKey);
    else localStorage.setItem(tokenKey, token);
  } catch {
    // Storage refused: the in-memory token above is all this page view has.
  }
}

/** Starts a conversation; the first message opens the ticket. */
export async function startConversation(start: {
  name: string;
  email: string;
  text: string;
}): Promise<{ token: string; ticketId: number }> {
  const body = {
    name: start.name,
    ...(start.email.trim() === '' ? {} : { email: start.email.trim() }),
    text: start.text,
    clientId: crypto.randomUUID(),
  };
  return send('POST', base, body);
}

/** Sends a message; retried sends of the same id are one message. */
export async function sendMessage(token: string, text: string, clientMessageId: string) {
  return send('POST', `${base}/${encodeURIComponent(token)}/messages`, { text, clientMessageId });
}

/** The conversation so far, or null when the token is no longer known. */
export async function loadConversation(
  token: string,
): Promise<{ ticketId: number; name: string; entries: ChatEntry[] } | null> {
  try {
    return await send('GET', `${base}/${encodeURIComponent(token)}`);
  } catch (error) {
    if (error instanceof ChatError && error.status === 404) return null;
    throw error;
  }
}

/** Listens for entries; the browser reconnects by itself and resumes after the last id. */
export function listen(token: string, onEntry: (entry: ChatEntry) => void): () => void {
  const source = new EventSource(`${base}/${encodeURIComponent(token)}/stream`);
  source.addEventListener('entry', (event) => onEntry(JSON.parse((event as MessageEvent).data)));
  return () => source.close();
}

/** Tells the server the customer left, so later replies go by email; survives page unload. */
export function sayGoodbye(token: string): void {
  navigator.sendBeacon(`${base}/${encodeURIComponent(token)}/leave`);
}

async function send<T>(method: 'GET' | 'POST', url: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ChatError({ status: 0, message: 'We could not reach the server; try again.' });
  }
  if (response.ok) return (await response.json()) as T;
  throw await chatErrorOf(response);
}

/** Reads a problem+json refusal: its sentence, its problems per field, its Retry-After. */
export async function chatErrorOf(response: Response): Promise<ChatError> {
  const problem = (await response.json().catch(() => null)) as {
    detail?: string;
    errors?: { field: string; problem: string }[];
  } | null;
  const fields = Object.fromEntries(
    (problem?.errors ?? []).map((e) => [e.field.replace(/^body\./, ''), e.problem]),
  );
  const retryAfter = Number(response.headers.get('retry-after'));
  return new ChatError({
    status: response.status,
    message: problem?.detail ?? `The server answered ${response.status}.`,
    fields,
    retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
  });
}
