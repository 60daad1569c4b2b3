// The auditor's timeline: every recorded timeline entry of a ticket with its cause (which rule,
// which policy version, which timer, which agent by name), as JSON and as one printable line per
// entry in UTC and optionally the viewer's zone. Pure: the CLI (`npm run audit -- timeline`) and
// the API (GET /api/tickets/:id/audit) load an AuditSource and share this formatting.
// Tests: tests/audit/timeline.test.ts.
import { DateTime, IANAZone } from 'luxon';

/** One `ticket_event` row as recorded by the workflow's projection. */
export interface AuditEventRow {
  seq: number;
  kind: string;
  /** ISO-8601 instant. */
  at: string;
  /** Stable actor key: `agent:<id>`, `policy`, `timer`, `requester`, `automated`. */
  actor: string | null;
  detail: Record<string, unknown>;
}

/** What a timeline is built from: the ticket, its events, and names to resolve ids with. */
export interface AuditSource {
  ticket: {
    id: number;
    subject: string;
    channel: string;
    status: string;
    priority: string;
    queueName: string | null;
    requesterName: string | null;
    createdAt: string;
  };
  events: AuditEventRow[];
  agentNames: Record<number, string>;
  /** The kind of each message the events mention (inbound, automated, public_reply, ...). */
  messageKinds: Record<number, string>;
}

/** One entry of the audit timeline: what happened, who did it, and why. */
export interface AuditEntry {
  seq: number;
  kind: string;
  /** ISO-8601 in UTC. */
  at: string;
  /** The same instant in the requested zone, null when no zone was asked for. */
  atLocal: string | null;
  actor: { key: string | null; name: string };
  summary: string;
  cause: string;
  detail: Record<string, unknown>;
}

/** A ticket's whole audit timeline, as the API answers it and the CLI prints it. */
export interface AuditTimeline {
  ticket: AuditSource['ticket'];
  timeZone: string | null;
  entries: AuditEntry[];
}

/** Whether `zone` is an IANA time zone luxon can read, e.g. 'Europe/Berlin'. */
export function isTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/** Builds the audit timeline of a ticket; `timeZone` adds each instant in the viewer's zone. */
export function buildAuditTimeline(
  source: AuditSource,
  options: { timeZone?: string | null } = {},
): AuditTimeline {
  const timeZone = options.timeZone ?? null;
  if (timeZone !== null && !isTimeZone(timeZone)) {
    throw new RangeError(`"${timeZone}" is not an IANA time zone; try e.g. Europe/Berlin`);
  }

  const names = new Names(source);
  const entries = [...source.events]
    .sort((a, b) => a.seq - b.seq)
    .map((event) => ({
      seq: event.seq,
      kind: event.kind,
      at: utc(event.at),
      atLocal: timeZone === null ? null : local(event.at, timeZone),
      actor: { key: event.actor, name: names.actor(event.actor) },
      ...explain(event, names),
      detail: event.detail,
    }));
  return { ticket: source.ticket, timeZone, entries };
}

/** The timeline as printable lines: a header, then one line per entry. */
export function formatTimelineLines(timeline: AuditTimeline): string[] {
  const { ticket } = timeline;
  const header = [
    `Ticket #${ticket.id} "${ticket.subject}" (${ticket.channel}, ${ticket.status}, ` +
      `${ticket.priority}, queue ${ticket.queueName ?? 'none'})`,
    `Times in UTC${timeline.timeZone === null ? '' : ` and ${timeline.timeZone}`}; ` +
      `${timeline.entries.length} timeline entries.`,
  ];

  const lines = timeline.entries.map((entry) => {
    const when = entry.atLocal === null ? entry.at : `${entry.at} (${entry.atLocal})`;
    const seq = `#${entry.seq}`.padStart(4);
    return `${seq} ${when}  ${entry.kind.padEnd(23)} ${entry.actor.name}: ${entry.summary} — because ${entry.cause}`;
  });
  return [...header, ...lines];
}

function utc(at: string): string {
  return new Date(at).toISOString();
}

function local(at: string, zone: string): string {
  return DateTime.fromISO(utc(at), { zone }).toFormat('yyyy-MM-dd HH:mm:ss ZZZZ');
}

/** Resolves recorded ids and actor keys to the names people read. */
class Names {
  private readonly source: AuditSource;

  constructor(source: AuditSource) {
    this.source = source;
  }

  agent(id: unknown): string {
    if (typeof id !== 'number') return 'nobody';
    return this.source.agentNames[id] ?? `agent ${id} (no longer in the directory)`;
  }

