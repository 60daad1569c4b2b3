// The ticket page's side of presence: a heartbeat every five seconds telling the API what
// this agent is doing on the ticket, sent at once when that changes (viewing → typing), and
// a goodbye when the page goes away. If the goodbye is lost (a crash, a closed laptop), the
// server's twelve-second expiry removes the agent anyway. A failed heartbeat is not shown:
// the next one five seconds later retries it, and presence is a courtesy, not a guard.
import { createApiClient, type PresenceState } from './api.ts';
import { presence } from './presence.svelte.ts';

const heartbeatEveryMs = 5_000;

// Typing counts for this long after the last keystroke, then the agent is only viewing.
const typingLingersMs = 4_000;

export interface Heartbeat {
  /** Call on each keystroke in the composer. */
  typed(state: Exclude<PresenceState, 'viewing'>): void;
  stop(): void;
}

/** Starts reporting presence on one ticket and loads who else is there now. */
export function startHeartbeat(ticketId: number): Heartbeat {
  const api = createApiClient();
  let typing: { state: PresenceState; at: number } | null = null;
  let lastSent: PresenceState | null = null;

  const current = (): PresenceState => {
    const isTyping = typing !== null && Date.now() - typing.at < typingLingersMs;
    return isTyping ? typing!.state : 'viewing';
  };
  const send = () => {
    lastSent = current();
    api.sendPresence(ticketId, lastSent).catch(() => undefined);
  };
  const leave = () => void api.leaveTicket(ticketId).catch(() => undefined);

  send();
  void api
    .listPresence()
    .then((views) => views.forEach((view) => presence.apply(view)))
    .catch(() => undefined);
  const timer = setInterval(send, heartbeatEveryMs);
  const settle = setInterval(() => current() !== lastSent && send(), 1_000);
  addEventListener('pagehide', leave);

  return {
    typed(state) {
      typing = { state, at: Date.now() };
      if (lastSent !== state) send();
    },
    stop() {
      clearInterval(timer);
      clearInterval(settle);
      removeEventListener('pagehide', leave);
      leave();
    },
  };
}
