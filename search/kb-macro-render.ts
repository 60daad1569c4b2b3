// Fills a macro's placeholders for one ticket before an agent inserts it into a reply, and says
// which placeholders a macro may use. Every renderer of macro text (applying a macro in
// api/routes/ticket-collab.ts, macro suggestions in api/routes/kb.ts) goes through here, and
// api/routes/macros.ts refuses a macro whose body names a placeholder outside the supported set,
// so a customer never reads `{{requester.name}}`.
//
// Supported (spaces inside the braces and any letter case allowed): requester.name,
// requester.email, ticket.number, ticket.subject, agent.name. agent.email is deliberately not
// supported: an agent's own address should not leak into customer mail.
//
// A known placeholder whose value is missing never stays raw; it falls back to neutral words
// that still read as a sentence: a requester without a name (mail tickets often have none) is
// "there" ("Hi there,"), which reads better than an email address in a greeting; a missing
// email is "your email address"; a missing agent name is "The support team". A placeholder we
// do not know (only possible for macros stored before the check) is left visible, so the agent
// sees it before sending rather than the customer reading a gap.
// Tests: tests/kb/kb-macro-render.test.ts.

/** The values a macro's placeholders may take for one ticket; null when unknown. */
export interface MacroValues {
  requesterName: string | null;
  requesterEmail?: string | null;
  ticketNumber: number;
  ticketSubject?: string | null;
  agentName: string | null;
}

/** The placeholders a macro body may use, as written inside the braces. */
export const supportedPlaceholders = [
  'requester.name',
  'requester.email',
  'ticket.number',
  'ticket.subject',
  'agent.name',
] as const;

type Placeholder = (typeof supportedPlaceholders)[number];

/** What a placeholder reads as when the ticket has no value for it. */
const fallbacks: Record<Placeholder, string> = {
  'requester.name': 'there',
  'requester.email': 'your email address',
  'ticket.number': '',
  'ticket.subject': 'your request',
  'agent.name': 'The support team',
};

// Anything between double braces counts as a placeholder, so a misspelt one is caught too.
const placeholder = /\{\{([^{}]*)\}\}/g;

function isSupported(name: string): name is Placeholder {
  return (supportedPlaceholders as readonly string[]).includes(name);
}

/** Returns the macro body with every supported placeholder filled; unknown ones are left visible. */
export function renderMacro(body: string, values: MacroValues): string {
  const filled: Record<Placeholder, string | null | undefined> = {
    'requester.name': values.requesterName,
    'requester.email': values.requesterEmail,
    'ticket.number': String(values.ticketNumber),
    'ticket.subject': values.ticketSubject,
    'agent.name': values.agentName,
  };

  return body.replace(placeholder, (written: string, inner: string) => {
    const name = inner.trim().toLowerCase();
    if (!isSupported(name)) return written;
    const value = filled[name];
    return value === null || value === undefined || value.trim() === '' ? fallbacks[name] : value;
  });
}

/** The placeholders in a macro body that are not supported, as written, each once. */
export function unknownPlaceholders(body: string): string[] {
  const unknown = new Set<string>();
  for (const match of body.matchAll(placeholder)) {
    if (!isSupported(match[1]!.trim().toLowerCase())) unknown.add(match[0]);
  }
  return [...unknown];
}
