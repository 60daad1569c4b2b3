// Sign-in accounts and sessions in PostgreSQL (tables from migration
// 2026-12-04e-agent-accounts-and-presence). The browser holds a random token; the table
// keeps only its SHA-256, so a leaked copy of the table opens no session. Sessions live
// twelve hours from sign-in; signing out deletes the row.
import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '../../db/orm.ts';
import type { Role } from './roles.ts';

export const sessionLifetimeMs = 12 * 60 * 60 * 1000;

// last_seen is for "who is signed in" reports; a minute of precision spares a write per request.
const touchAfterMs = 60_000;

/** The signed-in agent a request acts as, with its session's CSRF token. */
export interface SignedInAgent {
  id: number;
  name: string;
  email: string;
  roles: Role[];
  sessionId: string;
  csrfToken: string;
}

export interface Account {
  agentId: number;
  passwordHash: string;
}

/** The account of the agent with this email (case-insensitive), or null. */
export async function findAccountByEmail(
  em: EntityManager,
  email: string,
): Promise<Account | null> {
  const rows: { agent_id: number; password_hash: string }[] = await em.execute(
    `select c.agent_id, c.password_hash from agent_account c join agent a on a.id = c.agent_id
      where lower(a.email) = lower(?)`,
    [email],
  );
  const row = rows[0];
  return row ? { agentId: row.agent_id, passwordHash: row.password_hash } : null;
}

/** Opens a session for the agent; answers the token for the cookie. */
export async function createSession(em: EntityManager, agentId: number): Promise<string> {
  const token = randomBytes(32).toString('hex');
  await em.execute(
    `insert into agent_session (id, agent_id, csrf_token, expires) values (?, ?, ?, ?)`,
    [
      digest(token),
      agentId,
      randomBytes(32).toString('hex'),
      new Date(Date.now() + sessionLifetimeMs),
    ],
  );
  return token;
}

/** The agent of an unexpired session, or null; never extends the session. */
export async function findSession(em: EntityManager, token: string): Promise<SignedInAgent | null> {
  const rows: Record<string, unknown>[] = await em.execute(
    `select s.id, s.csrf_token, s.last_seen, a.id as agent_id, a.name, a.email, c.roles
       from agent_session s
       join agent a on a.id = s.agent_id
       join agent_account c on c.agent_id = s.agent_id
      where s.id = ? and s.expires > now()`,
    [digest(token)],
  );
  const row = rows[0];
  if (row === undefined) return null;

  if (Date.now() - new Date(row.last_seen as string).getTime() > touchAfterMs) {
    await em.execute('update agent_session set last_seen = now() where id = ?', [row.id]);
  }
  return {
    id: Number(row.agent_id),
    name: String(row.name),
    email: String(row.email),
    roles: parseRoles(row.roles),
    sessionId: String(row.id),
    csrfToken: String(row.csrf_token),
  };
}

/** Ends the session; expired sessions of anyone are swept at the same time. */
export async function deleteSession(em: EntityManager, sessionId: string): Promise<void> {
  await em.execute('delete from agent_session where id = ? or expires < now()', [sessionId]);
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

// The pg driver answers text[] as an array, but a raw "{a,b}" string when the type is unknown.
function parseRoles(value: unknown): Role[] {
  if (Array.isArray(value)) return value as Role[];
  return String(value).replace(/[{}]/g, '').split(',').filter(Boolean) as Role[];
}
