// Fills a macro's placeholders for one ticket before an agent inserts it into a reply. The
// syntax is `{{requester.name}}`, `{{ticket.number}}` and `{{agent.name}}` (spaces inside the
// braces allowed). A placeholder we do not know, or whose value is missing, stays in the text
// as written, so the agent sees it before sending rather than the customer reading a gap.
// Tests: tests/kb/kb-macro-render.test.ts.

/** The values a macro's placeholders may take for one ticket; null when unknown. */
export interface MacroValues {
  requesterName: string | null;
  ticketNumber: number;
  agentName: string | null;
}

const placeholder = /\{\{\s*([a-z]+\.[a-z]+)\s*\}\}/gi;

/** Returns the macro body with every known placeholder filled; unknown or empty ones are left visible. */
export function renderMacro(body: string, values: MacroValues): string {
  const filled: Record<string, string | null> = {
    'requester.name': values.requesterName,
    'ticket.number': String(values.ticketNumber),
    'agent.name': values.agentName,
  };

  return body.replace(placeholder, (written: string, name: string) => {
    const value = filled[name.toLowerCase()];
    return value === null || value === undefined || value.trim() === '' ? written : value;
  });
}
