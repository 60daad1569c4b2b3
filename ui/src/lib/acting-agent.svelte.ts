// Who the workspace acts as. There is no sign-in yet, so the agent picks themselves from
// /api/agents and the choice is remembered in this browser's localStorage; its id is sent
// as `agentId` with replies, notes and assignments.

const STORAGE_KEY = 'casework.actingAgentId';

function readStoredId(): number | null {
  const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
  const id = Number(stored);
  return stored && Number.isInteger(id) ? id : null;
}

class ActingAgent {
  id = $state<number | null>(readStoredId());

  /** Remembers the choice for the next visit; null forgets it. */
  choose(id: number | null): void {
    this.id = id;
    if (id === null) localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, String(id));
  }
}

/** The agent this browser acts as, shared by every page. */
export const actingAgent = new ActingAgent();
