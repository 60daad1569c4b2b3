// Reads what an audit timeline is built from: the ticket row, its append-only `ticket_event`
// rows, the kinds of the messages they mention, and agent names. Read-only; the workflow's
// projections are the only writers of these tables. Used by the audit CLI and API route.
import type { EntityManager } from '../../db/orm.ts';
import type { AuditEventRow, AuditSource } from './timeline.ts';

type Row = Record<string, unknown>;

/** Loads one ticket's audit source; null when the read model has no such ticket. */
export async function loadAuditSource(
  em: EntityManager,
  ticketId: number,
): Promise<AuditSource | null> {
  const tickets: Row[] = await em.execute(
    `select t.id, t.subject, t.channel, t.status, t.priority, t.created_at,
            q.name as queue_name, coalesce(r.name, r.email) as requester_name
       from ticket t
       left join queue q on q.id = t.queue_id
       left join requester r on r.id = t.requester_id
      where t.id = ?`,
    [ticketId],
  );
  const ticket = tickets[0];
  if (ticket === undefined) return null;

  const [events, agentNames, messageKinds] = await Promise.all([
    loadEvents(em, ticketId),
    loadAgentNames(em),
    loadMessageKinds(em, ticketId),
  ]);
  return {
    ticket: {
      id: Number(ticket.id),
      subject: String(ticket.subject),
      channel: String(ticket.channel),
      status: String(ticket.status),
      priority: String(ticket.priority),
      queueName: (ticket.queue_name as string | null) ?? null,
      requesterName: (ticket.requester_name as string | null) ?? null,
      createdAt: new Date(ticket.created_at as string).toISOString(),
    },
    events,
    agentNames,
    messageKinds,
  };
}

async function loadEvents(em: EntityManager, ticketId: number): Promise<AuditEventRow[]> {
  const rows: Row[] = await em.execute(
    'select seq, kind, at, actor, detail from ticket_event where ticket_id = ? order by seq',
    [ticketId],
  );
  return rows.map((r) => ({
    seq: Number(r.seq),
    kind: String(r.kind),
    at: new Date(r.at as string).toISOString(),
    actor: (r.actor as string | null) ?? null,
    detail: (r.detail as Record<string, unknown>) ?? {},
  }));
}

/** Every agent's name by id, so departed agents in old events still resolve if their row stays. */
export async function loadAgentNames(em: EntityManager): Promise<Record<number, string>> {
  const rows: Row[] = await em.execute('select id, name from agent');
  return Object.fromEntries(rows.map((r) => [Number(r.id), String(r.name)]));
}

async function loadMessageKinds(
  em: EntityManager,
  ticketId: number,
): Promise<Record<number, string>> {
  const rows: Row[] = await em.execute('select id, kind from message where ticket_id = ?', [
    ticketId,
  ]);
  return Object.fromEntries(rows.map((r) => [Number(r.id), String(r.kind)]));
}
