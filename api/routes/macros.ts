// Macros as a workgroup manages them: agents list and search them for the macro picker; leads
// and admins create, edit and delete them, with their actions (status, priority, tags to add or
// remove, assign to an agent or a team). Search goes through the `macros` Meilisearch index
// (typo-tolerant, accent-folding), falling back to a title/body match in PostgreSQL while search
// is down. Applying a macro to a ticket is POST /api/tickets/:id/macros/:macroId/apply
// (api/routes/ticket-collab.ts). Tests: tests/api/collab-macros.test.ts.
import { Router } from 'express';
import { z } from 'zod';
import { kbLanguages } from '../../db/entities/knowledge-base.ts';
import type { EntityManager, Orm } from '../../db/orm.ts';
import {
  deleteMacro,
  findMacro,
  insertMacro,
  listMacros,
  updateMacro,
  type MacroInput,
} from '../../db/repositories/macros.ts';
import { agentExists, findTeamTarget } from '../../db/repositories/ticket-collab.ts';
import { supportedPlaceholders, unknownPlaceholders } from '../../search/kb-macro-render.ts';
import { searchMacros } from '../../search/kb-search.ts';
import type { Meili } from '../../search/client.ts';
import { normalizeTags, tagProblem } from '../../workflows/ticket/collab-actions.ts';
import { priorities, TicketStatus } from '../../workflows/ticket/vocabulary.ts';
import { Role } from '../auth/roles.ts';
import type { MacroView } from '../contract.ts';
import { ProblemError } from '../errors.ts';
import { requireRole } from '../middleware/authenticate.ts';
import { parse, pathId } from '../request-input.ts';

export interface MacroRouteDeps {
  orm: Orm;
  meili: Meili;
  /** The index to search; production uses `macros`. */
  macroIndexUid?: string;
}

const idParams = z.object({ id: pathId });
const listQuery = z.object({
  q: z.string().trim().max(200).optional(),
  teamId: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const tagList = z.array(z.string().trim().min(1).max(200)).max(100);
const macroBody = z.object({
  title: z.string().trim().min(1).max(200),
  body: z.string().trim().min(1).max(20_000),
  tags: tagList.default([]),
  language: z.enum(kbLanguages).default('en'),
  teamId: z.number().int().positive().nullable().default(null),
  actions: z
    .object({
      status: z
        .enum([
          TicketStatus.Open,
          TicketStatus.Pending,
          TicketStatus.OnHold,
          TicketStatus.Resolved,
          TicketStatus.Closed,
        ])
        .optional(),
      priority: z.enum(priorities).optional(),
      addTags: tagList.optional(),
      removeTags: tagList.optional(),
      assignAgentId: z.number().int().positive().optional(),
      assignTeamId: z.number().int().positive().optional(),
    })
    .strict()
    .refine((a) => a.assignAgentId === undefined || a.assignTeamId === undefined, {
      message: 'assign to an agent or to a team, not both',
      path: ['assignTeamId'],
    })
    .default({}),
});

/** GET/POST /macros, GET/PUT/DELETE /macros/:id. */
export function macroRoutes(deps: MacroRouteDeps): Router {
  const router = Router();
  const em = (): EntityManager => deps.orm.em.fork();
  const readers = requireRole(Role.Agent, Role.Lead, Role.Admin);
  const managers = requireRole(Role.Lead, Role.Admin);

  router.get('/macros', readers, async (req, res) => {
    const { q, teamId, limit } = parse(listQuery, req.query, 'query');
    if (q === undefined || q === '') {
      res.json({ items: await listMacros(em(), { teamId, limit }) });
      return;
    }
    const found = await searchMacros({
      meili: deps.meili,
      indexUid: deps.macroIndexUid,
      q,
      limit,
      log: req.log,
    });
    if (found.notice === undefined) {
      const items = await listMacros(em(), {
        ids: found.hits.map((hit) => hit.id),
        teamId,
        limit,
      });
      res.json({ items });
      return;
    }
    res.json({ items: await listMacros(em(), { like: q, teamId, limit }), notice: found.notice });
  });

  router.get('/macros/:id', readers, async (req, res) => {
    const { id } = parse(idParams, req.params, 'path');
    res.json(await requireMacro(em(), id));
  });

  router.post('/macros', managers, async (req, res) => {
    const input = await checkedMacro(em(), req.body);
    const id = await insertMacro(em(), { ...input, createdByAgentId: req.agent!.id });
    req.log.info({ macroId: id }, 'macro created');
    res
      .status(201)
      .location(`/api/macros/${id}`)
      .json(await requireMacro(em(), id));
  });

  router.put('/macros/:id', managers, async (req, res) => {
    const { id } = parse(idParams, req.params, 'path');
    const input = await checkedMacro(em(), req.body);
    if (!(await updateMacro(em(), id, input))) throw ProblemError.notFound(`macro ${id}`);
    req.log.info({ macroId: id }, 'macro edited');
    res.json(await requireMacro(em(), id));
  });

  router.delete('/macros/:id', managers, async (req, res) => {
    const { id } = parse(idParams, req.params, 'path');
    if (!(await deleteMacro(em(), id))) throw ProblemError.notFound(`macro ${id}`);
    req.log.info({ macroId: id }, 'macro deleted');
    res.status(204).end();
  });

  return router;
}

async function requireMacro(em: EntityManager, id: number): Promise<MacroView> {
  const macro = await findMacro(em, id);
  if (macro === null) throw ProblemError.notFound(`macro ${id}`);
  return macro;
}

/**
 * Parses a macro and checks what it refers to: only supported placeholders in the body, tags
 * within limits, the agent and team exist.
 */
async function checkedMacro(em: EntityManager, raw: unknown): Promise<MacroInput> {
  const body = parse(macroBody, raw);
  const actions = { ...body.actions };
  const problems: { field: string; problem: string }[] = [];

  // A placeholder the renderer does not know would reach the customer as written.
  const unknown = unknownPlaceholders(body.body);
  if (unknown.length > 0) {
    const supported = supportedPlaceholders.map((name) => `{{${name}}}`).join(', ');
    const problem = `unknown placeholder${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; supported: ${supported}`;
    problems.push({ field: 'body.body', problem });
  }

  for (const key of ['addTags', 'removeTags'] as const) {
    if (actions[key] === undefined) continue;
    actions[key] = normalizeTags(actions[key]);
    const problem = tagProblem(actions[key]);
    if (problem !== null) problems.push({ field: `body.actions.${key}`, problem });
  }
  if (actions.assignAgentId !== undefined && !(await agentExists(em, actions.assignAgentId))) {
    const problem = `agent ${actions.assignAgentId} does not exist`;
    problems.push({ field: 'body.actions.assignAgentId', problem });
  }
  if (
    actions.assignTeamId !== undefined &&
    (await findTeamTarget(em, actions.assignTeamId)) === null
  ) {
    const problem = `team ${actions.assignTeamId} does not exist or has no queue`;
    problems.push({ field: 'body.actions.assignTeamId', problem });
  }
  if (body.teamId !== null && (await findTeamTarget(em, body.teamId)) === null) {
    problems.push({ field: 'body.teamId', problem: `team ${body.teamId} does not exist` });
  }
  if (problems.length > 0) {
    throw new ProblemError({
      status: 422,
      type: 'invalid-request',
      title: 'Invalid request',
      detail: problems.map((p) => `${p.field}: ${p.problem}`).join('; '),
      errors: problems,
    });
  }
  return { ...body, tags: normalizeTags(body.tags), actions };
}
