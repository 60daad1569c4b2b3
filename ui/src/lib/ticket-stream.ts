// Live updates: the API's /api/stream sends a `ticket` server-sent event whenever a ticket
// changes, and a `presence` event for each colleague's heartbeat, which goes straight to
// the shared presence board, and a `notification` event to the agent it is for.
// EventSource reconnects by itself, so callers only hear about changes and whether the line
// is currently up.
import type { NotificationEvent, PresenceView } from '../../../api/contract.ts';
import { presence } from './presence.svelte.ts';

/** One `ticket` event: which ticket changed and its new version. */
export interface TicketChange {
  ticketId: number;
  version: number;
}

export interface TicketStreamOptions {
  onChange: (change: TicketChange) => void;
  onConnectionChange?: (isConnected: boolean) => void;
  /** A notification for the signed-in agent (the server sends each only to its addressee). */
  onNotification?: (event: NotificationEvent) => void;
}

// One EventSource per browser tab, shared by everything on screen (the page and the
// notification bell), so a tab holds one of the browser's few connections per host.
const listeners = new Set<TicketStreamOptions>();
let source: EventSource | null = null;
let isConnected = false;

function openSharedSource(): EventSource {
  const opened = new EventSource('/api/stream');
  const connection = (up: boolean) => {
    isConnected = up;
    listeners.forEach((listener) => listener.onConnectionChange?.(up));
  };

  opened.addEventListener('open', () => connection(true));
  opened.addEventListener('error', () => connection(false));
  opened.addEventListener('ticket', (event) => {
    const change = parseChange(event.data);
    if (change) listeners.forEach((listener) => listener.onChange(change));
  });
  opened.addEventListener('notification', (event) => {
    const notification = parseNotification(event.data);
    if (notification) listeners.forEach((listener) => listener.onNotification?.(notification));
  });
  opened.addEventListener('presence', (event) => {
    const view = parsePresence(event.data);
    if (view) presence.apply(view);
  });
  return opened;
}

/** Listens to ticket changes until the returned function is called. */
export function watchTicketChanges(options: TicketStreamOptions): () => void {
  listeners.add(options);
  source ??= openSharedSource();
  if (isConnected) options.onConnectionChange?.(true);

  return () => {
    listeners.delete(options);
    if (listeners.size > 0 || source === null) return;
    source.close();
    source = null;
    isConnected = false;
  };
}

function parseChange(data: unknown): TicketChange | null {
  try {
    const change = JSON.parse(String(data)) as Partial<TicketChange>;
    const isValid = typeof change.ticketId === 'number' && typeof change.version === 'number';
    return isValid ? (change as TicketChange) : null;
  } catch {
    // A malformed event cannot name a ticket; the next valid one refreshes the view anyway.
    return null;
  }
}

function parsePresence(data: unknown): PresenceView | null {
  try {
    const view = JSON.parse(String(data)) as Partial<PresenceView>;
    const isValid = typeof view.ticketId === 'number' && typeof view.agent?.id === 'number';
    return isValid ? (view as PresenceView) : null;
  } catch {
    // A malformed heartbeat names nobody; the colleague's next one, five seconds on, will.
    return null;
  }
}

function parseNotification(data: unknown): NotificationEvent | null {
  try {
    const event = JSON.parse(String(data)) as Partial<NotificationEvent>;
    const isValid = typeof event.id === 'number' && typeof event.unreadCount === 'number';
    return isValid ? (event as NotificationEvent) : null;
  } catch {
    // A malformed event carries no count; the bell reloads its list when opened anyway.
    return null;
  }
}
