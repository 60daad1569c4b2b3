// Reads for agents working together on a ticket: who an @handle reaches, which queue a team's
// tickets go to, the latest handoff, custom field values, and the tickets merged into or split
// from a ticket. Read-only over the read model (ticket, ticket_event) and the workgroup tables;
// every change to a ticket goes through its workflow. Tests: tests/api/collab-*.test.ts.
import type {
  AgentRef,
  CustomFieldValueView,
  HandoffView,
  MentionHandle,
  MessageView,
  TicketCollabView,
  TicketDetail,
  TicketRef,
} from '../../api/contract.ts';
import { teamSlug, type TeamTarget } from '../../workflows/ticket/collab-actions.ts';
import type { EntityManager } from '../orm.ts';
import { loadCustomFieldDefinitions } from './custom-fields.ts';
import { loadMessages } from './ticket-reads.ts';

type Row = Record<string, unknown>;

/** The team with the queue its tickets go to (its first queue); null when either is missing. */
export async function findTeamTarget(
  em: EntityManager,
  teamId: number,
): Promise<TeamTarget | null> {
  const rows: Row[] = await em.execute(
    `select t.id, t.name, q.key from team t join queue q on q.team_id = t.id
      where t.id = ? order by q.id limit 1`,
    [teamId],
  );
  const row = rows[0];
  return row === undefined
    ? null
    : { id: Number(row.id), name: String(row.name), queueKey: String(row.key) };
}

/** True when an agent with this id exists. */
export async function agentExists(em: EntityManager, agentId: number): Promise<boolean> {
  const rows: Row[] = await em.execute('select 1 from agent where id = ?', [agentId]);
  return rows.length > 0;
}

/**
 * Resolves @handles: an agent's handle is the local part of their email, a team's its slug
 * (teamSlug); a team reaches its members. Unknown handles are dropped (left as text in the note).
 */
export async function resolveMentions(
  em: EntityManager,
  handles: string[],
): Promise<{ handles: string[]; agentIds: number[] }> {
  if (handles.length === 0) return { handles: [], agentIds: [] };
  const agents: Row[] = await em.execute(
    'select id, lower(split_part(email, ?, 1)) as handle, team_id from agent',
    ['@'],
  );
  const teams: Row[] = await em.execute('select id, name from team');

  const matched = new Set<string>();
  const agentIds = new Set<number>();
  for (const agent of agents) {
    if (!handles.includes(String(agent.handle))) continue;
    matched.add(String(agent.handle));
    agentIds.add(Number(agent.id));
  }
  for (const team of teams) {
    const slug = teamSlug(String(team.name));
    if (!handles.includes(slug)) continue;
    matched.add(slug);
    for (const member of agents.filter((a) => Number(a.team_id) === Number(team.id))) {
      agentIds.add(Number(member.id));
    }
  }
  return { handles: handles.filter((h) => matched.has(h)), agentIds: [...agentIds] };
}

/** Every @handle a note may use: each agent's and each team's, for the composer's suggestions. */
export async function listMentionHandles(em: EntityManager): Promise<MentionHandle[]> {
  const agents: Row[] = await em.execute(
    'select id, name, lower(split_part(email, ?, 1)) as handle from agent order by name',
    ['@'],
  );
  const teams: Row[] = await em.execute('select id, name from team order by name');
  return [
    ...agents.map((a) => ({
      kind: 'agent' as const,
      id: Number(a.id),
      name: String(a.name),
      handle: String(a.handle),
    })),
    ...teams.map((t) => ({
      kind: 'team' as const,
      id: Number(t.id),
      name: String(t.name),
      handle: teamSlug(String(t.name)),
    })),
  ];
}

