// reports: what keeps the dashboard's freshness check and backlog cheap on a large history.
// - report_dirty: the tickets whose report facts must be derived again. A trigger on ticket
//   marks a ticket whenever it is inserted or its row moves (the projection bumps its version,
//   moves its team, queue, owner, status…), and a change of a team's calendar marks the team's
//   tickets; reports/facts.ts re-derives exactly those, instead of joining every ticket with
//   report_fact_state before each report. `marked` changes at every mark, so a refresh only
//   clears the marks it has read and a ticket touched meanwhile stays dirty.
// - report_fact_state gains an index over (calendar, revision, definitions), so the few
//   distinct combinations in it are read with a handful of index probes: a calendar laid out
//   again or a definitions change is seen without reading every ticket.
// - ticket_open_created_idx and ticket_updated_idx: the backlog metrics read the tickets open
//   now, by creation, and those touched since the instant counted, without reading them all.
import { Migration } from '@mikro-orm/migrations';

export class ReportDirtyTickets extends Migration {
  override up(): void {
    this.addSql(`
      create sequence report_dirty_mark_seq;
      create table report_dirty (
        ticket_id bigint primary key,
        marked bigint not null default nextval('report_dirty_mark_seq')
      );

      create function report_mark_ticket_dirty() returns trigger language plpgsql as $$
      begin
        insert into report_dirty (ticket_id) values (new.id)
        on conflict (ticket_id) do update set marked = nextval('report_dirty_mark_seq');
        return null;
      end $$;
      create trigger ticket_report_dirty after insert or update on ticket
        for each row execute function report_mark_ticket_dirty();

      create function report_mark_team_dirty() returns trigger language plpgsql as $$
      begin
        insert into report_dirty (ticket_id) select t.id from ticket t where t.team_id = new.id
        on conflict (ticket_id) do update set marked = nextval('report_dirty_mark_seq');
        return null;
      end $$;
      create trigger team_report_dirty after update of calendar_id on team
        for each row when (old.calendar_id is distinct from new.calendar_id)
        execute function report_mark_team_dirty();

      -- Tickets whose facts are missing or older than the ticket, as the full check found them.
      insert into report_dirty (ticket_id)
      select t.id from ticket t left join report_fact_state f on f.ticket_id = t.id
       where f.ticket_id is null or f.version <> t.version;

      create index report_fact_state_derived_with_idx on report_fact_state
        ((coalesce(calendar_id, -1)), (coalesce(calendar_revision, -1)), definitions_version);

      create index ticket_open_created_idx on ticket (created_at)
        where status not in ('resolved', 'closed');
      create index ticket_updated_idx on ticket (updated_at);
    `);
  }

  override down(): void {
    this.addSql(`
      drop index ticket_updated_idx, ticket_open_created_idx, report_fact_state_derived_with_idx;
      drop trigger team_report_dirty on team;
      drop trigger ticket_report_dirty on ticket;
      drop function report_mark_team_dirty(), report_mark_ticket_dirty();
      drop table report_dirty;
      drop sequence report_dirty_mark_seq;
    `);
  }
}
