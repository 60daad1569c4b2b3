// Ticket workflow ids are business keys: `ticket-<id>`. Starting the same id twice is how
// intake stays exactly-once across retries and crashes.

/** The workflow id of a ticket. */
export function ticketWorkflowId(ticketId: number): string {
  return `ticket-${ticketId}`;
}
