// Ticket routes: JSON intake, queue lists, the ticket page's data, and agent actions.
// Handlers validate, then call intake, a read repository or the ticket workflow (as an
// Update, answered at once with the new state or a 409/422 refusal); lifecycle decisions
// belong to the workflow, never to this file. The acting agent of a reply, note, assignment
// or status change is the signed-in agent (api/middleware/authenticate.ts); a body may still
// name them as `agentId` (or `byAgentId`), but naming anyone else is refused with 403.
import { Router, type Request } from 'express';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { assignWaitingTickets } from '../../activities/assignment-dispatch.ts';
import {
  IntakeKeyReusedError,
  plainInboundMessage,
  type InboundMessage,
  type Intake,
  type IntakeOutcome,
} from '../../channels/intake.ts';
import type { Orm } from '../../db/orm.ts';
import {
  findTicketDetail,
  findTicketSummary,
  listTickets,
} from '../../db/repositories/ticket-reads.ts';
import {
  assignUpdate,
  noteUpdate,
  replyUpdate,
  setStatusUpdate,
} from '../../workflows/ticket/messages.ts';
import { channels, ticketStatuses, TicketStatus } from '../../workflows/ticket/vocabulary.ts';
import { normalizeTags, parseMentionHandles } from '../../workflows/ticket/collab-actions.ts';
import { resolveMentions, withCollab } from '../../db/repositories/ticket-collab.ts';
import { ticketWorkflowId } from '../../workflows/ticket/workflow-id.ts';
import type { TicketSummary } from '../contract.ts';
import { ProblemError, problemFromUpdateFailure } from '../errors.ts';
import { idempotencyKeyOf, parse, pathId } from '../request-input.ts';

export interface TicketRouteDeps {
  orm: Orm;
  temporal: Client;
  intake: Intake;
}

const createTicketBody = z.object({
  requester: z.object({
    email: z.email(),
    name: z.string().trim().min(1).max(200).optional(),
  }),
  subject: z.string().trim().min(1).max(500),
  body: z.string().trim().min(1).max(100_000),
  channel: z.enum(channels).default('api'),
});

const listQuery = z.object({
  status: z
    .string()
    .transform((s) => s.split(',').filter(Boolean))
    .pipe(z.array(z.enum(ticketStatuses)))
    .optional(),
  queueId: z.coerce.number().int().positive().optional(),
  assigneeId: z.union([z.literal('unassigned'), z.coerce.number().int().positive()]).optional(),
  tag: z
    .string()
    .transform((tag) => normalizeTags([tag])[0])
    .optional(),
  channel: z
    .string()
    .transform((s) => s.split(',').filter(Boolean))
    .pipe(z.array(z.enum(channels)))
    .optional(),
  sort: z.enum(['sla_due', 'updated', 'created']).default('updated'),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});

const ticketParams = z.object({ id: pathId });
const agentId = z.number().int().positive();
const replyBody = z.object({
  agentId: agentId.optional(),
  body: z.string().trim().min(1).max(100_000),
  expectedVersion: z.number().int().min(0).optional(),
});
const noteBody = z.object({
  agentId: agentId.optional(),
  body: z.string().trim().min(1).max(100_000),
});
const assignBody = z.object({
  agentId,
  byAgentId: agentId.optional(),
  note: z.string().trim().max(5_000).optional(),
});
const statusBody = z.object({
  status: z.enum([
    TicketStatus.Open,
    TicketStatus.Pending,
    TicketStatus.OnHold,
    TicketStatus.Resolved,
    TicketStatus.Closed,
  ]),
  agentId: agentId.optional(),
});