/** The facts a merge or split is checked against: requester, status, merge target; null if unknown. */
export async function findTicketFacts(
  em: EntityManager,
  ticketId: number,
): Promise<{
  id: number;
  subject: string;
  status: string;
  requesterId: number;
  mergedIntoTicketId: number | null;
} | null> {
  const rows: Row[] = await em.execute(
    'select id, subject, status, requester_id, merged_into_ticket_id from ticket where id = ?',
    [ticketId],
  );
  const row = rows[0];
  if (row === undefined) return null;
  return {
    id: Number(row.id),
    subject: String(row.subject),
    status: String(row.status),
    requesterId: Number(row.requester_id),
    mergedIntoTicketId:
      row.merged_into_ticket_id === null ? null : Number(row.merged_into_ticket_id),
  };
}

/** The ticket a merged ticket lives on in, following merges of merges; the ticket itself if none. */
export async function mergeTargetOf(em: EntityManager, ticketId: number): Promise<number> {
  const rows: Row[] = await em.execute(
    `with recursive chain(id, depth) as (
       select ?::bigint, 0
       union all
       select t.merged_into_ticket_id, c.depth + 1 from ticket t join chain c on t.id = c.id
        where t.merged_into_ticket_id is not null and c.depth < 20
     )
     select id from chain order by depth desc limit 1`,
    [ticketId],
  );
  return Number(rows[0]?.id ?? ticketId);
}

/** Every ticket merged into this one, directly or through merges of merges. */
export async function ticketsMergedInto(em: EntityManager, ticketId: number): Promise<number[]> {
  const rows: Row[] = await em.execute(
    `with recursive merged(id, depth) as (
       select id, 1 from ticket where merged_into_ticket_id = ?
       union all
       select t.id, m.depth + 1 from ticket t join merged m on t.merged_into_ticket_id = m.id
        where m.depth < 20
     )
     select id from merged order by id`,
    [ticketId],
  );
  return rows.map((row) => Number(row.id));
}

/**
 * Adds the collaboration facts to a ticket's detail, and the messages of tickets merged into it
 * (merging links, it does not move: each message stays on the ticket it arrived on, marked with
 * `fromTicketId` here), in the order they were written.
 */
export async function withCollab(em: EntityManager, detail: TicketDetail): Promise<TicketDetail> {
  const ticketId = detail.ticket.id;
  const [collab, sources] = await Promise.all([
    loadTicketCollab(em, ticketId),
    ticketsMergedInto(em, ticketId),
  ]);
  const merged = await Promise.all(
    sources.map(async (fromTicketId) =>
      (await loadMessages(em, fromTicketId)).map((m): MessageView => ({ ...m, fromTicketId })),
    ),
  );
  const messages = [...detail.messages, ...merged.flat()].sort(
    (a, b) => a.createdAt.localeCompare(b.createdAt) || a.id - b.id,
  );
  if (collab === null) return { ...detail, messages };
  return { ...detail, messages, collab, handoff: collab.handoff };
}

/** The ticket page's collaboration facts: tags, latest handoff, custom fields, merges and splits. */
export async function loadTicketCollab(
  em: EntityManager,
  ticketId: number,
): Promise<TicketCollabView | null> {
  const rows: Row[] = await em.execute(
    'select tags, custom_fields, team_id, merged_into_ticket_id from ticket where id = ?',
    [ticketId],
  );
  const row = rows[0];
  if (row === undefined) return null;

  const teamId = row.team_id === null ? null : Number(row.team_id);
  const [handoff, customFields, related] = await Promise.all([
    latestHandoff(em, ticketId),
    customFieldValues(em, teamId, (row.custom_fields ?? {}) as Record<string, unknown>),
    relatedTickets(em, ticketId),
  ]);
  const mergedIntoId =
    row.merged_into_ticket_id === null ? null : Number(row.merged_into_ticket_id);
  return {
    tags: (row.tags ?? []) as string[],
    handoff,
    customFields,
    mergedInto: mergedIntoId === null ? null : (related.get(mergedIntoId) ?? null),
    ...(await mergeAndSplitRefs(em, ticketId, related)),
  };
}

