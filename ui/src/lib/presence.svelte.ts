// Who else is on which ticket, as far as this browser has heard: filled from GET
// /api/presence when a page opens and from `presence` events on /api/stream after that.
// Each entry holds for the time the server gave it (a heartbeat's worth), so a colleague
// whose tab closed without saying goodbye disappears within seconds. The signed-in agent
// is left out: nobody needs to be told they are viewing their own screen.
import { SvelteMap } from 'svelte/reactivity';
import type { PresenceView } from '../../../api/contract.ts';
import { session } from './session.svelte.ts';

interface Entry {
  view: PresenceView;
  expiresAt: number;
}

const sweepEveryMs = 1_000;
let sweeper: ReturnType<typeof setInterval> | undefined;

class PresenceBoard {
  #entries = new SvelteMap<string, Entry>();

  /** Records a heartbeat or a leaving; answers nothing. */
  apply(view: PresenceView): void {
    const key = `${view.ticketId}:${view.agent.id}`;
    if (view.state === 'gone' || view.agent.id === session.agent?.id) {
      this.#entries.delete(key);
      return;
    }
    this.#entries.set(key, { view, expiresAt: Date.now() + view.expiresInMs });
    sweeper ??= setInterval(() => this.#sweep(), sweepEveryMs);
  }

  /** Colleagues on one ticket now, typing ones first. */
  onTicket(ticketId: number): PresenceView[] {
    return [...this.#entries.values()]
      .map((entry) => entry.view)
      .filter((view) => view.ticketId === ticketId)
      .sort((a, b) => Number(a.state === 'viewing') - Number(b.state === 'viewing'));
  }

  #sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) this.#entries.delete(key);
    }
  }
}

/** The presence every page of this browser shares. */
export const presence = new PresenceBoard();

/** "Bob Lindqvist is typing a reply": one phrase per colleague, for screens and screen readers. */
export function describePresence(view: PresenceView): string {
  if (view.state === 'typing-reply') return `${view.agent.name} is typing a reply`;
  if (view.state === 'typing-note') return `${view.agent.name} is writing an internal note`;
  return `${view.agent.name} is viewing`;
}
