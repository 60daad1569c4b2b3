// Sign-in and presence for the agent workspace. An agent gains an account (an argon2id
// password hash and the roles it holds), signed-in browsers hold a session row, and the
// UNLOGGED `ticket_presence` table keeps who is viewing or typing on a ticket: it is
// rewritten every few seconds and worthless after a crash, so it skips the WAL.
// Read and written by api/sessions.ts and api/presence.ts; tests in tests/api/.
import { Migration } from '@mikro-orm/migrations';

export class AgentAccountsAndPresence extends Migration {
  override up(): void {
    this.addSql(`
      create table agent_account (
        agent_id integer primary key references agent(id) on delete cascade,
        password_hash text not null,
        roles text[] not null default '{agent}'
          check (roles <@ array['agent', 'lead', 'auditor', 'admin']::text[]
                 and cardinality(roles) > 0),
        created timestamptz not null default now()
      );

      create table agent_session (
        id text primary key,
        agent_id integer not null references agent(id) on delete cascade,
        csrf_token text not null,
        created timestamptz not null default now(),
        expires timestamptz not null,
        last_seen timestamptz not null default now()
      );
      create index agent_session_expires_idx on agent_session (expires);

      create unlogged table ticket_presence (
        ticket_id integer not null,
        agent_id integer not null,
        state text not null check (state in ('viewing', 'typing-reply', 'typing-note')),
        seen_at timestamptz not null default now(),
        primary key (ticket_id, agent_id)
      );
      create index ticket_presence_seen_idx on ticket_presence (seen_at);
    `);
  }

  override down(): void {
    this.addSql(`
      drop table ticket_presence;
      drop table agent_session;
      drop table agent_account;
    `);
  }
}
