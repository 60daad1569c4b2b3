// Loads the recorded facts the policy simulator replays: past tickets that arrived in a window
// (channel, subject and first message for triage; first public reply and status changes with
// their instants; the recorded triage, assignment and SLA outcome from `ticket_event`) and the
// workgroup they were routed into. Read-only, in a handful of set queries whatever the count.
import type { EntityManager } from '../../db/orm.ts';
import type { AgentStatus, AssignmentStrategy } from '../../workflows/policies/assignment.ts';
import type { SlaTerms } from '../../workflows/policies/sla.ts';
import type { BusinessCalendar, WeeklyWindow } from '../../workflows/shared/business-time.ts';
import { TicketStatus, type Channel, type Priority } from '../../workflows/ticket/vocabulary.ts';
import type { PastTicket, SimulatedWorkgroup, TicketOutcome } from './simulate.ts';

type Row = Record<string, unknown>;

// The workflow triages on the subject and the start of the first message; same limit as intake.
const triageTextLimit = 2_000;
const minuteMs = 60_000;

/** Past tickets that arrived in `[since, until)`, in arrival order, with their recorded facts. */
export async function loadPastTickets(
  em: EntityManager,
  window: { since: Date; until: Date },
): Promise<PastTicket[]> {
  const tickets: Row[] = await em.execute(
    `select t.id, t.channel, t.subject, t.created_at, r.email as requester_email
       from ticket t join requester r on r.id = t.requester_id
      where t.created_at >= ? and t.created_at < ?
      order by t.created_at, t.id`,
    [window.since, window.until],
  );
  if (tickets.length === 0) return [];

  const ids = `{${tickets.map((t) => String(t.id)).join(',')}}`;
  const [firstMessages, events] = await Promise.all([
    em.execute(
      `select distinct on (ticket_id) ticket_id, subject, text, automated_reason
         from message where ticket_id = any(?::bigint[]) and kind in ('inbound', 'automated')
        order by ticket_id, created_at, id`,
      [ids],
    ) as Promise<Row[]>,
    em.execute(
      `select ticket_id, seq, kind, at, actor, detail from ticket_event
        where ticket_id = any(?::bigint[]) order by ticket_id, seq`,
      [ids],
    ) as Promise<Row[]>,
  ]);

  const messageOf = new Map(firstMessages.map((m) => [Number(m.ticket_id), m]));
  const eventsOf = groupBy(events, (e) => Number(e.ticket_id));
  return tickets.map((t) =>
    toPastTicket(t, messageOf.get(Number(t.id)), eventsOf.get(Number(t.id)) ?? []),
  );
}

function toPastTicket(ticket: Row, message: Row | undefined, events: Row[]): PastTicket {
  const subject = String(ticket.subject);
  const text = message === undefined ? '' : String(message.text);
  const receivedAt = epoch(ticket.created_at);
  return {
    ticketId: Number(ticket.id),
    channel: ticket.channel as Channel,
    subject,
    triageText: `${subject}\n${text}`.slice(0, triageTextLimit),
    requesterEmail: (ticket.requester_email as string | null) ?? null,
    automated: message !== undefined && message.automated_reason !== null,
    receivedAt,
    firstReplyAt: firstAt(events, 'public_reply'),
    statuses: statusesFrom(events, receivedAt),
    slaVersion: events.some((e) => e.kind === 'sla_terms_applied') ? 'v2' : 'v1',
    recorded: recordedOutcome(events),
  };
}

/** The ticket's status over time, folded from its timeline entries as the state machine does. */
function statusesFrom(events: Row[], receivedAt: number): PastTicket['statuses'] {
  const statuses = [{ at: receivedAt, status: TicketStatus.New as string }];
  const current = () => statuses.at(-1)!.status;
  const move = (at: number, status: string) => {
    if (status !== current()) statuses.push({ at, status });
  };

  for (const event of events) {
    const at = epoch(event.at);
    const detail = event.detail as Record<string, unknown>;
    if (event.kind === 'triaged') move(at, TicketStatus.Open);
    if (event.kind === 'status_changed') move(at, String(detail.to));
    if (event.kind === 'auto_closed') move(at, TicketStatus.Closed);
    if (event.kind === 'reopened') move(at, TicketStatus.Open);
    // A person writing back resumes a ticket that waited on them; automated mail does not.
    const resumes = event.kind === 'customer_message' && event.actor === 'requester';
    if (resumes && current() === TicketStatus.Pending) move(at, TicketStatus.Open);
  }
  return statuses;
}