  actor(key: string | null): string {
    if (key === null) return 'Casework';
    const agent = /^agent:(\d+)$/.exec(key);
    if (agent !== null) return this.agent(Number(agent[1]));

    const labels: Record<string, string> = {
      policy: 'Casework (policy)',
      timer: 'Casework (timer)',
      requester: this.source.ticket.requesterName ?? 'Requester',
      automated: 'Automated mail',
    };
    return labels[key] ?? key;
  }

  message(id: unknown): string {
    if (typeof id !== 'number') return 'a message';
    const kind = this.source.messageKinds[id];
    return kind === undefined ? `message #${id}` : `message #${id} (${kind})`;
  }
}

type Explanation = { summary: string; cause: string };
type Detail = Record<string, unknown>;

// One explainer per timeline entry kind; a kind added later falls back to `explainOther`,
// so an audit never hides an entry it does not yet know how to word.
const explainers: Record<string, (d: Detail, n: Names) => Explanation> = {
  created: (d, n) => ({
    summary: `ticket created from ${n.message(d.messageId)} on ${text(d.channel)}`,
    cause: 'the requester wrote in',
  }),
  triaged: (d) => ({
    summary: `triaged into queue ${text(d.queueName ?? d.queue)} at priority ${text(d.priority)}`,
    cause: `triage rules ${list(d.rules)} fired (policy ${text(d.policyVersion)})`,
  }),
  assigned: (d, n) => ({
    summary:
      `assigned to ${n.agent(d.agentId)}` +
      (d.previousAgentId === null || d.previousAgentId === undefined
        ? ''
        : ` (was ${n.agent(d.previousAgentId)})`) +
      (typeof d.note === 'string' && d.note !== '' ? `, note: "${d.note}"` : ''),
    cause: withVersion(text(d.reason), d.policyVersion, 'assignment policy'),
  }),
  unassigned: (d) => ({
    summary: 'left unassigned',
    cause: withVersion(text(d.reason), d.policyVersion, 'assignment policy'),
  }),
  sla_armed: (d) => ({
    summary:
      d.dueAt === null
        ? `${target(d.target)} target has no timer (clock paused or stopped)`
        : `${target(d.target)} target armed, due ${text(d.dueAt)}` +
          (typeof d.warnAt === 'string' ? `, warning at ${d.warnAt}` : ''),
    cause:
      `SLA policy ${text(d.policy)}` +
      (typeof d.calendar === 'string' ? ` in calendar ${d.calendar}` : '') +
      (typeof d.reason === 'string' ? `, ${d.reason}` : ''),
  }),
  sla_terms_applied: (d) => ({
    summary: `SLA terms ${text(d.policy)} applied at priority ${text(d.priority)}, calendar ${text(d.calendar)}`,
    cause: text(d.reason),
  }),
  sla_warning: (d) => ({
    summary: `${target(d.target)} target due soon (due ${text(d.dueAt)})`,
    cause: 'the SLA warning timer fired',
  }),
  sla_met: (d) => ({
    summary:
      `${target(d.target)} target ${d.met === false ? 'missed' : 'met'} after ` +
      `${text(d.businessMinutes)} business minutes (due ${text(d.dueAt)})`,
    cause: 'the ticket did what the target asks (a public reply, or resolution)',
  }),
  requeued: (d) => ({
    summary: `moved from queue ${text(d.from)} to ${text(d.to)}`,
    cause: text(d.reason),
  }),
  promise_made: (d) => ({
    summary: `update promised by ${text(d.dueAt)}, note: "${text(d.note)}"`,
    cause: 'an agent promised the customer an update',
  }),
  promise_reminder: (d, n) => ({
    summary: `${n.agent(d.agentId)} reminded of the update promised by ${text(d.dueAt)}`,
    cause: 'the promise reminder timer fired',
  }),
  promise_kept: (d, n) => ({
    summary: `promise kept with ${n.message(d.messageId)}`,
    cause: 'a public reply came before the promised instant',
  }),
  promise_lapsed: (d, n) => ({
    summary: `promise by ${text(d.dueAt)} lapsed; ${n.agent(d.notifiedAgentId)} notified`,
    cause: 'the promised instant passed without a public reply',
  }),
  customer_message: (d, n) => ({
    summary: `customer wrote ${n.message(d.messageId)}`,
    cause:
      d.automated === true
        ? 'automated mail arrived (kept, never counted as the customer answering)'
        : 'the requester wrote again',
  }),
  public_reply: (d, n) => ({
    summary: `public reply ${n.message(d.messageId)}${d.firstResponse === true ? ', the first response' : ''}`,
    cause: 'an agent replied',
  }),
  internal_note: (d, n) => ({
    summary:
      `internal note ${n.message(d.messageId)}` +
      (Array.isArray(d.mentions) && d.mentions.length > 0
        ? `, mentioning ${d.mentions.map((h) => `@${String(h)}`).join(', ')}`
        : ''),
    cause: 'an agent added a note',
  }),
  status_changed: (d) => ({
    summary: `status ${text(d.from)} → ${text(d.to)}`,
    cause: text(d.reason),
  }),
  sla_breached: (d) => ({
    summary: `${target(d.target)} target breached (was due ${text(d.dueAt)})`,
    cause: 'the SLA timer fired before any public reply',
  }),
  escalated: (d, n) => ({
    summary:
      `escalated to level ${text(d.level)}: priority ${text(d.fromPriority)} → ` +
      `${text(d.toPriority)}, ${n.agent(d.notifiedAgentId)} notified`,
    cause: text(d.reason),
  }),
  follow_up_reminder_sent: (d, n) => ({
    summary: `follow-up reminder sent as ${n.message(d.messageId)}`,
    cause: 'the follow-up timer fired while the ticket waited on the customer',
  }),
  auto_closed: (d) => ({
    summary: `closed automatically from ${text(d.from)}`,
    cause: `the auto-close timer fired: ${text(d.reason)}`,
  }),
  reopened: (d, n) => ({
    summary: `reopened by ${n.message(d.messageId)}`,
    cause: 'the requester wrote after the ticket was resolved',
  }),
  handed_off: (d, n) => ({
    summary:
      `handed off from ${n.agent(d.fromAgentId)} to ` +
      (typeof d.toTeamName === 'string' ? `team ${d.toTeamName}` : n.agent(d.toAgentId)) +
      `, note: "${text(d.note)}"`,
    cause: 'an agent handed the ticket off',
  }),
  tags_changed: (d) => ({
    summary: `tags now ${list(d.tags)} (added ${list(d.added)}, removed ${list(d.removed)})`,
    cause: byMacro(d, 'an agent edited the tags'),
  }),
  priority_changed: (d) => ({
    summary: `priority ${text(d.from)} → ${text(d.to)}`,
    cause: byMacro(d, 'an agent set the priority'),
  }),
  fields_changed: (d) => ({
    summary: fieldChanges(d.changes),
    cause: 'an agent set custom fields',
  }),
  macro_applied: (d) => ({
    summary: `macro #${text(d.macroId)} "${text(d.title)}" applied: ${JSON.stringify(d.changes ?? {})}`,
    cause: 'an agent applied a macro; its changes follow as their own entries',
  }),
  merged_into: (d) => ({
    summary: `merged into ticket #${text(d.intoTicketId)} (was ${text(d.from)})`,
    cause: 'an agent merged two tickets of the same requester; later mail lands on the target',
  }),
  merged_from: (d) => ({
    summary: `ticket #${text(d.fromTicketId)} merged into this one; its messages show here`,
    cause: 'an agent merged two tickets of the same requester',
  }),
  split_to: (d, n) => ({
    summary: `${n.message(d.messageId)} split off into new ticket #${text(d.toTicketId)}`,
    cause: 'an agent split a customer message off into its own ticket',
  }),
  split_from: (d, n) => ({
    summary: `opened from ${n.message(d.messageId)} of ticket #${text(d.fromTicketId)}`,
    cause: 'an agent split a customer message off into its own ticket',
  }),
};

