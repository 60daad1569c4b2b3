// Live updates: the API's /api/stream sends a `ticket` server-sent event whenever a ticket
// changes, and a `presence` event for each colleague's heartbeat, which goes straight to
// the shared presence board. EventSource reconnects by itself, so callers only hear about
// changes and whether the line is currently up.
import type { PresenceView } from '../../../api/contract.ts';
import { presence } from './presence.svelte.ts';

/** One `ticket` event: which ticket changed and its new version. */
export interface TicketChange {
  ticketId: number;
  version: number;
}

export interface TicketStreamOptions {
  onChange: (change: TicketChange) => void;
  onConnectionChange?: (isConnected: boolean) => void;
}

/** Listens to ticket changes until the returned function is called. */
export function watchTicketChanges(options: TicketStreamOptions): () => void {
  const source = new EventSource('/api/stream');

  source.addEventListener('open', () => options.onConnectionChange?.(true));
  source.addEventListener('error', () => options.onConnectionChange?.(false));
  source.addEventListener('ticket', (event) => {
    const change = parseChange(event.data);
    if (change) options.onChange(change);
  });
  source.addEventListener('presence', (event) => {
    const view = parsePresence(event.data);
    if (view) presence.apply(view);
  });

  return () => source.close();
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
