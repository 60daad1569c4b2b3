// The bench's reference workflow: it returns at once, so its rate is what the Temporal server
// and one worker can do per workflow with no activities and no timers — the ceiling a ticket
// workflow's start-to-triaged rate is compared against.

/** Completes immediately with nothing; touches no ticket. */
export async function emptyWorkflow(): Promise<void> {
  return undefined;
}
