// The lead's weekly triage: which open tickets are stuck (no action for N business hours in
// their team's calendar, or past an SLA target) and which ticket topics no KB article answers.
// Read-only over the read model (`ticket`, `ticket_event`, `message`) and the KB index; the
// dashboard (GET /api/lead/triage) and the weekly mail to leads both read it from here.
// Tests: tests/reports/triage.test.ts.
import type { Logger } from 'pino';
import type { EntityManager } from '../db/orm.ts';
import { findKbAnswer } from '../search/kb-search.ts';
import type { Meili } from '../search/client.ts';
import { ticketQueryWords } from '../search/kb-language.ts';
import type { Priority, TicketStatus } from '../workflows/ticket/vocabulary.ts';
import { createBusinessClocks, type BusinessClocks } from './triage-clock.ts';

/** Default idle threshold: one business day without any action makes a ticket stuck. */
export const defaultStuckAfterBusinessHours = 8;

/** Default relevance a KB article must reach (Meilisearch ranking score, 0–1) to count as an answer. */
export const defaultKbAnswerScore = 0.75;

/**
 * Share of the subject's words some KB article must contain. The KB search drops the words no
 * article has before it ranks, so "Invoice shows wrong VAT number" scores 0.96 against "Download an
 * invoice as PDF" on "invoice" alone; the subject is where customers name the problem, so at
 * least half of its words must be known to the knowledge base.
 */
export const minimumSubjectCoverage = 0.5;

// What counts as someone acting on a ticket: the requester writing, an agent replying, noting,
// assigning or changing its status. SLA timers, warnings and reminders are the system, not action.
const actionKinds = [
  'created',
  'customer_message',
  'public_reply',
  'internal_note',
  'assigned',
  'status_changed',
  'reopened',
] as const;

const hourMs = 3_600_000;

/** Narrows triage to one team, queue or agent. */
export interface TriageFilters {
  teamId?: number;
  queueId?: number;
  agentId?: number;
}

/** Why a ticket is listed as stuck; a ticket can have several reasons. */
export type StuckReason =
  'idle' | 'first_response_overdue' | 'next_response_overdue' | 'resolution_overdue';

export interface StuckTicket {
  id: number;
  subject: string;
  status: TicketStatus;
  priority: Priority;
  queue: { id: number; name: string } | null;
  team: { id: number; name: string } | null;
  assignee: { id: number; name: string } | null;
  lastActionAt: string;
  /** Business hours since the last action, in the team's calendar (24x7 without one). */
  idleBusinessHours: number;
  /** Calendar hours since the last action, for comparison. */
  idleCalendarHours: number;
  reasons: StuckReason[];
  /** The earliest SLA due instant already passed, if any. */
  overdueSince: string | null;
}

export interface StuckTicketReport {
  asOf: string;
  stuckAfterBusinessHours: number;
  /** How many tickets are stuck; over HTTP `tickets` holds only the most idle `limit` of them. */
  total?: number;
  tickets: StuckTicket[];
}

type Row = Record<string, unknown>;

/**
 * Lists open tickets with no action for `stuckAfterBusinessHours` business hours, or past an SLA
 * target, most idle first. Pending and on-hold tickets wait on someone else by design and are left out.
 */
export async function findStuckTickets(options: {
  em: EntityManager;
  now: Date;
  stuckAfterBusinessHours?: number;
  filters?: TriageFilters;
}): Promise<StuckTicketReport> {
  const threshold = options.stuckAfterBusinessHours ?? defaultStuckAfterBusinessHours;
  const rows = await loadCandidates(options.em, options.now, threshold, options.filters ?? {});
  const since = rows.reduce(
    (earliest, row) => Math.min(earliest, asDate(row.last_action_at)!.getTime()),
    options.now.getTime(),
  );
  const clocks = await createBusinessClocks({
    em: options.em,
    since,
    until: options.now.getTime(),
  });

  const tickets = rows
    .map((row) => toStuckTicket(row, clocks, options.now, threshold))
    .filter((ticket) => ticket.reasons.length > 0)
    .sort((a, b) => b.idleBusinessHours - a.idleBusinessHours || a.id - b.id);
  return { asOf: options.now.toISOString(), stuckAfterBusinessHours: threshold, tickets };
}

