// An agent's in-app notifications: mentions, handoffs, assignments, SLA warnings and escalations,
// newest first, with the unread count for the bell. Rows are written by the ticket workflow's
// activities (notifyAgent, notifyAgents); this file reads them and marks them read, always for
// the signed-in agent only. Tests: tests/api/collab-mentions.test.ts.
import type { NotificationList, NotificationView } from '../../api/contract.ts';
import type { EntityManager } from '../orm.ts';

type Row = Record<string, unknown>;

/** The agent's newest notifications (up to `limit`) and how many of all of them are unread. */
export async function listNotifications(
  em: EntityManager,
  options: { agentId: number; limit: number; unreadOnly: boolean },
): Promise<NotificationList> {
  const rows: Row[] = await em.execute(
    `select n.id, n.kind, n.ticket_id, t.subject, n.text, n.excerpt, n.by_agent_id,
            a.name as by_agent_name, n.created_at, n.read_at
       from notification n
       left join ticket t on t.id = n.ticket_id
       left join agent a on a.id = n.by_agent_id
      where n.agent_id = ? ${options.unreadOnly ? 'and n.read_at is null' : ''}
      order by n.created_at desc, n.id desc
      limit ?`,
    [options.agentId, options.limit],
  );
  return { items: rows.map(toView), unreadCount: await unreadCount(em, options.agentId) };
}

/** How many of the agent's notifications are unread. */
export async function unreadCount(em: EntityManager, agentId: number): Promise<number> {
  const rows: Row[] = await em.execute(
    'select count(*) as n from notification where agent_id = ? and read_at is null',
    [agentId],
  );
  return Number(rows[0]!.n);
}

/** Marks one of the agent's notifications read (once); false when it is not theirs or unknown. */
export async function markNotificationRead(
  em: EntityManager,
  options: { agentId: number; id: number },
): Promise<boolean> {
  const rows: Row[] = await em.execute(
    `update notification set read_at = coalesce(read_at, now())
      where id = ? and agent_id = ? returning id`,
    [options.id, options.agentId],
  );
  return rows.length > 0;
}

/** Marks every unread notification of the agent read; answers how many changed. */
export async function markAllNotificationsRead(
  em: EntityManager,
  agentId: number,
): Promise<number> {
  const rows: Row[] = await em.execute(
    'update notification set read_at = now() where agent_id = ? and read_at is null returning id',
    [agentId],
  );
  return rows.length;
}

function toView(r: Row): NotificationView {
  return {
    id: Number(r.id),
    kind: String(r.kind),
    ticket: { id: Number(r.ticket_id), subject: (r.subject as string | null) ?? null },
    text: String(r.text),
    excerpt: (r.excerpt as string | null) ?? null,
    byAgent:
      r.by_agent_id === null ? null : { id: Number(r.by_agent_id), name: String(r.by_agent_name) },
    createdAt: new Date(r.created_at as string).toISOString(),
    readAt: r.read_at === null ? null : new Date(r.read_at as string).toISOString(),
  };
}
