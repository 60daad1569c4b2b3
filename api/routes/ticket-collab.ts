// Routes for agents working together on a ticket: handoff with a note, tags, priority, custom
// field values, applying a macro, merging two tickets of one requester and splitting a customer
// message off into a new ticket. Each validates what it can here (422 naming the field), then
// sends one update to the ticket's workflow, whose validator answers 409 (stale, or already
// closed or merged) or 422; lifecycle decisions stay in workflows/ticket/collab-handlers.ts.
// Only agents, leads and admins act. Tests: tests/api/collab-*.test.ts.
import { Router, type Request } from 'express';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { plainInboundMessage, type Intake } from '../../channels/intake.ts';
import type { EntityManager, Orm } from '../../db/orm.ts';
import {
  checkFieldValues,
  loadCustomFieldDefinitions,
} from '../../db/repositories/custom-fields.ts';
import { findMacro } from '../../db/repositories/macros.ts';
import {
  agentExists,
  findTeamTarget,
  findTicketFacts,
  listMentionHandles,
  loadTicketCollab,
} from '../../db/repositories/ticket-collab.ts';
import { findTicketSummary } from '../../db/repositories/ticket-reads.ts';
import { renderMacro } from '../../search/kb-macro-render.ts';
import {
  normalizeTags,
  tagProblem,
  type MacroActions,
  type TeamTarget,
} from '../../workflows/ticket/collab-actions.ts';
import {
  applyMacroUpdate,
  handoffUpdate,
  mergedFromUpdate,
  mergeIntoUpdate,
  setFieldsUpdate,
  setPriorityUpdate,
  setTagsUpdate,
  splitFromUpdate,
  splitToUpdate,
} from '../../workflows/ticket/messages.ts';
import { priorities, TicketStatus, type Channel } from '../../workflows/ticket/vocabulary.ts';
import { Role } from '../auth/roles.ts';
import type { AppliedMacro, MacroActionsView } from '../contract.ts';
import { ProblemError, problemFromUpdateFailure } from '../errors.ts';
import { requireRole } from '../middleware/authenticate.ts';
import { parse, pathId } from '../request-input.ts';
import { actingAgentId, handleOf, runUpdate, summaryAfterAction } from './tickets.ts';

export interface TicketCollabRouteDeps {
  orm: Orm;
  temporal: Client;
  intake: Intake;
}

const ticketParams = z.object({ id: pathId });
const macroParams = z.object({ id: pathId, macroId: pathId });
const expectedVersion = z.number().int().min(0).optional();

const handoffBody = z
  .object({
    toAgentId: z.number().int().positive().optional(),
    toTeamId: z.number().int().positive().optional(),
    note: z.string().trim().min(1, 'a handoff needs a note for the new owner').max(5_000),
    expectedVersion,
  })
  .refine((b) => (b.toAgentId === undefined) !== (b.toTeamId === undefined), {
    message: 'name exactly one of toAgentId and toTeamId',
    path: ['toAgentId'],
  });
const tagsBody = z.object({ tags: z.array(z.string().max(200)).max(100) });
const priorityBody = z.object({ priority: z.enum(priorities) });
const fieldsBody = z.object({ fields: z.record(z.string(), z.unknown()) });
const applyBody = z.object({ expectedVersion });
const mergeBody = z.object({ intoTicketId: z.number().int().positive() });
const splitBody = z.object({
  messageId: z.number().int().positive(),
  subject: z.string().trim().min(1).max(500).optional(),
});

