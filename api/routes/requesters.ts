// Requesters for agents: GET /requesters/:id shows a requester's identities (email, phone,
// social ids), their tickets and the merges that made them; POST /requesters/:id/merge
// {intoRequesterId} merges this requester into another by hand — recorded with the agent,
// identities and tickets follow the survivor. Asking for a merged requester answers the
// survivor, with `mergedFrom` naming the id asked for. GET /requesters?q= finds up to ten
// requesters by email, name or identity prefix for the merge box. Tests: tests/channels/identity-*.test.ts.
import { Router } from 'express';
import { z } from 'zod';
import {
  mergeRequesters,
  RequesterMergeRefused,
  survivingRequesterId,
} from '../../channels/identity/requesters.ts';
import type { EntityManager, Orm } from '../../db/orm.ts';
import { Role } from '../auth/roles.ts';
import { ProblemError } from '../errors.ts';
import { requireRole } from '../middleware/authenticate.ts';
import { parse, pathId } from '../request-input.ts';

const idParams = z.object({ id: pathId });
const searchQuery = z.object({ q: z.string().trim().min(1).max(200) });
const mergeBody = z.object({
  intoRequesterId: z.number().int().positive(),
  reason: z.string().trim().min(1).max(500).optional(),
});

type Row = Record<string, unknown>;

/** Requester routes; mounted after sign-in. */
export function requesterRoutes(deps: { orm: Orm }): Router {
  const router = Router();

  // The sidebar's "Same person as…" box: requesters whose email, name or any identity
  // (email, phone, social id) starts with what the agent typed; merged-away ones are left out.
  router.get('/requesters', async (req, res) => {
    const { q } = parse(searchQuery, req.query, 'query');
    const prefix = `${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows: Row[] = await deps.orm.em.fork().execute(
      `select r.id, r.name, r.email from requester r
       where not exists (select 1 from requester_merge m where m.from_requester_id = r.id)
         and (lower(r.email) like ? or lower(r.name) like ?
           or exists (select 1 from requester_identity i
                      where i.requester_id = r.id and lower(i.address) like ?))
       order by r.id limit 10`,
      [prefix, prefix, prefix],
    );
    res.json({
      items: rows.map((row) => ({
        id: Number(row.id),
        name: (row.name as string | null) ?? null,
        email: (row.email as string | null) ?? null,
      })),
    });
  });

  router.get('/requesters/:id', async (req, res) => {
    const { id } = parse(idParams, req.params, 'path');
    const em = deps.orm.em.fork();
    const survivor = await survivingRequesterId(em, id);
    if (survivor === null) throw ProblemError.notFound(`requester ${id}`);
    res.json({
      ...(await requesterView(em, survivor)),
      ...(survivor === id ? {} : { mergedFrom: id }),
    });
  });

  router.post(
    '/requesters/:id/merge',
    requireRole(Role.Agent, Role.Lead, Role.Admin),
    async (req, res) => {
      const { id } = parse(idParams, req.params, 'path');
      const body = parse(mergeBody, req.body);
      try {
        await deps.orm.em.fork().transactional((em) =>
          mergeRequesters(em, {
            fromRequesterId: id,
            intoRequesterId: body.intoRequesterId,
            byAgentId: req.agent!.id,
            reason: body.reason ?? 'merged by hand',
          }),
        );
      } catch (error) {
        if (error instanceof RequesterMergeRefused) throw refusalOf(error);
        throw error;
      }
      req.log.info(
        { requesterId: id, intoRequesterId: body.intoRequesterId, agentId: req.agent!.id },
        'requesters merged',
      );
      res.json(await requesterView(deps.orm.em.fork(), body.intoRequesterId));
    },
  );

  return router;
}

async function requesterView(em: EntityManager, id: number) {
  const [requester] = (await em.execute(
    'select id, name, email, created_at from requester where id = ?',
    [id],
  )) as Row[];
  const identities: Row[] = await em.execute(
    'select channel, address from requester_identity where requester_id = ? order by id',
    [id],
  );
  const tickets: Row[] = await em.execute(
    `select id, subject, status, channel, created_at from ticket where requester_id = ?
     order by created_at desc limit 200`,
    [id],
  );
  const merges: Row[] = await em.execute(
    `select from_requester_id, by_agent_id, reason, created_at from requester_merge
     where into_requester_id = ? order by id`,
    [id],
  );
  return {
    id,
    name: (requester?.name as string | null) ?? null,
    email: (requester?.email as string | null) ?? null,
    createdAt: new Date(requester!.created_at as string).toISOString(),
    identities: identities.map((row) => ({
      kind: String(row.channel),
      address: String(row.address),
    })),
    tickets: tickets.map((row) => ({
      id: Number(row.id),
      subject: String(row.subject),
      status: String(row.status),
      channel: String(row.channel),
      createdAt: new Date(row.created_at as string).toISOString(),
    })),
    merges: merges.map((row) => ({
      fromRequesterId: Number(row.from_requester_id),
      byAgentId: row.by_agent_id === null ? null : Number(row.by_agent_id),
      reason: String(row.reason),
      at: new Date(row.created_at as string).toISOString(),
    })),
  };
}

function refusalOf(error: RequesterMergeRefused): ProblemError {
  if (error.status === 404)
    return ProblemError.notFound(error.message.replace(/ does not exist$/, ''));
  if (error.status === 409) return ProblemError.conflict(error.message, error);
  return ProblemError.unprocessable(error.message, error);
}