function byMacro(d: Detail, otherwise: string): string {
  return typeof d.macroId === 'number' ? `macro #${d.macroId} was applied` : otherwise;
}

function fieldChanges(changes: unknown): string {
  if (!Array.isArray(changes)) return 'custom fields changed';
  const parts = changes.map((c: Detail) => `${text(c.label)} ${text(c.from)} → ${text(c.to)}`);
  return `custom fields: ${parts.join('; ')}`;
}

function explain(event: AuditEventRow, names: Names): Explanation {
  const explainer = explainers[event.kind];
  return explainer === undefined ? explainOther(event.detail) : explainer(event.detail, names);
}

function explainOther(d: Detail): Explanation {
  const cause = typeof d.reason === 'string' ? d.reason : 'recorded by the workflow';
  return {
    summary: JSON.stringify(d),
    cause: withVersion(cause, d.policyVersion ?? d.policy, 'policy'),
  };
}

function withVersion(cause: string, version: unknown, what: string): string {
  return typeof version === 'string' ? `${cause} (${what} ${version})` : cause;
}

function target(value: unknown): string {
  return text(value).replaceAll('_', '-');
}

function list(value: unknown): string {
  return Array.isArray(value) && value.length > 0 ? value.join(', ') : 'none';
}

function text(value: unknown): string {
  return value === null || value === undefined ? 'none' : String(value);
}