function recordedOutcome(events: Row[]): TicketOutcome {
  const triaged = detailOf(events.find((e) => e.kind === 'triaged'));
  const assigned = detailOf(events.find((e) => e.kind === 'assigned' && e.actor === 'policy'));
  // Business-time tickets arm several targets and re-arm them; the first first-response
  // instant is the one the ticket was promised on arrival.
  const armed = detailOf(
    events.find((e) => e.kind === 'sla_armed' && isFirstResponse(e) && detailOf(e)?.dueAt),
  );
  const levels = events
    .filter((e) => e.kind === 'escalated')
    .map((e) => Number(detailOf(e)?.level ?? 0));

  return {
    queueKey: (triaged?.queue as string | undefined) ?? null,
    priority: (triaged?.priority as Priority | undefined) ?? null,
    assigneeId: typeof assigned?.agentId === 'number' ? assigned.agentId : null,
    firstResponseDueAt: typeof armed?.dueAt === 'string' ? Date.parse(armed.dueAt) : null,
    breached: events.some((e) => e.kind === 'sla_breached' && isFirstResponse(e)),
    escalationLevel: Math.max(0, ...levels),
  };
}

/** The queues (with SLA terms, strategy and calendar) and agents tickets are routed into. */
export async function loadSimulatedWorkgroup(em: EntityManager): Promise<SimulatedWorkgroup> {
  const [queues, agents, calendars] = await Promise.all([
    em.execute(
      `select q.*, t.calendar_id, p.name as policy_name, p.first_response_minutes,
              p.resolution_minutes, p.follow_up_after_minutes, p.auto_close_after_minutes
         from queue q
         join team t on t.id = q.team_id
         join sla_policy p on p.id = q.sla_policy_id`,
    ) as Promise<Row[]>,
    // `select *`: newer agent columns (status, roster order) are used when present.
    em.execute('select * from agent order by id') as Promise<Row[]>,
    em.execute('select * from business_calendar') as Promise<Row[]>,
  ]);

  const calendarOf = new Map(calendars.map((c) => [Number(c.id), toCalendar(c)]));
  return {
    queues: Object.fromEntries(
      queues.map((q) => [
        String(q.key),
        {
          key: String(q.key),
          skill: String(q.skill),
          strategy: (q.assignment_strategy as AssignmentStrategy | undefined) ?? undefined,
          terms: toTerms(q),
          calendar: calendarOf.get(Number(q.calendar_id)) ?? null,
        },
      ]),
    ),
    agents: agents.map((a) => ({
      agentId: Number(a.id),
      name: String(a.name),
      available: Boolean(a.available),
      skills: a.skills as string[],
      capacity: Number(a.capacity),
      ...(a.status === undefined ? {} : { status: a.status as AgentStatus }),
      ...(a.roster_order === undefined ? {} : { rosterOrder: Number(a.roster_order) }),
    })),
  };
}

function toTerms(row: Row): SlaTerms {
  const toMs = (minutes: Record<Priority, number>) =>
    Object.fromEntries(
      Object.entries(minutes).map(([key, value]) => [key, value * minuteMs]),
    ) as Record<Priority, number>;
  return {
    policyName: String(row.policy_name),
    firstResponseMs: toMs(row.first_response_minutes as Record<Priority, number>),
    resolutionMs: toMs(row.resolution_minutes as Record<Priority, number>),
    followUpAfterMs: Number(row.follow_up_after_minutes) * minuteMs,
    autoCloseAfterMs: Number(row.auto_close_after_minutes) * minuteMs,
  };
}

function toCalendar(row: Row): BusinessCalendar {
  return {
    id: String(row.id),
    name: String(row.name),
    timeZone: String(row.time_zone),
    weekly: row.weekly as WeeklyWindow[],
    holidays: row.holidays as string[],
  };
}

// v1 entries name the first-response target; very early ones may carry no target at all.
function isFirstResponse(event: Row): boolean {
  const target = detailOf(event)?.target;
  return target === undefined || target === 'first_response';
}

function firstAt(events: Row[], kind: string): number | null {
  const event = events.find((e) => e.kind === kind);
  return event === undefined ? null : epoch(event.at);
}

function detailOf(event: Row | undefined): Record<string, unknown> | null {
  return event === undefined ? null : (event.detail as Record<string, unknown>);
}

function epoch(value: unknown): number {
  return new Date(value as string | Date).getTime();
}

function groupBy<T>(items: T[], key: (item: T) => number): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [item]);
    else group.push(item);
  }
  return groups;
}