async function latestHandoff(em: EntityManager, ticketId: number): Promise<HandoffView | null> {
  const rows: Row[] = await em.execute(
    `select e.seq, e.at, e.actor, e.detail from ticket_event e
      where e.ticket_id = ? and e.kind = 'handed_off' order by e.seq desc limit 1`,
    [ticketId],
  );
  const row = rows[0];
  if (row === undefined) return null;

  const detail = row.detail as Record<string, unknown>;
  const ids = [detail.fromAgentId, detail.toAgentId, byAgentOf(row.actor)].filter(isId);
  const names = await agentNames(em, ids);
  const ref = (id: unknown): AgentRef | null =>
    isId(id) ? { id, name: names.get(id) ?? `agent ${id}` } : null;
  return {
    seq: Number(row.seq),
    at: new Date(row.at as string).toISOString(),
    note: String(detail.note ?? ''),
    byAgent: ref(byAgentOf(row.actor)),
    fromAgent: ref(detail.fromAgentId),
    toAgent: ref(detail.toAgentId),
    toTeam: isId(detail.toTeamId) ? { id: detail.toTeamId, name: String(detail.toTeamName) } : null,
  };
}

async function customFieldValues(
  em: EntityManager,
  teamId: number | null,
  values: Record<string, unknown>,
): Promise<CustomFieldValueView[]> {
  if (teamId === null) return [];
  const definitions = await loadCustomFieldDefinitions(em, teamId);
  return definitions.map((definition) => ({
    ...definition,
    value: (values[definition.key] as string | number | undefined) ?? null,
  }));
}

// Tickets this one points at or is pointed at by, through merges and splits, with subjects.
async function relatedTickets(
  em: EntityManager,
  ticketId: number,
): Promise<Map<number, TicketRef>> {
  const rows: Row[] = await em.execute(
    `select t.id, t.subject from ticket t
      where t.merged_into_ticket_id = ?
         or t.id = (select merged_into_ticket_id from ticket where id = ?)
         or t.id in (select (detail->>'toTicketId')::bigint from ticket_event
                      where ticket_id = ? and kind = 'split_to')
         or t.id in (select (detail->>'fromTicketId')::bigint from ticket_event
                      where ticket_id = ? and kind = 'split_from')`,
    [ticketId, ticketId, ticketId, ticketId],
  );
  return new Map(rows.map((r) => [Number(r.id), { id: Number(r.id), subject: String(r.subject) }]));
}

async function mergeAndSplitRefs(
  em: EntityManager,
  ticketId: number,
  related: Map<number, TicketRef>,
): Promise<Pick<TicketCollabView, 'mergedFrom' | 'splitTo' | 'splitFrom'>> {
  const rows: Row[] = await em.execute(
    `select kind, detail from ticket_event
      where ticket_id = ? and kind in ('merged_from', 'split_to', 'split_from') order by seq`,
    [ticketId],
  );
  const refOf = (id: unknown, messageId?: unknown) => ({
    id: Number(id),
    subject: related.get(Number(id))?.subject ?? null,
    ...(messageId === undefined ? {} : { messageId: Number(messageId) }),
  });
  const of = (kind: string) => rows.filter((r) => r.kind === kind).map((r) => r.detail as Row);
  return {
    mergedFrom: of('merged_from').map((d) => refOf(d.fromTicketId)),
    splitTo: of('split_to').map((d) => refOf(d.toTicketId, d.messageId)),
    splitFrom: of('split_from').map((d) => refOf(d.fromTicketId, d.messageId))[0] ?? null,
  };
}

async function agentNames(em: EntityManager, ids: number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const rows: Row[] = await em.execute(
    `select id, name from agent where id in (${ids.map(() => '?').join(', ')})`,
    ids,
  );
  return new Map(rows.map((r) => [Number(r.id), String(r.name)]));
}

function byAgentOf(actor: unknown): number | null {
  const match = /^agent:(\d+)$/.exec(String(actor ?? ''));
  return match === null ? null : Number(match[1]);
}

function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}