// Business hours never exceed calendar hours, so a ticket idle for fewer calendar hours than the
// threshold and with nothing overdue cannot be stuck: PostgreSQL drops it before business time is counted.
async function loadCandidates(
  em: EntityManager,
  now: Date,
  threshold: number,
  filters: TriageFilters,
): Promise<Row[]> {
  const idleBefore = new Date(now.getTime() - threshold * hourMs);
  return em.execute(
    `with open_ticket as (
       select t.*,
              (select max(e.at) from ticket_event e
                where e.ticket_id = t.id and e.kind = any(?::text[])) as last_action_at
         from ticket t
        where t.status in ('new', 'open')
          and (?::int is null or t.team_id = ?)
          and (?::int is null or t.queue_id = ?)
          and (?::int is null or t.assignee_id = ?)
     )
     select o.id, o.subject, o.status, o.priority, o.queue_id, q.name as queue_name,
            o.team_id, tm.name as team_name, o.assignee_id, a.name as assignee_name,
            coalesce(o.last_action_at, o.created_at) as last_action_at,
            case when o.first_responded_at is null then o.first_response_due_at end
              as first_response_due_at,
            o.next_response_due_at, o.resolution_due_at
       from open_ticket o
       left join queue q on q.id = o.queue_id
       left join team tm on tm.id = o.team_id
       left join agent a on a.id = o.assignee_id
      where coalesce(o.last_action_at, o.created_at) <= ?
         or (o.first_responded_at is null and o.first_response_due_at <= ?)
         or o.next_response_due_at <= ?
         or o.resolution_due_at <= ?`,
    [
      `{${actionKinds.join(',')}}`,
      filters.teamId ?? null,
      filters.teamId ?? null,
      filters.queueId ?? null,
      filters.queueId ?? null,
      filters.agentId ?? null,
      filters.agentId ?? null,
      idleBefore,
      now,
      now,
      now,
    ],
  );
}

function toStuckTicket(
  row: Row,
  clocks: BusinessClocks,
  now: Date,
  threshold: number,
): StuckTicket {
  const teamId = row.team_id === null ? null : Number(row.team_id);
  const lastActionAt = asDate(row.last_action_at)!;
  const idleMs = clocks(teamId, lastActionAt.getTime());
  const overdue = overdueTargets(row, now);

  const reasons: StuckReason[] = [];
  if (idleMs >= threshold * hourMs) reasons.push('idle');
  reasons.push(...overdue.map((o) => o.reason));

  return {
    id: Number(row.id),
    subject: String(row.subject),
    status: row.status as TicketStatus,
    priority: row.priority as Priority,
    queue: refOf(row.queue_id, row.queue_name),
    team: refOf(row.team_id, row.team_name),
    assignee: refOf(row.assignee_id, row.assignee_name),
    lastActionAt: lastActionAt.toISOString(),
    idleBusinessHours: roundHours(idleMs),
    idleCalendarHours: roundHours(now.getTime() - lastActionAt.getTime()),
    reasons,
    overdueSince: overdue.length === 0 ? null : overdue[0]!.due.toISOString(),
  };
}

function overdueTargets(row: Row, now: Date): { reason: StuckReason; due: Date }[] {
  const targets: [StuckReason, unknown][] = [
    ['first_response_overdue', row.first_response_due_at],
    ['next_response_overdue', row.next_response_due_at],
    ['resolution_overdue', row.resolution_due_at],
  ];
  return targets
    .map(([reason, value]) => ({ reason, due: asDate(value) }))
    .filter((t): t is { reason: StuckReason; due: Date } => t.due !== null && t.due <= now)
    .sort((a, b) => a.due.getTime() - b.due.getTime());
}

export interface KnowledgeGapExample {
  ticketId: number;
  subject: string;
  /** The best KB article found and its score, when one was found below the threshold. */
  nearestArticle: { id: number; title: string; score: number } | null;
}

