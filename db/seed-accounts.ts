// Sign-in accounts for the demo workgroup: every agent without an account gets one with the
// demo password (CASEWORK_DEMO_PASSWORD, default `casework-demo`) and the roles below, so
// `npm start` and the tests can sign in as any seeded agent. Agents that already have an
// account keep it, so a changed password survives restarts.
import type { Logger } from 'pino';
import { hashPassword } from '../api/auth/passwords.ts';
import type { Role } from '../api/auth/roles.ts';
import { openOrm } from './orm.ts';

/** The password every seeded account is given; printed by `npm start`. */
export function demoPassword(env: NodeJS.ProcessEnv = process.env): string {
  return env.CASEWORK_DEMO_PASSWORD || 'casework-demo';
}

// Alice leads Support and administers the workspace, Dave leads Billing, Erin also audits.
// Every seeded person works tickets, so each holds the agent role too.
const demoRoles: Record<string, Role[]> = {
  'alice@casework.example': ['agent', 'lead', 'admin'],
  'dave@casework.example': ['agent', 'lead'],
  'erin@casework.example': ['agent', 'auditor'],
};

/** Gives every agent without an account one with the demo password; leaves others alone. */
export async function seedAgentAccounts(options: {
  databaseUrl: string;
  log: Logger;
  password?: string;
}): Promise<void> {
  const orm = await openOrm({ databaseUrl: options.databaseUrl, poolMax: 2 });
  try {
    const em = orm.em.fork();
    const missing: { id: number; email: string }[] = await em.execute(
      `select a.id, a.email from agent a
        where not exists (select 1 from agent_account c where c.agent_id = a.id)`,
    );
    if (missing.length === 0) return;

    // One hash for all: the demo password is public anyway, and argon2 is slow on purpose.
    const hash = await hashPassword(options.password ?? demoPassword());
    for (const agent of missing) {
      await em.execute(
        `insert into agent_account (agent_id, password_hash, roles) values (?, ?, ?)
         on conflict (agent_id) do nothing`,
        [agent.id, hash, `{${(demoRoles[agent.email] ?? ['agent']).join(',')}}`],
      );
    }
    options.log.info({ accounts: missing.length }, 'demo sign-in accounts seeded');
  } finally {
    await orm.close();
  }
}
