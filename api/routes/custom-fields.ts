// Custom fields per team: every agent reads a team's definitions (the ticket page shows them);
// the team's lead or an admin replaces the whole list at once. Values on tickets are set with
// PUT /api/tickets/:id/fields (api/routes/ticket-collab.ts), checked against these definitions.
// Replacing the list keeps the values already on tickets; a removed field just stops showing.
// Tests: tests/api/collab-fields.test.ts.
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { EntityManager, Orm } from '../../db/orm.ts';
import {
  customFieldTypes,
  loadCustomFieldDefinitions,
  replaceCustomFieldDefinitions,
} from '../../db/repositories/custom-fields.ts';
import { Role } from '../auth/roles.ts';
import { ProblemError } from '../errors.ts';
import { parse, pathId } from '../request-input.ts';

const teamParams = z.object({ id: pathId });
const definition = z
  .object({
    key: z
      .string()
      .regex(
        /^[a-z][a-z0-9_]{0,39}$/,
        'use 1 to 40 lower-case letters, digits or _, starting with a letter',
      ),
    label: z.string().trim().min(1).max(100),
    type: z.enum(customFieldTypes),
    options: z.array(z.string().trim().min(1).max(100)).max(50).default([]),
    required: z.boolean().default(false),
  })
  .refine((d) => d.type !== 'select' || d.options.length > 0, {
    message: 'a select field needs at least one option',
    path: ['options'],
  })
  .refine((d) => d.type === 'select' || d.options.length === 0, {
    message: 'only a select field has options',
    path: ['options'],
  })
  .refine((d) => new Set(d.options).size === d.options.length, {
    message: 'options must be distinct',
    path: ['options'],
  });
const definitionsBody = z.object({
  fields: z
    .array(definition)
    .max(50)
    .refine((list) => new Set(list.map((d) => d.key)).size === list.length, {
      message: 'each key may appear once',
    }),
});

/** GET /teams/:id/custom-fields and PUT /teams/:id/custom-fields. */
export function customFieldRoutes(deps: { orm: Orm }): Router {
  const router = Router();
  const em = (): EntityManager => deps.orm.em.fork();

  router.get('/teams/:id/custom-fields', async (req, res) => {
    const { id } = parse(teamParams, req.params, 'path');
    await requireTeam(em(), id);
    res.json({ teamId: id, fields: await loadCustomFieldDefinitions(em(), id) });
  });

  router.put('/teams/:id/custom-fields', async (req, res) => {
    const { id } = parse(teamParams, req.params, 'path');
    const leadAgentId = await requireTeam(em(), id);
    requireLeadOf(req, id, leadAgentId);
    const { fields } = parse(definitionsBody, req.body);

    await replaceCustomFieldDefinitions(em(), id, fields);
    req.log.info({ teamId: id, fields: fields.length }, 'custom fields defined');
    res.json({ teamId: id, fields: await loadCustomFieldDefinitions(em(), id) });
  });

  return router;
}

/** The team's lead agent id; 404 when the team does not exist. */
async function requireTeam(em: EntityManager, teamId: number): Promise<number | null> {
  const rows: Record<string, unknown>[] = await em.execute(
    'select lead_agent_id from team where id = ?',
    [teamId],
  );
  if (rows[0] === undefined) throw ProblemError.notFound(`team ${teamId}`);
  return rows[0].lead_agent_id === null ? null : Number(rows[0].lead_agent_id);
}

// Admins manage every team's fields; a lead manages the fields of the team they lead.
function requireLeadOf(req: Request, teamId: number, leadAgentId: number | null): void {
  const agent = req.agent!;
  if (agent.roles.includes(Role.Admin)) return;
  if (agent.roles.includes(Role.Lead) && agent.id === leadAgentId) return;
  throw ProblemError.forbidden(
    `Only team ${teamId}'s lead or an admin may change its custom fields.`,
  );
}
