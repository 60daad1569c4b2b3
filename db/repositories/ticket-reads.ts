// Read-side queries over the ticket read model for queues and the ticket page. They only
// read what the workflow's projections wrote; no lifecycle decision is made here.
import type {
  AgentView,
  AttachmentView,
  MessageView,
  QueueView,
  TicketDetail,
  TicketList,
  TicketSummary,
  TimelineEntryView,
} from '../../api/contract.ts';
import type { EntityManager } from '../orm.ts';
import type { Channel, TicketStatus } from '../../workflows/ticket/vocabulary.ts';

export interface TicketListQuery {
  status?: TicketStatus[];
  queueId?: number;
  assigneeId?: number | 'unassigned';
  /** Tickets carrying this (normalised) tag. */
  tag?: string;
  channel?: Channel[];
  sort: 'sla_due' | 'updated' | 'created';
  page: number;
  pageSize: number;
}

type Row = Record<string, unknown>;

/** The columns of a TicketSummary row; shared with the inbox views (inbox-reads.ts). */
export const summaryColumns = `
  t.id, t.subject, t.status, t.priority, t.channel, t.queue_id, q.name as queue_name,
  t.team_id, tm.name as team_name, t.assignee_id, a.name as assignee_name,
  t.requester_id, r.name as requester_name, r.email as requester_email,
  t.first_response_due_at, t.first_responded_at, t.breached, t.escalation_level,
  t.created_at, t.updated_at, t.last_activity_at, t.version, t.tags`;

export const summaryJoins = `
  from ticket t
  left join queue q on q.id = t.queue_id
  left join team tm on tm.id = t.team_id
  left join agent a on a.id = t.assignee_id
  join requester r on r.id = t.requester_id`;

const orderings: Record<TicketListQuery['sort'], string> = {
  sla_due: 't.first_responded_at is not null, t.first_response_due_at asc nulls last, t.id asc',
  updated: 't.updated_at desc, t.id desc',
  created: 't.created_at desc, t.id desc',
};

/** Lists tickets for a queue view: filtered, sorted and paginated, with the total count. */
export async function listTickets(em: EntityManager, query: TicketListQuery): Promise<TicketList> {
  const { where, params } = listFilter(query);
  const offset = (query.page - 1) * query.pageSize;
  const rows: Row[] = await em.execute(
    `select ${summaryColumns} ${summaryJoins} ${where}
      order by ${orderings[query.sort]} limit ? offset ?`,
    [...params, query.pageSize, offset],
  );
  const counted: Row[] = await em.execute(
    `select count(*) as total from ticket t ${where}`,
    params,
  );
  return {
    items: rows.map(toSummary),
    total: Number(counted[0]!.total),
    page: query.page,
    pageSize: query.pageSize,
  };
}

function listFilter(query: TicketListQuery): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (query.status !== undefined && query.status.length > 0) {
    clauses.push(`t.status in (${query.status.map(() => '?').join(', ')})`);
    params.push(...query.status);
  }
  if (query.queueId !== undefined) {
    clauses.push('t.queue_id = ?');
    params.push(query.queueId);
  }
  if (query.assigneeId === 'unassigned') clauses.push('t.assignee_id is null');
  else if (query.assigneeId !== undefined) {
    clauses.push('t.assignee_id = ?');
    params.push(query.assigneeId);
  }
  if (query.tag !== undefined) {
    clauses.push('t.tags @> ?::jsonb');
    params.push(JSON.stringify([query.tag]));
  }
  if (query.channel !== undefined && query.channel.length > 0) {
    clauses.push(`t.channel in (${query.channel.map(() => '?').join(', ')})`);
    params.push(...query.channel);
  }
  return { where: clauses.length === 0 ? '' : `where ${clauses.join(' and ')}`, params };
}