/** Routes under /api/tickets/:id for handoff, tags, priority, fields, macros, merge and split. */
export function ticketCollabRoutes(deps: TicketCollabRouteDeps): Router {
  const router = Router();
  const em = (): EntityManager => deps.orm.em.fork();
  const actors = requireRole(Role.Agent, Role.Lead, Role.Admin);

  router.get('/mention-handles', async (_req, res) => {
    res.json(await listMentionHandles(em()));
  });

  router.post('/tickets/:id/handoff', actors, async (req, res) => {
    const { id: ticketId } = parse(ticketParams, req.params, 'path');
    const body = parse(handoffBody, req.body);
    const byAgentId = actingAgentId(req, undefined);
    const toTeam =
      body.toTeamId === undefined
        ? undefined
        : await teamTarget(em(), body.toTeamId, 'body.toTeamId');
    if (body.toAgentId !== undefined) await requireAgent(em(), body.toAgentId, 'body.toAgentId');

    const action = {
      byAgentId,
      note: body.note,
      expectedVersion: body.expectedVersion,
      toAgentId: body.toAgentId,
      toTeam,
    };
    await runUpdate(deps, ticketId, () =>
      handleOf(deps, ticketId).executeUpdate(handoffUpdate, { args: [action] }),
    );
    const ticket = await summaryAfterAction(deps, ticketId, req);
    const collab = await loadTicketCollab(em(), ticketId);
    res.json({ ticket, handoff: collab?.handoff ?? null });
  });

  router.put('/tickets/:id/tags', actors, async (req, res) => {
    const { id: ticketId } = parse(ticketParams, req.params, 'path');
    const tags = normalizeTags(parse(tagsBody, req.body).tags);
    const problem = tagProblem(tags);
    if (problem !== null) throw fieldProblem('body.tags', problem);

    const action = { byAgentId: actingAgentId(req, undefined), tags };
    await runUpdate(deps, ticketId, () =>
      handleOf(deps, ticketId).executeUpdate(setTagsUpdate, { args: [action] }),
    );
    const ticket = await summaryAfterAction(deps, ticketId, req);
    res.json({ ticket, tags: ticket.tags ?? tags });
  });

  router.post('/tickets/:id/priority', actors, async (req, res) => {
    const { id: ticketId } = parse(ticketParams, req.params, 'path');
    const { priority } = parse(priorityBody, req.body);

    const action = { byAgentId: actingAgentId(req, undefined), priority };
    await runUpdate(deps, ticketId, () =>
      handleOf(deps, ticketId).executeUpdate(setPriorityUpdate, { args: [action] }),
    );
    res.json({ ticket: await summaryAfterAction(deps, ticketId, req) });
  });

  router.put('/tickets/:id/fields', actors, async (req, res) => {
    const { id: ticketId } = parse(ticketParams, req.params, 'path');
    const { fields } = parse(fieldsBody, req.body);
    const summary = await findTicketSummary(em(), ticketId);
    if (summary === null) throw ProblemError.notFound(`ticket ${ticketId}`);
    if (summary.team === null) {
      throw fieldProblem(
        'body.fields',
        `ticket ${ticketId} has no team yet, so it has no custom fields`,
      );
    }

    const definitions = await loadCustomFieldDefinitions(em(), summary.team.id);
    const { changes, problems } = checkFieldValues(definitions, fields);
    if (problems.length > 0) throw invalidFields(problems);
    const action = { byAgentId: actingAgentId(req, undefined), changes };
    await runUpdate(deps, ticketId, () =>
      handleOf(deps, ticketId).executeUpdate(setFieldsUpdate, { args: [action] }),
    );
    const ticket = await summaryAfterAction(deps, ticketId, req);
    const collab = await loadTicketCollab(em(), ticketId);
    res.json({ ticket, customFields: collab?.customFields ?? [] });
  });

  router.post('/tickets/:id/macros/:macroId/apply', actors, async (req, res) => {
    const { id: ticketId, macroId } = parse(macroParams, req.params, 'path');
    const body = parse(applyBody, req.body);
    const macro = await findMacro(em(), macroId);
    if (macro === null) throw ProblemError.notFound(`macro ${macroId}`);
    const summary = await findTicketSummary(em(), ticketId);
    if (summary === null) throw ProblemError.notFound(`ticket ${ticketId}`);

    const byAgentId = actingAgentId(req, undefined);
    const actions = await workflowActions(em(), macro.actions);
    const action = {
      byAgentId,
      macroId,
      title: macro.title,
      expectedVersion: body.expectedVersion,
      actions,
    };
    await runUpdate(deps, ticketId, () =>
      handleOf(deps, ticketId).executeUpdate(applyMacroUpdate, { args: [action] }),
    );
    const renderedText = renderMacro(macro.body, {
      requesterName: summary.requester.name,
      requesterEmail: summary.requester.email,
      ticketNumber: summary.number,
      ticketSubject: summary.subject,
      agentName: req.agent!.name,
    });
    const answer: AppliedMacro = {
      renderedText,
      ticket: await summaryAfterAction(deps, ticketId, req),
    };
    req.log.info({ ticketId, macroId }, 'macro applied');
    res.json(answer);
  });

  router.post('/tickets/:id/merge', actors, async (req, res) => {
    const { id: ticketId } = parse(ticketParams, req.params, 'path');
    const { intoTicketId } = parse(mergeBody, req.body);
    await checkMerge(em(), ticketId, intoTicketId);

    const byAgentId = actingAgentId(req, undefined);
    await runUpdate(deps, ticketId, () =>
      handleOf(deps, ticketId).executeUpdate(mergeIntoUpdate, {
        args: [{ byAgentId, intoTicketId }],
      }),
    );
    await recordMergedFrom(deps, req, { ticketId, intoTicketId, byAgentId });
    res.json({
      ticket: await summaryAfterAction(deps, intoTicketId, req),
      merged: await summaryAfterAction(deps, ticketId, req),
    });
  });

  router.post('/tickets/:id/split', actors, async (req, res) => {
    const { id: ticketId } = parse(ticketParams, req.params, 'path');
    const body = parse(splitBody, req.body);
    const byAgentId = actingAgentId(req, undefined);
    const original = await findTicketFacts(em(), ticketId);
    if (original === null) throw ProblemError.notFound(`ticket ${ticketId}`);
    if (original.status === TicketStatus.Closed) {
      throw ProblemError.unprocessable(
        `ticket ${ticketId} is closed; reopen it before splitting it`,
      );
    }
    const message = await customerMessageOf(em(), ticketId, body.messageId);

    const outcome = await deps.intake.accept(
      plainInboundMessage({
        channel: message.channel,
        idempotencyKey: `split:${body.messageId}`,
        requester: { email: message.requesterEmail, name: message.requesterName },
        subject: body.subject ?? message.subject ?? original.subject,
        text: message.text,
        html: message.html,
        receivedAt: new Date(),
        appendToTicketId: null,
        refuseChangedContentOnRetry: false,
      }),
    );
    if (!outcome.duplicate) await copyAttachments(em(), body.messageId, outcome.messageId);

    const split = { byAgentId, messageId: body.messageId };
    // One split per message: intake keys the new ticket by the message, and the same update id
    // makes a repeated split (a retry, a double click) record each entry once.
    const updateId = `split-message-${body.messageId}`;
    await runUpdate(deps, ticketId, () =>
      handleOf(deps, ticketId).executeUpdate(splitToUpdate, {
        args: [{ ...split, otherTicketId: outcome.ticketId }],
        updateId,
      }),
    );
    // The new ticket may not be projected yet, so this update skips runUpdate's existence check;
    // its handler waits for the ticket's first entry, so split_from follows created.
    await handleOf(deps, outcome.ticketId)
      .executeUpdate(splitFromUpdate, { args: [{ ...split, otherTicketId: ticketId }], updateId })
      .catch((error: unknown) => problemFromUpdateFailure(error, outcome.ticketId));
    req.log.info(
      { ticketId, newTicketId: outcome.ticketId, messageId: body.messageId },
      'ticket split',
    );
    res
      .status(outcome.duplicate ? 200 : 201)
      .location(`/api/tickets/${outcome.ticketId}`)
      .json({
        ticketId: outcome.ticketId,
        messageId: outcome.messageId,
        ticket: await findTicketSummary(em(), outcome.ticketId),
        original: await summaryAfterAction(deps, ticketId, req),
      });
  });

  return router;
}