export interface KnowledgeGap {
  /** Queue name and the first tag, or else a subject word several of these tickets share. */
  topic: string;
  queue: { id: number; name: string } | null;
  tag: string | null;
  subjectWord: string | null;
  /** The words these tickets share most, to name the missing KB article. */
  commonWords: string[];
  ticketCount: number;
  examples: KnowledgeGapExample[];
}

export interface KnowledgeGapReport {
  from: string;
  to: string;
  minimumScore: number;
  minimumSubjectCoverage: number;
  ticketsChecked: number;
  ticketsUnanswered: number;
  /** Set when the KB search could not answer: the gaps are then unknown, not zero. */
  notice?: string;
  gaps: KnowledgeGap[];
}

const examplesPerGap = 3;
const commonWordsPerGap = 5;
const searchConcurrency = 6;

/**
 * Finds the tickets created in `[from, to)` whose subject and first message get no published KB
 * article at `minimumScore` or above, grouped by topic (queue and tag, or a shared subject
 * word), largest group first.
 */
export async function findKnowledgeGaps(options: {
  em: EntityManager;
  meili: Meili;
  from: Date;
  to: Date;
  filters?: TriageFilters;
  minimumScore?: number;
  kbIndexUid?: string;
  log?: Logger;
}): Promise<KnowledgeGapReport> {
  const minimumScore = options.minimumScore ?? defaultKbAnswerScore;
  const tickets = await loadTicketTexts(options.em, options.from, options.to, options.filters);

  const answers = await mapLimited(tickets, searchConcurrency, (ticket) =>
    findKbAnswer({
      meili: options.meili,
      ticket: { subject: ticket.subject, tags: ticket.tags, body: ticket.body },
      indexUid: options.kbIndexUid,
      log: options.log,
    }),
  );
  const notice = answers.find((answer) => answer.notice !== undefined)?.notice;
  const unanswered = tickets
    .map((ticket, place) => ({ ticket, answer: answers[place]! }))
    .filter(({ ticket, answer }) => !isAnswered(ticket, answer, minimumScore));

  return {
    from: options.from.toISOString(),
    to: options.to.toISOString(),
    minimumScore,
    minimumSubjectCoverage,
    ticketsChecked: tickets.length,
    ticketsUnanswered: notice === undefined ? unanswered.length : 0,
    ...(notice === undefined ? {} : { notice }),
    gaps: notice === undefined ? groupGaps(unanswered) : [],
  };
}

interface TicketText {
  id: number;
  subject: string;
  tags: string[];
  body: string;
  queue: { id: number; name: string } | null;
}

async function loadTicketTexts(
  em: EntityManager,
  from: Date,
  to: Date,
  filters: TriageFilters = {},
): Promise<TicketText[]> {
  const rows: Row[] = await em.execute(
    `select t.id, t.subject, t.tags, t.queue_id, q.name as queue_name,
            (select m.text from message m
              where m.ticket_id = t.id and m.kind = 'inbound'
              order by m.created_at, m.id limit 1) as body
       from ticket t left join queue q on q.id = t.queue_id
      where t.created_at >= ? and t.created_at < ?
        and (?::int is null or t.team_id = ?)
        and (?::int is null or t.queue_id = ?)
        and (?::int is null or t.assignee_id = ?)
      order by t.id`,
    [
      from,
      to,
      filters.teamId ?? null,
      filters.teamId ?? null,
      filters.queueId ?? null,
      filters.queueId ?? null,
      filters.agentId ?? null,
      filters.agentId ?? null,
    ],
  );
  return rows.map((row) => ({
    id: Number(row.id),
    subject: String(row.subject),
    tags: (row.tags as string[] | null) ?? [],
    body: String(row.body ?? ''),
    queue: refOf(row.queue_id, row.queue_name),
  }));
}

function isAnswered(ticket: TicketText, answer: KbAnswer, minimumScore: number): boolean {
  if (answer.best === null || answer.best.score < minimumScore) return false;
  const known = new Set(answer.query.split(' '));
  const subjectWords = ticketQueryWords({ subject: ticket.subject, tags: [], body: '' });
  if (subjectWords.length === 0) return true;
  const covered = subjectWords.filter((word) => known.has(word)).length;
  return covered / subjectWords.length >= minimumSubjectCoverage;
}