/** Loads one ticket with its whole conversation (notes included) and timeline; null if unknown. */
export async function findTicketDetail(
  em: EntityManager,
  ticketId: number,
): Promise<TicketDetail | null> {
  const rows: Row[] = await em.execute(`select ${summaryColumns} ${summaryJoins} where t.id = ?`, [
    ticketId,
  ]);
  if (rows[0] === undefined) return null;

  const ticket = toSummary(rows[0]);
  const requesterName = ticket.requester.name ?? ticket.requester.email ?? 'Requester';
  const [messages, timeline] = await Promise.all([
    loadMessages(em, ticketId),
    loadTimeline(em, ticketId, requesterName),
  ]);
  return { ticket, messages, timeline };
}

/** Loads one ticket's summary row; null if the workflow has not projected it yet. */
export async function findTicketSummary(
  em: EntityManager,
  ticketId: number,
): Promise<TicketSummary | null> {
  const rows: Row[] = await em.execute(`select ${summaryColumns} ${summaryJoins} where t.id = ?`, [
    ticketId,
  ]);
  return rows[0] === undefined ? null : toSummary(rows[0]);
}

/** One ticket's messages (notes included) in the order they were written, with attachments. */
export async function loadMessages(em: EntityManager, ticketId: number): Promise<MessageView[]> {
  const rows: Row[] = await em.execute(
    `select m.id, m.kind, m.channel, m.author_kind, m.subject, m.text, m.html, m.created_at,
            m.agent_id, a.name as agent_name, m.requester_id, r.name as requester_name,
            r.email as requester_email
       from message m
       left join agent a on a.id = m.agent_id
       left join requester r on r.id = m.requester_id
      where m.ticket_id = ?
      order by m.created_at, m.id`,
    [ticketId],
  );
  const attachments = await loadAttachments(
    em,
    rows.map((r) => Number(r.id)),
  );
  return rows.map((r) => ({
    id: Number(r.id),
    kind: r.kind as MessageView['kind'],
    channel: r.channel as MessageView['channel'],
    author: authorOf(r),
    subject: (r.subject as string | null) ?? null,
    text: String(r.text),
    html: (r.html as string | null) ?? null,
    createdAt: iso(r.created_at)!,
    attachments: attachments.get(Number(r.id)) ?? [],
  }));
}

function authorOf(r: Row): MessageView['author'] {
  if (r.author_kind === 'agent') {
    return { kind: 'agent', id: Number(r.agent_id), name: (r.agent_name as string) ?? null };
  }
  if (r.author_kind === 'requester') {
    const name = (r.requester_name as string | null) ?? (r.requester_email as string | null);
    return { kind: 'requester', id: Number(r.requester_id), name };
  }
  return { kind: 'system', id: null, name: 'Casework' };
}

async function loadAttachments(
  em: EntityManager,
  messageIds: number[],
): Promise<Map<number, AttachmentView[]>> {
  const byMessage = new Map<number, AttachmentView[]>();
  if (messageIds.length === 0) return byMessage;
  const rows: Row[] = await em.execute(
    `select id, message_id, filename, content_type, size, inline from attachment
      where message_id in (${messageIds.map(() => '?').join(', ')}) order by id`,
    messageIds,
  );
  for (const r of rows) {
    const list = byMessage.get(Number(r.message_id)) ?? [];
    list.push({
      id: Number(r.id),
      filename: String(r.filename),
      contentType: String(r.content_type),
      size: Number(r.size),
      inline: Boolean(r.inline),
      url: `/api/attachments/${r.id}`,
    });
    byMessage.set(Number(r.message_id), list);
  }
  return byMessage;
}

async function loadTimeline(
  em: EntityManager,
  ticketId: number,
  requesterName: string,
): Promise<TimelineEntryView[]> {
  const rows: Row[] = await em.execute(
    'select seq, kind, at, actor, detail from ticket_event where ticket_id = ? order by seq',
    [ticketId],
  );
  const agentNames = await loadAgentNames(em);
  return rows.map((r) => {
    const detail = withAgentNames(r.detail as Record<string, unknown>, agentNames);
    return {
      seq: Number(r.seq),
      kind: r.kind as TimelineEntryView['kind'],
      at: iso(r.at)!,
      actor: actorLabel((r.actor as string | null) ?? null, agentNames, requesterName),
      detail,
    };
  });
}

