// Agent availability: an agent (or their lead) says whether they take new tickets now.
// Coming online offers the tickets waiting in the agent's queues, oldest first, through
// activities/assignment-dispatch.ts; the ticket workflows decide the owner. Going offline
// leaves the agent's open tickets where they are. Tests: tests/routing/agents-api.test.ts.
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { z } from 'zod';
import {
  assignWaitingTickets,
  type AssignmentRequestSender,
} from '../../activities/assignment-dispatch.ts';
import type { EntityManager, Orm } from '../../db/orm.ts';
import { AgentStatus, agentStatuses } from '../../workflows/policies/assignment.ts';
import type { AgentView } from '../contract.ts';
import { ProblemError } from '../errors.ts';
import { parse, pathId } from '../request-input.ts';

export interface AgentRouteDeps {
  orm: Orm;
  temporal: Client;
  log: Logger;
  /** Replaces the Temporal update the dispatcher sends, e.g. in tests. */
  sendAssignmentRequest?: AssignmentRequestSender;
}

/** The agent view with the status that decides assignment. */
export interface AgentStatusView extends AgentView {
  status: AgentStatus;
}

const agentParams = z.object({ id: pathId });
const statusBody = z.object({ status: z.enum(agentStatuses) });

/** POST /agents/:id/status. */
export function agentRoutes(deps: AgentRouteDeps): Router {
  const router = Router();

  router.post('/agents/:id/status', async (req, res) => {
    const { id } = parse(agentParams, req.params, 'path');
    const { status } = parse(statusBody, req.body);

    const change = await setAgentStatus(deps.orm.em.fork(), { agentId: id, status });
    if (change === null) throw ProblemError.notFound(`agent ${id}`);
    req.log.info({ agentId: id, from: change.previous, to: status }, 'agent status changed');

    const cameOnline = status === AgentStatus.Online && change.previous !== AgentStatus.Online;
    if (cameOnline) await offerWaitingTickets(deps, id, req.log);
    res.json(change.agent);
  });

  return router;
}

async function setAgentStatus(
  em: EntityManager,
  options: { agentId: number; status: AgentStatus },
): Promise<{ agent: AgentStatusView; previous: AgentStatus } | null> {
  // The row lock makes "previous" exact when two requests race for the same agent.
  const rows: Record<string, unknown>[] = await em.execute(
    `with before as (select id, status from agent where id = ? for update)
     update agent a set status = ?
       from before where a.id = before.id
     returning a.id, a.name, a.email, a.team_id, a.skills, a.status, a.available,
               before.status as previous`,
    [options.agentId, options.status],
  );
  const row = rows[0];
  if (row === undefined) return null;
  return { agent: toView(row), previous: row.previous as AgentStatus };
}

// The new status is already saved, so a dispatch failure must not fail the request; the
// waiting tickets are offered again at the agent's or a colleague's next change.
async function offerWaitingTickets(deps: AgentRouteDeps, agentId: number, log: Logger) {
  try {
    await assignWaitingTickets({ ...deps, log, agentId });
  } catch (error) {
    log.warn({ agentId, err: error }, 'waiting tickets not offered; they wait for the next change');
  }
}

function toView(row: Record<string, unknown>): AgentStatusView {
  return {
    id: Number(row.id),
    name: String(row.name),
    email: String(row.email),
    teamId: row.team_id === null ? null : Number(row.team_id),
    skills: row.skills as string[],
    available: Boolean(row.available),
    status: row.status as AgentStatus,
  };
}
