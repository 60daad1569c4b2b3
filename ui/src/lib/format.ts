// Words and durations the workspace shows for tickets: relative times, the first-response
// SLA countdown and the sentences for timeline entries. Pure functions of their inputs
// and the given `now`, so every row agrees on the time.
import type { TicketSummary, TimelineEntryView } from '../../../api/contract.ts';
import type { RunningSla } from '../../../api/inbox-contract.ts';
import type { Channel } from '../../../workflows/ticket/vocabulary.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A short duration such as `45 min`, `3 h 10 min` or `2 d 4 h`. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < MINUTE) return 'under 1 min';
  if (abs < HOUR) return `${Math.floor(abs / MINUTE)} min`;
  if (abs < DAY)
    return joinUnits(Math.floor(abs / HOUR), 'h', Math.floor((abs % HOUR) / MINUTE), 'min');
  return joinUnits(Math.floor(abs / DAY), 'd', Math.floor((abs % DAY) / HOUR), 'h');
}

function joinUnits(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor === 0 ? `${major} ${majorUnit}` : `${major} ${majorUnit} ${minor} ${minorUnit}`;
}

/** How long ago an ISO time was, e.g. `12 min ago`. */
export function timeSince(iso: string, now: number): string {
  return `${formatDuration(now - Date.parse(iso))} ago`;
}

/** A readable absolute time for tooltips and timeline entries. */
export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export type SlaTone = 'none' | 'met' | 'ok' | 'soon' | 'breached';

/** The first-response clock: amber within an hour of the target, red once breached. */
export function firstResponseSla(
  ticket: TicketSummary,
  now: number,
): { tone: SlaTone; label: string } {
  if (ticket.firstRespondedAt) return { tone: 'met', label: 'Responded' };
  if (!ticket.firstResponseDueAt) return { tone: 'none', label: 'No target' };

  const remaining = Date.parse(ticket.firstResponseDueAt) - now;
  if (ticket.breached || remaining <= 0) {
    return { tone: 'breached', label: `Breached ${formatDuration(remaining)} ago` };
  }

  const tone = remaining <= HOUR ? 'soon' : 'ok';
  return { tone, label: `${formatDuration(remaining)} left` };
}

const targetNames: Record<RunningSla['target'], string> = {
  first_response: 'First response',
  next_response: 'Next response',
  resolution: 'Resolution',
};

/**
 * The countdown of the earliest SLA target still running on a queue row: amber from its
 * warning (the policy's window, or the workflow's own warning), red once past due.
 */
export function runningSlaClock(
  sla: RunningSla | null,
  now: number,
): { tone: SlaTone; label: string; target: string | null } {
  if (sla === null) return { tone: 'none', label: 'No clock running', target: null };

  const target = targetNames[sla.target];
  const remaining = Date.parse(sla.dueAt) - now;
  if (remaining <= 0) {
    return { tone: 'breached', label: `Breached ${formatDuration(remaining)} ago`, target };
  }

  const tone = now >= Date.parse(sla.warnAt) ? 'soon' : 'ok';
  return { tone, label: `${formatDuration(remaining)} left`, target };
}

