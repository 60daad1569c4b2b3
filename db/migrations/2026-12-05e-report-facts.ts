// The reports' per-ticket facts, so the dashboard never re-derives a year of history per
// request: for each ticket, its first response, each next response, its final resolution
// (with business and calendar durations), each resolution (reopened after or not) and its
// reassignment chain, as reports/facts.ts derives them from ticket_event.
// report_fact_state records which ticket version, calendar revision and definitions version
// each ticket's facts were derived with, so a report re-derives exactly the stale ones.
import { Migration } from '@mikro-orm/migrations';

export class ReportFacts extends Migration {
  override up(): void {
    this.addSql(`
      create table report_fact (
        ticket_id bigint not null,
        kind text not null
          check (kind in ('first_response', 'next_response', 'resolution', 'resolved', 'reassignment')),
        nth integer not null,
        agent_id integer,
        team_id integer,
        queue_id integer,
        channel text,
        priority text,
        at timestamptz not null,
        business_ms double precision,
        calendar_ms double precision,
        value double precision,
        outcome boolean,
        note text,
        primary key (ticket_id, kind, nth)
      );
      create index report_fact_kind_at_idx on report_fact (kind, at);

      create table report_fact_state (
        ticket_id bigint primary key,
        version integer not null,
        calendar_id integer,
        calendar_revision integer,
        definitions_version text not null
      );
    `);
  }

  override down(): void {
    this.addSql('drop table report_fact_state, report_fact;');
  }
}
