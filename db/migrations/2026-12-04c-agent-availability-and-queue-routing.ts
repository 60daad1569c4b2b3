// Agent availability and per-queue routing. An agent's `status` (online, away, offline)
// replaces the `available` flag as the fact that decides assignment, and `roster_order`
// breaks round-robin ties. A queue chooses its assignment strategy, may ask for
// reassignment when the owner stays silent, and may opt in to moving an offline agent's
// open tickets. Tests: tests/routing/agents-api.test.ts.
import { Migration } from '@mikro-orm/migrations';

export class AgentAvailabilityAndQueueRouting extends Migration {
  override up(): void {
    this.addSql(`
      alter table agent
        add column status text not null default 'online'
          check (status in ('online', 'away', 'offline')),
        add column roster_order integer not null default 0;

      update agent set status = case when available then 'online' else 'offline' end;

      update agent a set roster_order = ranked.place
        from (select id, row_number() over (partition by team_id order by id) as place
                from agent) ranked
       where ranked.id = a.id;

      alter table queue
        add column assignment_strategy text not null default 'least_open'
          check (assignment_strategy in ('round_robin', 'least_open')),
        add column reassign_after_minutes integer check (reassign_after_minutes > 0),
        add column move_open_tickets_when_offline boolean not null default false;

      create index ticket_unassigned_idx on ticket (created_at, id)
        where assignee_id is null and status not in ('resolved', 'closed');
    `);

    // Older readers and writers still use "available" (the directory list, the bench).
    // The trigger keeps the two columns telling one fact: a write to either one moves the
    // other, and "available" is true exactly when the agent is online.
    this.addSql(`
      create function agent_keep_available_in_step() returns trigger
      language plpgsql as $$
      begin
        if tg_op = 'UPDATE' and new.available is distinct from old.available
           and new.status is not distinct from old.status then
          new.status := case when new.available then 'online' else 'offline' end;
        elsif tg_op = 'INSERT' and not new.available and new.status = 'online' then
          new.status := 'offline';
        end if;
        new.available := new.status = 'online';
        return new;
      end
      $$;

      create trigger agent_keep_available_in_step
        before insert or update on agent
        for each row execute function agent_keep_available_in_step();
    `);
  }

  override down(): void {
    this.addSql(`
      drop trigger agent_keep_available_in_step on agent;
      drop function agent_keep_available_in_step();
      drop index ticket_unassigned_idx;
      alter table queue
        drop column assignment_strategy,
        drop column reassign_after_minutes,
        drop column move_open_tickets_when_offline;
      alter table agent drop column status, drop column roster_order;
    `);
  }
}
