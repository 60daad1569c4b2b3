// Who else is on a ticket: each open ticket page sends a heartbeat every few seconds saying
// whether its agent is viewing, typing a reply or typing an internal note. The heartbeat
// upserts a row in the UNLOGGED `ticket_presence` table and notifies `ticket_presence` in
// the same statement, so every server process (through its LISTEN in
// api/ticket-change-feed.ts) pushes it to its open pages at once. An entry without a
// heartbeat for `presenceTtlMs` is gone. Presence is for signed-in agents only: no channel
// adapter reads it, so a customer never sees that an agent is typing.
// Tests: tests/api/presence-api.test.ts.
import { Router } from 'express';
import { z } from 'zod';
import type { EntityManager, Orm } from '../../db/orm.ts';
import type { PresenceView } from '../contract.ts';
import { ProblemError } from '../errors.ts';
import { parse, pathId } from '../request-input.ts';

export const presenceChannel = 'ticket_presence';

/** How long one heartbeat keeps an agent shown on a ticket. */
export const presenceTtlMs = 12_000;

const ticketParams = z.object({ id: pathId });
const heartbeatBody = z.object({ state: z.enum(['viewing', 'typing-reply', 'typing-note']) });

/** POST and DELETE /tickets/:id/presence, and GET /presence (everyone on any ticket now). */
export function presenceRoutes(deps: { orm: Orm }): Router {
  const router = Router();

  router.post('/tickets/:id/presence', async (req, res) => {
    const { id } = parse(ticketParams, req.params, 'path');
    const { state } = parse(heartbeatBody, req.body);

    const isStored = await recordHeartbeat(deps.orm.em.fork(), {
      ticketId: id,
      agentId: req.agent!.id,
      state,
    });
    if (!isStored) throw ProblemError.notFound(`ticket ${id}`);
    res.status(204).end();
  });

  router.delete('/tickets/:id/presence', async (req, res) => {
    const { id } = parse(ticketParams, req.params, 'path');
    await recordLeaving(deps.orm.em.fork(), { ticketId: id, agentId: req.agent!.id });
    res.status(204).end();
  });

  router.get('/presence', async (_req, res) => {
    res.json(await listPresence(deps.orm.em.fork()));
  });

  return router;
}

// One statement: the upsert and the notification commit together, so a listener never
// hears of presence that was not stored. Answers false when the ticket does not exist.
async function recordHeartbeat(
  em: EntityManager,
  beat: { ticketId: number; agentId: number; state: string },
): Promise<boolean> {
  const rows: unknown[] = await em.execute(
    `with stored as (
       insert into ticket_presence (ticket_id, agent_id, state, seen_at)
       select t.id, ?, ?, now() from ticket t where t.id = ?
       on conflict (ticket_id, agent_id) do update set state = excluded.state, seen_at = now()
       returning ticket_id, agent_id, state)
     select pg_notify(?, json_build_object(
              'ticketId', s.ticket_id, 'agent', json_build_object('id', a.id, 'name', a.name),
              'state', s.state, 'expiresInMs', ?::integer)::text)
       from stored s join agent a on a.id = s.agent_id`,
    [beat.agentId, beat.state, beat.ticketId, presenceChannel, presenceTtlMs],
  );
  return rows.length > 0;
}

async function recordLeaving(
  em: EntityManager,
  leaving: { ticketId: number; agentId: number },
): Promise<void> {
  await em.execute(
    `with gone as (
       delete from ticket_presence where ticket_id = ? and agent_id = ?
       returning ticket_id, agent_id)
     select pg_notify(?, json_build_object(
              'ticketId', g.ticket_id, 'agent', json_build_object('id', a.id, 'name', a.name),
              'state', 'gone', 'expiresInMs', 0)::text)
       from gone g join agent a on a.id = g.agent_id`,
    [leaving.ticketId, leaving.agentId, presenceChannel],
  );
}

/** Everyone on any ticket within the last `presenceTtlMs`, by ticket; sweeps dead rows. */
async function listPresence(em: EntityManager): Promise<PresenceView[]> {
  await em.execute(`delete from ticket_presence where seen_at < now() - interval '1 minute'`);
  const rows: Record<string, unknown>[] = await em.execute(
    `select p.ticket_id, p.state, a.id as agent_id, a.name,
            greatest(0, ?::integer - (extract(epoch from now() - p.seen_at) * 1000)::integer)
              as expires_in_ms
       from ticket_presence p join agent a on a.id = p.agent_id
      where p.seen_at > now() - ?::integer * interval '1 millisecond'
      order by p.ticket_id, a.name`,
    [presenceTtlMs, presenceTtlMs],
  );
  return rows.map((row) => ({
    ticketId: Number(row.ticket_id),
    agent: { id: Number(row.agent_id), name: String(row.name) },
    state: row.state as PresenceView['state'],
    expiresInMs: Number(row.expires_in_ms),
  }));
}