// Each `…AgentId` in an entry's detail gets its name beside it (`agentId` → `agent`,
// `toAgentId` → `toAgent`), so the workspace words handoffs and escalations without a look-up.
function withAgentNames(
  recorded: Record<string, unknown>,
  agentNames: Map<number, string>,
): Record<string, unknown> {
  const detail = { ...recorded };
  for (const [key, value] of Object.entries(recorded)) {
    const named = /^(\w*?)[aA]gentId$/.exec(key);
    if (named === null || typeof value !== 'number') continue;
    const prefix = named[1]!;
    detail[prefix === '' ? 'agent' : `${prefix}Agent`] = agentNames.get(value) ?? null;
  }
  return detail;
}

async function loadAgentNames(em: EntityManager): Promise<Map<number, string>> {
  const rows: Row[] = await em.execute('select id, name from agent');
  return new Map(rows.map((r) => [Number(r.id), String(r.name)]));
}

// Timeline actors are recorded as stable keys (`agent:3`, `policy`, `timer`); people read names.
function actorLabel(
  actor: string | null,
  agentNames: Map<number, string>,
  requesterName: string,
): string | null {
  if (actor === null) return null;
  const agent = /^agent:(\d+)$/.exec(actor);
  if (agent !== null) return agentNames.get(Number(agent[1])) ?? `agent ${agent[1]}`;
  const labels: Record<string, string> = {
    policy: 'Casework (policy)',
    timer: 'Casework (timer)',
    requester: requesterName,
    automated: 'Automated mail',
  };
  return labels[actor] ?? actor;
}

/** Every queue with its team, for filters and routing views. */
export async function listQueues(em: EntityManager): Promise<QueueView[]> {
  const rows: Row[] = await em.execute(
    `select q.id, q.name, q.skill, t.id as team_id, t.name as team_name
       from queue q join team t on t.id = q.team_id order by q.name`,
  );
  return rows.map((r) => ({
    id: Number(r.id),
    name: String(r.name),
    skill: String(r.skill),
    team: { id: Number(r.team_id), name: String(r.team_name) },
  }));
}

/** Every agent with team, skills and availability. */
export async function listAgents(em: EntityManager): Promise<AgentView[]> {
  const rows: Row[] = await em.execute(
    'select id, name, email, team_id, skills, available, status from agent order by name',
  );
  return rows.map((r) => ({
    id: Number(r.id),
    name: String(r.name),
    email: String(r.email),
    teamId: r.team_id === null ? null : Number(r.team_id),
    skills: r.skills as string[],
    available: Boolean(r.available),
    status: r.status as AgentView['status'],
  }));
}

/** Maps one row of `summaryColumns` to the API's TicketSummary. */
export function toSummary(r: Row): TicketSummary {
  return {
    id: Number(r.id),
    number: Number(r.id),
    subject: String(r.subject),
    status: r.status as TicketSummary['status'],
    priority: r.priority as TicketSummary['priority'],
    channel: r.channel as TicketSummary['channel'],
    queue: r.queue_id === null ? null : { id: Number(r.queue_id), name: String(r.queue_name) },
    team: r.team_id === null ? null : { id: Number(r.team_id), name: String(r.team_name) },
    assignee:
      r.assignee_id === null ? null : { id: Number(r.assignee_id), name: String(r.assignee_name) },
    requester: {
      id: Number(r.requester_id),
      name: (r.requester_name as string | null) ?? null,
      email: (r.requester_email as string | null) ?? null,
    },
    firstResponseDueAt: iso(r.first_response_due_at),
    firstRespondedAt: iso(r.first_responded_at),
    breached: Boolean(r.breached),
    escalationLevel: Number(r.escalation_level),
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
    lastActivityAt: iso(r.last_activity_at)!,
    tags: (r.tags as string[] | null) ?? [],
    version: Number(r.version),
  };
}

function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return new Date(value as string | Date).toISOString();
}