/** Capitalises a vocabulary word for display: `internal_note` → `Internal note`. */
export function humanize(word: string): string {
  // Keep initialisms as people write them: "sla_met" reads "SLA met", not "Sla met".
  const spaced = word.replaceAll('_', ' ').replace(/\bsla\b/gi, 'SLA');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

const channelLabels: Record<Channel, string> = {
  email: 'Email',
  web: 'Web form',
  api: 'API',
  chat: 'Chat',
  social: 'Social',
  phone: 'Phone',
};

/** The name of the channel a ticket or message came through. */
export function formatChannel(channel: Channel): string {
  return channelLabels[channel];
}

/**
 * One sentence for a timeline entry, built from its kind, actor and detail; `agentNames`
 * names the agents an entry refers to by id (a handoff's new owner).
 */
export function describeTimelineEntry(
  entry: TimelineEntryView,
  agentNames: Map<number, string> = new Map(),
): string {
  const who = entry.actor ?? 'Casework';
  const detail = entry.detail;
  const text = (key: string) => (typeof detail[key] === 'string' ? detail[key] : null);

  switch (entry.kind) {
    case 'created':
      return `Ticket created${entry.actor ? ` by ${entry.actor}` : ''}`;
    case 'triaged':
      return `Triaged${(text('queueName') ?? text('queue')) ? ` into ${text('queueName') ?? text('queue')}` : ''}`;
    case 'assigned':
      return `${who} assigned the ticket${text('agent') ? ` to ${text('agent')}` : ''}`;
    case 'unassigned':
      return `${who} unassigned the ticket`;
    case 'status_changed':
      return `${who} set the status${text('to') ? ` to ${humanize(text('to') ?? '')}` : ''}`;
    case 'sla_armed':
      return describeSlaArmed(text('target'), text('dueAt'));
    case 'sla_breached':
      return `SLA target breached${text('target') ? `: ${humanize(text('target') ?? '')}` : ''}`;
    case 'escalated':
      return `Escalated${typeof detail.level === 'number' ? ` to level ${detail.level}` : ''}`;
    case 'handed_off':
      return `${who} handed the ticket off${handoffTarget(detail, agentNames)}${quoted(text('note'))}`;
    case 'tags_changed':
      return `${who} changed the tags${listOf(detail.added, ': added ')}${listOf(detail.removed, ', removed ')}`;
    case 'priority_changed':
      return `${who} set the priority${text('to') ? ` to ${humanize(text('to') ?? '')}` : ''}`;
    case 'fields_changed':
      return `${who} changed ${listOf(fieldLabels(detail.changes), '') || 'fields'}`;
    case 'macro_applied':
      return `${who} applied the macro${text('title') ? ` “${text('title')}”` : ''}`;
    case 'merged_into':
      return `${who} merged this ticket into ${ticketRef(detail.intoTicketId)}`;
    case 'merged_from':
      return `${who} merged ${ticketRef(detail.fromTicketId)} into this ticket`;
    case 'split_to':
      return `${who} split a customer message off into ${ticketRef(detail.toTicketId)}`;
    case 'split_from':
      return `${who} split this ticket off ${ticketRef(detail.fromTicketId)}`;
    default:
      return `${humanize(entry.kind)}${entry.actor ? ` by ${entry.actor}` : ''}`;
  }
}

function ticketRef(id: unknown): string {
  return typeof id === 'number' ? `ticket #${id}` : 'another ticket';
}

function handoffTarget(detail: Record<string, unknown>, agentNames: Map<number, string>): string {
  if (typeof detail.toTeamName === 'string') return ` to the ${detail.toTeamName} team`;
  if (typeof detail.toAgentId !== 'number') return '';
  return ` to ${agentNames.get(detail.toAgentId) ?? `agent ${detail.toAgentId}`}`;
}

function quoted(text: string | null): string {
  return text ? `: “${text.length > 140 ? `${text.slice(0, 140)}…` : text}”` : '';
}

function listOf(value: unknown, prefix: string): string {
  return Array.isArray(value) && value.length > 0 ? `${prefix}${value.join(', ')}` : '';
}

function fieldLabels(changes: unknown): string[] {
  if (!Array.isArray(changes)) return [];
  return changes.map((change: { label?: unknown; key?: unknown }) =>
    String(change.label ?? change.key ?? 'a field'),
  );
}

// One target per entry: say which, and when it is due in the viewer's own zone.
function describeSlaArmed(target: string | null, dueAt: string | null): string {
  const name = target === null ? 'SLA target' : `${humanize(target)} target`;
  if (dueAt === null) return `${name} paused or cancelled`;
  const due = new Date(dueAt).toLocaleString(undefined, {
    dateStyle: 'medium',
    timeStyle: 'short',
  });
  return `${name} due ${due}`;
}
