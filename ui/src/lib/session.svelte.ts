// Who is signed in in this browser. The session itself lives in an HttpOnly cookie the page
// cannot read; this holds what GET/POST /api/session answered: the agent, their roles and
// the CSRF token the API client sends with every state-changing request.
import type { SessionView } from '../../../api/contract.ts';

class CurrentSession {
  view = $state<SessionView | null>(null);

  /** The signed-in agent, or null before sign-in and after sign-out. */
  get agent(): SessionView['agent'] | null {
    return this.view?.agent ?? null;
  }

  get csrfToken(): string | null {
    return this.view?.csrfToken ?? null;
  }

  set(view: SessionView | null): void {
    this.view = view;
  }
}

/** The session shared by every page and the API client. */
export const session = new CurrentSession();
