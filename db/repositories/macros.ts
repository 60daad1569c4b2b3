// Macros as leads manage them: text with placeholders plus actions (status, priority, tags,
// assignment), per team or for everyone. Every write queues a KB index job for the macro in the
// same transaction (search/kb-indexer.ts writes or removes its document), so the macro picker's
// search catches up even when Meilisearch is down. Tests: tests/api/collab-macros.test.ts.
import type { MacroActionsView, MacroView } from '../../api/contract.ts';
import { enqueueIndexJob } from './knowledge-base.ts';
import type { EntityManager } from '../orm.ts';

type Row = Record<string, unknown>;

/** What a lead writes: everything a macro holds but its id and clock. */
export interface MacroInput {
  title: string;
  body: string;
  tags: string[];
  language: string;
  teamId: number | null;
  actions: MacroActionsView;
}

const columns = 'id, title, body, tags, language, team_id, actions, updated_at';

/**
 * Macros in title order, or those with these ids in the given order; `like` matches title or
 * body, `teamId` keeps the team's macros and those for everyone.
 */
export async function listMacros(
  em: EntityManager,
  options: { ids?: number[]; like?: string; teamId?: number; limit: number },
): Promise<MacroView[]> {
  if (options.ids !== undefined) {
    if (options.ids.length === 0) return [];
    const rows: Row[] = await em.execute(
      `select ${columns} from macro where id in (${options.ids.map(() => '?').join(', ')})`,
      options.ids,
    );
    const byId = new Map(rows.map((r) => [Number(r.id), toView(r)]));
    const teamId = options.teamId;
    return options.ids
      .flatMap((id) => byId.get(id) ?? [])
      .filter((m) => teamId === undefined || m.teamId === null || m.teamId === teamId);
  }
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (options.like !== undefined) {
    const pattern = `%${options.like.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    clauses.push('(title ilike ? or body ilike ?)');
    params.push(pattern, pattern);
  }
  if (options.teamId !== undefined) {
    clauses.push('(team_id = ? or team_id is null)');
    params.push(options.teamId);
  }
  const where = clauses.length === 0 ? '' : `where ${clauses.join(' and ')}`;
  const rows: Row[] = await em.execute(
    `select ${columns} from macro ${where} order by lower(title), id limit ?`,
    [...params, options.limit],
  );
  return rows.map(toView);
}

/** One macro, or null when there is none with this id. */
export async function findMacro(em: EntityManager, id: number): Promise<MacroView | null> {
  const rows: Row[] = await em.execute(`select ${columns} from macro where id = ?`, [id]);
  return rows[0] === undefined ? null : toView(rows[0]);
}

/** Creates a macro and queues it for the macro index. */
export async function insertMacro(
  em: EntityManager,
  macro: MacroInput & { createdByAgentId: number },
): Promise<number> {
  const connection = em.getConnection();
  return connection.transactional(async (trx) => {
    const [row] = await connection.execute<{ id: number }[]>(
      `insert into macro (title, body, tags, language, team_id, actions, created_by_agent_id)
       values (?, ?, ?::jsonb, ?, ?, ?::jsonb, ?) returning id`,
      [...params(macro), macro.createdByAgentId],
      'all',
      trx,
    );
    await enqueueIndexJob(connection, trx, 'macro', row!.id);
    return row!.id;
  });
}

/** Replaces a macro's content and actions and re-queues it; false when there is no such macro. */
export async function updateMacro(
  em: EntityManager,
  id: number,
  macro: MacroInput,
): Promise<boolean> {
  const connection = em.getConnection();
  return connection.transactional(async (trx) => {
    const rows = await connection.execute<Row[]>(
      `update macro set title = ?, body = ?, tags = ?::jsonb, language = ?, team_id = ?,
          actions = ?::jsonb, updated_at = now()
        where id = ? returning id`,
      [...params(macro), id],
      'all',
      trx,
    );
    if (rows.length === 0) return false;
    await enqueueIndexJob(connection, trx, 'macro', id);
    return true;
  });
}

/** Deletes a macro and queues the removal of its document; false when there is no such macro. */
export async function deleteMacro(em: EntityManager, id: number): Promise<boolean> {
  const connection = em.getConnection();
  return connection.transactional(async (trx) => {
    const rows = await connection.execute<Row[]>(
      'delete from macro where id = ? returning id',
      [id],
      'all',
      trx,
    );
    if (rows.length === 0) return false;
    await enqueueIndexJob(connection, trx, 'macro', id);
    return true;
  });
}

function params(macro: MacroInput): unknown[] {
  return [
    macro.title,
    macro.body,
    JSON.stringify(macro.tags),
    macro.language,
    macro.teamId,
    JSON.stringify(macro.actions),
  ];
}

function toView(r: Row): MacroView {
  return {
    id: Number(r.id),
    title: String(r.title),
    body: String(r.body),
    tags: (r.tags ?? []) as string[],
    language: String(r.language),
    teamId: r.team_id === null ? null : Number(r.team_id),
    actions: (r.actions ?? {}) as MacroActionsView,
    updatedAt: new Date(r.updated_at as string).toISOString(),
  };
}