/** 404 for unknown tickets, 422 for itself or another requester, 409 when either is closed or merged. */
async function checkMerge(
  em: EntityManager,
  ticketId: number,
  intoTicketId: number,
): Promise<void> {
  if (ticketId === intoTicketId)
    throw fieldProblem('body.intoTicketId', 'a ticket cannot be merged into itself');
  const [source, target] = await Promise.all([
    findTicketFacts(em, ticketId),
    findTicketFacts(em, intoTicketId),
  ]);
  if (source === null) throw ProblemError.notFound(`ticket ${ticketId}`);
  if (target === null)
    throw fieldProblem('body.intoTicketId', `ticket ${intoTicketId} does not exist`);
  if (source.requesterId !== target.requesterId) {
    throw fieldProblem(
      'body.intoTicketId',
      `ticket ${intoTicketId} belongs to another requester; only tickets of the same requester can be merged`,
    );
  }
  for (const ticket of [source, target]) {
    if (ticket.mergedIntoTicketId !== null) {
      throw ProblemError.conflict(
        `ticket ${ticket.id} was already merged into ticket ${ticket.mergedIntoTicketId}`,
      );
    }
    if (ticket.status === TicketStatus.Closed)
      throw ProblemError.conflict(`ticket ${ticket.id} is closed`);
  }
}

