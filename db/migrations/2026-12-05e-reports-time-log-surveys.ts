// What the reports need beside the ticket read model (reports/metrics.ts reads them all):
// - business_window: every opening window of every business calendar as absolute instants,
//   with the business time before it, so SQL turns an instant into "business ms since the
//   calendar's epoch" with one index look-up (business_ms_at); built from the same pure
//   business-time module the workflow counts SLA timers with, and rebuilt when a calendar's
//   revision moves (reports/business-windows.ts);
// - time_log: agents' append-only handle time per ticket (a correction is a new row);
// - survey: CSAT and NPS surveys with an unguessable token, the latest answer kept on the row
//   and every answer kept in survey_answer;
// - report_snapshot: stored recomputations of a period, so a fix shows what it changed;
// - indexes that let the dashboard's queries read ticket_event by kind and instant.
import { Migration } from '@mikro-orm/migrations';

export class ReportsTimeLogSurveys extends Migration {
  override up(): void {
    this.addSql(`
      create table business_window (
        calendar_id integer not null references business_calendar(id) on delete cascade,
        calendar_revision integer not null,
        starts_at timestamptz not null,
        ends_at timestamptz not null,
        ms_before double precision not null,
        primary key (calendar_id, starts_at)
      );

      -- Business ms the calendar had been open before t (0 before its first window).
      create function business_ms_at(cal integer, t timestamptz) returns double precision
      language sql stable parallel safe as $$
        select coalesce((
          select w.ms_before
                 + greatest(0, extract(epoch from (least(t, w.ends_at) - w.starts_at)) * 1000)
            from business_window w
           where w.calendar_id = cal and w.starts_at <= t
           order by w.starts_at desc
           limit 1), 0)
      $$;

      -- Business ms between two instants in a calendar; calendar time when there is none (24x7).
      create function business_ms_between(cal integer, a timestamptz, b timestamptz)
      returns double precision language sql stable parallel safe as $$
        select case
          when a is null or b is null then null
          when cal is null then extract(epoch from (b - a)) * 1000
          else business_ms_at(cal, b) - business_ms_at(cal, a)
        end
      $$;

      create table time_log (
        id bigserial primary key,
        ticket_id bigint not null,
        agent_id integer not null references agent(id),
        minutes numeric(10, 2) not null check (minutes <> 0),
        started_at timestamptz,
        ended_at timestamptz,
        note text,
        corrects_id bigint references time_log(id),
        idempotency_key text unique,
        created_at timestamptz not null default now(),
        check (ended_at is null or started_at is null or ended_at > started_at)
      );
      create index time_log_ticket_idx on time_log (ticket_id, created_at);
      create index time_log_agent_idx on time_log (agent_id, created_at);

      create table survey (
        id bigserial primary key,
        token text not null unique,
        kind text not null check (kind in ('csat', 'nps')),
        ticket_id bigint,
        requester_id integer not null references requester(id),
        agent_id integer references agent(id),
        team_id integer references team(id),
        resolution_seq integer,
        channel text,
        sent_at timestamptz not null default now(),
        rating text check (rating in ('good', 'neutral', 'bad')),
        score integer check (score between 0 and 10),
        comment text,
        answered_at timestamptz,
        unique (ticket_id, resolution_seq)
      );
      create index survey_answered_idx on survey (kind, answered_at) where answered_at is not null;
      create index survey_requester_idx on survey (requester_id, kind, sent_at);

      create table survey_answer (
        id bigserial primary key,
        survey_id bigint not null references survey(id),
        rating text,
        score integer,
        comment text,
        answered_at timestamptz not null default now()
      );

      create table report_snapshot (
        id bigserial primary key,
        definitions_version text not null,
        period_from timestamptz not null,
        period_to timestamptz not null,
        filters jsonb not null default '{}',
        metrics jsonb not null,
        reason text,
        created_at timestamptz not null default now()
      );
      create index report_snapshot_period_idx on report_snapshot (period_from, period_to, created_at);

      create index ticket_event_kind_at_idx on ticket_event (kind, at) include (ticket_id, seq);
      create index ticket_event_ticket_kind_idx on ticket_event (ticket_id, kind, at);
      create index ticket_created_idx on ticket (created_at);
    `);
  }

  override down(): void {
    this.addSql(`
      drop index ticket_created_idx, ticket_event_ticket_kind_idx, ticket_event_kind_at_idx;
      drop table report_snapshot, survey_answer, survey, time_log;
      drop function business_ms_between(integer, timestamptz, timestamptz);
      drop function business_ms_at(integer, timestamptz);
      drop table business_window;
    `);
  }
}