/** Routes under /api/tickets. */
export function ticketRoutes(deps: TicketRouteDeps): Router {
  const router = Router();

  router.post('/tickets', async (req, res) => {
    const body = parse(createTicketBody, req.body);
    const key = `api:${idempotencyKeyOf(req)}`;
    const outcome = await acceptOrRefuse(
      deps.intake,
      plainInboundMessage({
        channel: body.channel,
        idempotencyKey: key,
        requester: { email: body.requester.email, name: body.requester.name ?? null },
        subject: body.subject,
        text: body.body,
      }),
    );
    req.log.info({ ticketId: outcome.ticketId, duplicate: outcome.duplicate }, 'ticket intake');
    res
      .status(outcome.duplicate ? 200 : 201)
      .location(`/api/tickets/${outcome.ticketId}`)
      .json({
        ticketId: outcome.ticketId,
        messageId: outcome.messageId,
        duplicate: outcome.duplicate,
      });
  });

  router.get('/tickets', async (req, res) => {
    const query = parse(listQuery, req.query, 'query');
    res.json(await listTickets(deps.orm.em.fork(), query));
  });

  router.get('/tickets/:id', async (req, res) => {
    const { id } = parse(ticketParams, req.params, 'path');
    const detail = await findTicketDetail(deps.orm.em.fork(), id);
    if (detail === null) throw ProblemError.notFound(`ticket ${id}`);
    res.json(await withCollab(deps.orm.em.fork(), detail));
  });

  router.post('/tickets/:id/replies', async (req, res) => {
    const { id } = parse(ticketParams, req.params, 'path');
    const body = parse(replyBody, req.body);
    const action = { ...body, agentId: actingAgentId(req, body.agentId) };
    await runUpdate(deps, id, () =>
      handleOf(deps, id).executeUpdate(replyUpdate, { args: [action] }),
    );
    res.status(201).json({ ticket: await summaryAfterAction(deps, id, req) });
  });

  router.post('/tickets/:id/notes', async (req, res) => {
    const { id } = parse(ticketParams, req.params, 'path');
    const body = parse(noteBody, req.body);
    const agentId = actingAgentId(req, body.agentId);
    const mentions = await resolveMentions(deps.orm.em.fork(), parseMentionHandles(body.body));
    const action = { ...body, agentId, ...(mentions.handles.length > 0 ? { mentions } : {}) };
    await runUpdate(deps, id, () =>
      handleOf(deps, id).executeUpdate(noteUpdate, { args: [action] }),
    );
    res.status(201).json({ ticket: await summaryAfterAction(deps, id, req) });
  });

  router.post('/tickets/:id/assignment', async (req, res) => {
    const { id } = parse(ticketParams, req.params, 'path');
    const body = parse(assignBody, req.body);
    await requireAgent(deps.orm, body.agentId);
    const byAgentId = actingAgentId(req, body.byAgentId);
    const action = { agentId: body.agentId, byAgentId, note: body.note };
    await runUpdate(deps, id, () =>
      handleOf(deps, id).executeUpdate(assignUpdate, { args: [action] }),
    );
    res.json({ ticket: await summaryAfterAction(deps, id, req) });
  });

  router.post('/tickets/:id/status', async (req, res) => {
    const { id } = parse(ticketParams, req.params, 'path');
    const body = parse(statusBody, req.body);
    const action = { status: body.status, byAgentId: actingAgentId(req, body.agentId) };
    await runUpdate(deps, id, () =>
      handleOf(deps, id).executeUpdate(setStatusUpdate, { args: [action] }),
    );
    const ticket = await summaryAfterAction(deps, id, req);
    res.json({ ticket });
    if (freesCapacity(body.status) && ticket.assignee !== null) {
      offerWaitingTickets(deps, ticket.assignee.id, req);
    }
  });

  return router;
}

async function acceptOrRefuse(intake: Intake, message: InboundMessage): Promise<IntakeOutcome> {
  try {
    return await intake.accept(message);
  } catch (error) {
    if (!(error instanceof IntakeKeyReusedError)) throw error;
    throw new ProblemError({
      status: 422,
      type: 'idempotency-key-reused',
      title: 'Idempotency-Key reused',
      detail: error.message,
      errors: [{ field: 'header.Idempotency-Key', problem: error.message }],
      cause: error,
    });
  }
}

function freesCapacity(status: string): boolean {
  return status === TicketStatus.Resolved || status === TicketStatus.Closed;
}

// The owner now has room for one more ticket: offer them waiting tickets, oldest first. The
// agent's answer does not wait for it; a failure is logged and the next status change retries.
function offerWaitingTickets(deps: TicketRouteDeps, agentId: number, req: Request): void {
  void assignWaitingTickets({
    orm: deps.orm,
    temporal: deps.temporal,
    log: req.log,
    agentId,
  }).catch((error: unknown) =>
    req.log.warn({ err: error, agentId }, 'waiting tickets not offered after capacity freed'),
  );
}

/** The ticket's workflow handle. */
export function handleOf(deps: Pick<TicketRouteDeps, 'temporal'>, ticketId: number) {
  return deps.temporal.workflow.getHandle(ticketWorkflowId(ticketId));
}

/** Sends an update to a ticket that exists, mapping a refusal to 409 or 422. */
export async function runUpdate(
  deps: Pick<TicketRouteDeps, 'orm'>,
  ticketId: number,
  send: () => Promise<unknown>,
): Promise<void> {
  if ((await findTicketSummary(deps.orm.em.fork(), ticketId)) === null) {
    throw ProblemError.notFound(`ticket ${ticketId}`);
  }
  try {
    await send();
  } catch (error) {
    problemFromUpdateFailure(error, ticketId);
  }
}

/** The signed-in agent's id; a body naming another agent as the actor is refused. */
export function actingAgentId(req: Request, claimed: number | undefined): number {
  const agent = req.agent!;
  if (claimed !== undefined && claimed !== agent.id) {
    throw ProblemError.forbidden(
      `You are signed in as agent ${agent.id} and cannot act as agent ${claimed}.`,
    );
  }
  return agent.id;
}

async function requireAgent(orm: Orm, id: number): Promise<void> {
  const rows: unknown[] = await orm.em.fork().execute('select 1 from agent where id = ?', [id]);
  if (rows.length === 0) {
    throw new ProblemError({
      status: 422,
      type: 'invalid-request',
      title: 'Invalid request',
      detail: `body.agentId: agent ${id} does not exist`,
      errors: [{ field: 'body.agentId', problem: `agent ${id} does not exist` }],
    });
  }
}

/** The ticket's summary after an action, logged with its new version. */
export async function summaryAfterAction(
  deps: Pick<TicketRouteDeps, 'orm'>,
  ticketId: number,
  req: Request,
): Promise<TicketSummary> {
  const summary = await findTicketSummary(deps.orm.em.fork(), ticketId);
  req.log.info({ ticketId, version: summary?.version }, 'agent action applied');
  return summary!;
}
