// The first schema: the workgroup (teams, queues, agents, calendars, SLA policies), the
// content of tickets (requesters, messages, attachments), the read model the workflow
// projects into (ticket, ticket_event), and the intake and indexing bookkeeping that
// make intake exactly-once and search catch up after an outage.
import { Migration } from '@mikro-orm/migrations';

export class CreateWorkgroupAndTicketTables extends Migration {
  override up(): void {
    this.addSql(`
      create table business_calendar (
        id serial primary key,
        name text not null unique,
        time_zone text not null,
        weekly jsonb not null,
        holidays jsonb not null default '[]'
      );

      create table sla_policy (
        id serial primary key,
        name text not null unique,
        first_response_minutes jsonb not null,
        resolution_minutes jsonb not null,
        follow_up_after_minutes integer not null,
        auto_close_after_minutes integer not null
      );

      create table team (
        id serial primary key,
        name text not null unique,
        calendar_id integer references business_calendar(id),
        lead_agent_id integer
      );

      create table agent (
        id serial primary key,
        name text not null,
        email text not null unique,
        team_id integer references team(id),
        skills jsonb not null default '[]',
        available boolean not null default true,
        capacity integer not null default 25,
        last_assigned_at timestamptz
      );

      alter table team add constraint team_lead_agent_fk
        foreign key (lead_agent_id) references agent(id);

      create table queue (
        id serial primary key,
        key text not null unique,
        name text not null,
        team_id integer not null references team(id),
        skill text not null,
        sla_policy_id integer not null references sla_policy(id)
      );

      create table requester (
        id serial primary key,
        name text,
        email text,
        created_at timestamptz not null default now()
      );

      create table requester_identity (
        id serial primary key,
        requester_id integer not null references requester(id),
        channel text not null,
        address text not null,
        unique (channel, address)
      );

      create sequence ticket_number_seq start with 1001;

      create table ticket (
        id bigint primary key,
        subject text not null,
        status text not null,
        priority text not null,
        channel text not null,
        queue_id integer references queue(id),
        team_id integer references team(id),
        assignee_id integer references agent(id),
        requester_id integer not null references requester(id),
        mailbox text,
        tags jsonb not null default '[]',
        first_response_due_at timestamptz,
        first_responded_at timestamptz,
        resolved_at timestamptz,
        breached boolean not null default false,
        escalation_level integer not null default 0,
        reassignment_count integer not null default 0,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        last_activity_at timestamptz not null,
        version integer not null
      );
      create index ticket_status_idx on ticket (status, updated_at desc);
      create index ticket_queue_idx on ticket (queue_id, status);
      create index ticket_assignee_idx on ticket (assignee_id, status);
      create index ticket_sla_due_idx on ticket (first_response_due_at) where first_responded_at is null;
      create index ticket_requester_idx on ticket (requester_id);

      create table ticket_event (
        id bigserial primary key,
        ticket_id bigint not null,
        seq integer not null,
        kind text not null,
        at timestamptz not null,
        actor text,
        detail jsonb not null default '{}',
        unique (ticket_id, seq)
      );

      create table message (
        id bigserial primary key,
        ticket_id bigint not null,
        kind text not null,
        channel text not null,
        author_kind text not null,
        requester_id integer references requester(id),
        agent_id integer references agent(id),
        subject text,
        text text not null,
        html text,
        mailbox text,
        message_id_header text,
        in_reply_to jsonb not null default '[]',
        "references" jsonb not null default '[]',
        raw_blob_key text,
        body_hash text,
        automated_reason text,
        idempotency_key text not null unique,
        created_at timestamptz not null
      );
      create index message_ticket_idx on message (ticket_id, created_at);
      create index message_header_idx on message (message_id_header);

      create table attachment (
        id bigserial primary key,
        message_id bigint not null references message(id),
        filename text not null,
        content_type text not null,
        size integer not null,
        content_id text,
        inline boolean not null default false,
        blob_key text not null,
        sha256 text not null
      );
      create index attachment_message_idx on attachment (message_id);

      create table intake_request (
        key text primary key,
        ticket_id bigint not null,
        message_id bigint not null,
        created_ticket boolean not null,
        created_at timestamptz not null default now()
      );

      create table rejected_input (
        id bigserial primary key,
        source text not null,
        raw_blob_key text,
        reason text not null,
        created_at timestamptz not null default now()
      );

      create table notification (
        id bigserial primary key,
        agent_id integer not null references agent(id),
        ticket_id bigint not null,
        kind text not null,
        text text not null,
        idempotency_key text not null unique,
        created_at timestamptz not null default now(),
        read_at timestamptz
      );
      create index notification_agent_idx on notification (agent_id, read_at);

      create table search_index_job (
        id bigserial primary key,
        ticket_id bigint not null,
        enqueued_at timestamptz not null default now()
      );
    `);
  }

  override down(): void {
    this.addSql(`
      drop table search_index_job, notification, rejected_input, intake_request, attachment,
        message, ticket_event, ticket, requester_identity, requester, queue cascade;
      drop sequence ticket_number_seq;
      alter table team drop constraint team_lead_agent_fk;
      drop table agent, team, sla_policy, business_calendar cascade;
    `);
  }
}
