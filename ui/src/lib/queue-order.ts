// The order of the tickets the agent last saw on the queue page, kept for this browser tab,
// so the ticket page's next/previous shortcuts (j and k) walk the same list the agent chose.
const storageKey = 'casework.queue-order';

/** Remembers the ticket ids of the queue page, in the order shown. */
export function rememberQueueOrder(ticketIds: number[]): void {
  try {
    sessionStorage.setItem(storageKey, JSON.stringify(ticketIds));
  } catch {
    // Storage may be full or disabled; the shortcuts then simply have no neighbour.
  }
}

/** The ticket `step` places away from `ticketId` in the remembered list, or null. */
export function neighbourTicket(ticketId: number, step: 1 | -1): number | null {
  const ids = readOrder();
  const index = ids.indexOf(ticketId);
  if (index === -1) return null;
  return ids[index + step] ?? null;
}

function readOrder(): number[] {
  try {
    const parsed: unknown = JSON.parse(sessionStorage.getItem(storageKey) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((id) => typeof id === 'number') : [];
  } catch {
    return [];
  }
}
