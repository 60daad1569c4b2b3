// Agents log phone calls: POST /tickets/:id/calls on an existing ticket, POST /calls as a new
// ticket, GET /tickets/:id/calls to list them. The signed-in agent is the one who logged the
// call. An Idempotency-Key header makes a retried log one call. Agents, leads and admins only.
// How a call reaches the ticket (as an inbound message with call facts) is explained in
// channels/phone/calls.ts. Tests: tests/channels/phone-*.test.ts.
import { Router, type Request } from 'express';
import { z } from 'zod';
import { logCall, listCalls } from '../../channels/phone/calls.ts';
import { normalisePhone } from '../../channels/identity/identities.ts';
import { IntakeKeyReusedError, type Intake } from '../../channels/intake.ts';
import type { Orm } from '../../db/orm.ts';
import { TicketStatus } from '../../workflows/ticket/vocabulary.ts';
import { Role } from '../auth/roles.ts';
import { ProblemError } from '../errors.ts';
import { requireRole } from '../middleware/authenticate.ts';
import { idempotencyKeyOf, parse, pathId } from '../request-input.ts';

export interface PhoneRouteDeps {
  orm: Orm;
  intake: Intake;
}

const callFields = {
  direction: z.enum(['in', 'out']),
  number: z
    .string()
    .trim()
    .min(1)
    .max(40)
    .refine((n) => normalisePhone(n) !== null, 'is not a phone number (5 to 15 digits)'),
  durationSeconds: z.number().int().min(0).max(86_400),
  notes: z.string().trim().max(20_000).default(''),
};
const callOnTicketBody = z.object(callFields);
const newCallBody = z.object({
  ...callFields,
  subject: z.string().trim().min(1).max(500).optional(),
  requester: z
    .object({ name: z.string().trim().min(1).max(200).optional(), email: z.email().optional() })
    .optional(),
});
const ticketParams = z.object({ id: pathId });

/** Call logging routes; mounted after sign-in. */
export function phoneRoutes(deps: PhoneRouteDeps): Router {
  const router = Router();
  const em = () => deps.orm.em.fork();
  const agentsOnly = requireRole(Role.Agent, Role.Lead, Role.Admin);

  router.post('/tickets/:id/calls', agentsOnly, async (req, res) => {
    const { id } = parse(ticketParams, req.params, 'path');
    const body = parse(callOnTicketBody, req.body);
    await requireOpenTicket(deps.orm, id);

    const logged = await refuseReusedKey(() =>
      logCall(
        { intake: deps.intake, em },
        { call: body, ticketId: id, agent: agentOf(req), idempotencyKey: idempotencyKeyOf(req) },
      ),
    );
    req.log.info({ ticketId: logged.outcome.ticketId, direction: body.direction }, 'call logged');
    res.status(logged.outcome.duplicate ? 200 : 201).json(logged.call);
  });

  router.post('/calls', agentsOnly, async (req, res) => {
    const body = parse(newCallBody, req.body);
    const logged = await refuseReusedKey(() =>
      logCall(
        { intake: deps.intake, em },
        {
          call: body,
          ticketId: null,
          agent: agentOf(req),
          idempotencyKey: idempotencyKeyOf(req),
          subject: body.subject,
          requester: body.requester,
        },
      ),
    );
    req.log.info({ ticketId: logged.outcome.ticketId, direction: body.direction }, 'call logged');
    res
      .status(logged.outcome.duplicate ? 200 : 201)
      .location(`/api/tickets/${logged.outcome.ticketId}`)
      .json(logged.call);
  });

  router.get('/tickets/:id/calls', async (req, res) => {
    const { id } = parse(ticketParams, req.params, 'path');
    res.json(await listCalls(em(), { ticketId: id }));
  });

  return router;
}

function agentOf(req: Request): { id: number; name: string } {
  return { id: req.agent!.id, name: req.agent!.name };
}

// A closed ticket takes no more messages (intake would open a follow-up ticket): the agent
// should log the call as a new ticket instead, on purpose.
async function requireOpenTicket(orm: Orm, ticketId: number): Promise<void> {
  const rows: Record<string, unknown>[] = await orm.em
    .fork()
    .execute('select status from ticket where id = ?', [ticketId]);
  if (rows[0] === undefined) throw ProblemError.notFound(`ticket ${ticketId}`);
  if (rows[0].status === TicketStatus.Closed) {
    throw ProblemError.unprocessable(
      `ticket ${ticketId} is closed; log the call as a new ticket (POST /api/calls)`,
    );
  }
}

async function refuseReusedKey<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof IntakeKeyReusedError)) throw error;
    throw ProblemError.unprocessable(
      'this Idempotency-Key was already used for a different call; use a new key',
      error,
    );
  }
}