// The source is closed as merged by now; if the target refuses (closed a moment ago), the
// source still points at it and its messages show there, so this is logged, not undone.
async function recordMergedFrom(
  deps: TicketCollabRouteDeps,
  req: Request,
  merge: { ticketId: number; intoTicketId: number; byAgentId: number },
): Promise<void> {
  const action = { byAgentId: merge.byAgentId, fromTicketId: merge.ticketId };
  try {
    await runUpdate(deps, merge.intoTicketId, () =>
      handleOf(deps, merge.intoTicketId).executeUpdate(mergedFromUpdate, { args: [action] }),
    );
  } catch (error) {
    req.log.error(
      { err: error, ticketId: merge.intoTicketId, fromTicketId: merge.ticketId },
      'merge target refused the merged_from entry; the source is merged all the same',
    );
  }
  req.log.info({ ticketId: merge.ticketId, intoTicketId: merge.intoTicketId }, 'tickets merged');
}

/** The macro's stored actions as the workflow takes them, with the team's queue looked up. */
async function workflowActions(em: EntityManager, stored: MacroActionsView): Promise<MacroActions> {
  const { assignTeamId, ...rest } = stored;
  if (rest.assignAgentId !== undefined && !(await agentExists(em, rest.assignAgentId))) {
    throw ProblemError.unprocessable(
      `the macro assigns agent ${rest.assignAgentId}, who no longer exists; a lead must fix the macro`,
    );
  }
  if (assignTeamId === undefined) return rest;
  const team = await findTeamTarget(em, assignTeamId);
  if (team === null) {
    throw ProblemError.unprocessable(
      `the macro assigns team ${assignTeamId}, which has no queue; a lead must fix the macro`,
    );
  }
  return { ...rest, assignTeam: team };
}

async function teamTarget(em: EntityManager, teamId: number, field: string): Promise<TeamTarget> {
  const team = await findTeamTarget(em, teamId);
  if (team === null) throw fieldProblem(field, `team ${teamId} does not exist or has no queue`);
  return team;
}

async function requireAgent(em: EntityManager, agentId: number, field: string): Promise<void> {
  if (!(await agentExists(em, agentId)))
    throw fieldProblem(field, `agent ${agentId} does not exist`);
}

type Row = Record<string, unknown>;

/** The customer message to split off; 422 when it is not a customer message of this ticket. */
async function customerMessageOf(em: EntityManager, ticketId: number, messageId: number) {
  const rows: Row[] = await em.execute(
    `select m.ticket_id, m.kind, m.channel, m.subject, m.text, m.html, r.email, r.name
       from message m left join requester r on r.id = m.requester_id where m.id = ?`,
    [messageId],
  );
  const row = rows[0];
  if (row === undefined || Number(row.ticket_id) !== ticketId) {
    throw fieldProblem('body.messageId', `message ${messageId} is not on ticket ${ticketId}`);
  }
  if (row.kind !== 'inbound') {
    throw fieldProblem(
      'body.messageId',
      `message ${messageId} is not a customer message (it is ${String(row.kind)})`,
    );
  }
  return {
    channel: row.channel as Channel,
    subject: (row.subject as string | null) ?? null,
    text: String(row.text),
    html: (row.html as string | null) ?? null,
    requesterEmail: (row.email as string | null) ?? null,
    requesterName: (row.name as string | null) ?? null,
  };
}

// The new ticket's message carries the same files: rows point at the same blobs, bytes are not copied.
async function copyAttachments(
  em: EntityManager,
  fromMessageId: number,
  toMessageId: number,
): Promise<void> {
  await em.execute(
    `insert into attachment (message_id, filename, content_type, size, content_id, inline, blob_key, sha256)
     select ?, filename, content_type, size, content_id, inline, blob_key, sha256
       from attachment where message_id = ? order by id`,
    [toMessageId, fromMessageId],
  );
}

function fieldProblem(field: string, problem: string): ProblemError {
  return invalidFields([{ field, problem }]);
}

function invalidFields(errors: { field: string; problem: string }[]): ProblemError {
  return new ProblemError({
    status: 422,
    type: 'invalid-request',
    title: 'Invalid request',
    detail: errors.map((e) => `${e.field}: ${e.problem}`).join('; '),
    errors,
  });
}