type KbAnswer = Awaited<ReturnType<typeof findKbAnswer>>;

type Unanswered = { ticket: TicketText; answer: KbAnswer };

// A topic is the queue and the ticket's first tag; an untagged ticket takes the subject word it
// shares with the most other untagged gaps of its queue ("printer" for three printer tickets), so
// a queue without tags still splits into topics a KB article could be written for.
function groupGaps(unanswered: Unanswered[]): KnowledgeGap[] {
  const sharedWords = subjectWordCounts(unanswered.filter((e) => e.ticket.tags.length === 0));
  const groups = new Map<string, { label: Label; entries: Unanswered[] }>();
  for (const entry of unanswered) {
    const label = labelOf(entry.ticket, sharedWords);
    const key = `${entry.ticket.queue?.id ?? '-'}|${label.tag ?? ''}|${label.subjectWord ?? ''}`;
    const group = groups.get(key) ?? { label, entries: [] };
    group.entries.push(entry);
    groups.set(key, group);
  }

  return [...groups.values()]
    .map(({ label, entries }) => toGap(label, entries))
    .sort((a, b) => b.ticketCount - a.ticketCount || a.topic.localeCompare(b.topic));
}

interface Label {
  tag: string | null;
  subjectWord: string | null;
}

/** How many untagged gap tickets of each queue have each subject word (once per ticket). */
function subjectWordCounts(entries: Unanswered[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { ticket } of entries) {
    for (const word of new Set(subjectWords(ticket))) {
      const key = `${ticket.queue?.id ?? '-'}|${word}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

function labelOf(ticket: TicketText, sharedWords: Map<string, number>): Label {
  const tag = ticket.tags[0];
  if (tag !== undefined) return { tag, subjectWord: null };
  const shared = subjectWords(ticket)
    .map((word) => ({ word, count: sharedWords.get(`${ticket.queue?.id ?? '-'}|${word}`) ?? 0 }))
    .filter((w) => w.count >= 2)
    .sort(
      (a, b) => b.count - a.count || b.word.length - a.word.length || a.word.localeCompare(b.word),
    );
  return { tag: null, subjectWord: shared[0]?.word ?? null };
}

function subjectWords(ticket: TicketText): string[] {
  return ticketQueryWords({ subject: ticket.subject, tags: [], body: '' }).filter(isWordish);
}

// Order numbers, dates and ids never name a topic.
function isWordish(word: string): boolean {
  return !/\p{N}/u.test(word);
}

function toGap(label: Label, entries: Unanswered[]): KnowledgeGap {
  const first = entries[0]!.ticket;
  const queueName = first.queue?.name ?? 'No queue';
  const name = label.tag ?? label.subjectWord;
  return {
    topic: name === null ? queueName : `${queueName} · ${name}`,
    queue: first.queue,
    tag: label.tag,
    subjectWord: label.subjectWord,
    commonWords: commonWords(entries.map((e) => e.ticket)),
    ticketCount: entries.length,
    examples: entries.slice(0, examplesPerGap).map(({ ticket, answer }) => ({
      ticketId: ticket.id,
      subject: ticket.subject,
      nearestArticle: answer.best,
    })),
  };
}

// Words counted once per ticket, so one long message cannot name the topic alone.
function commonWords(tickets: TicketText[]): string[] {
  const counts = new Map<string, number>();
  for (const ticket of tickets) {
    for (const word of new Set(ticketQueryWords({ ...ticket, tags: [] }).filter(isWordish))) {
      counts.set(word, (counts.get(word) ?? 0) + 1);
    }
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, commonWordsPerGap)
    .map(([word]) => word);
}

async function mapLimited<T, R>(
  items: T[],
  limit: number,
  run: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const place = next++;
      results[place] = await run(items[place]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

function refOf(id: unknown, name: unknown): { id: number; name: string } | null {
  return id === null || id === undefined ? null : { id: Number(id), name: String(name ?? '') };
}

function asDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(String(value));
}

function roundHours(ms: number): number {
  return Math.round((ms / hourMs) * 10) / 10;
}
