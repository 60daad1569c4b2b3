// Agents working together on tickets: custom field values and the ticket a merged ticket went
// into on the read model; who caused each in-app notification and an excerpt of it (mentions,
// handoffs); the actions a macro takes besides its text; and custom field definitions per team.
import { Migration } from '@mikro-orm/migrations';

export class TicketCollaboration extends Migration {
  override up(): void {
    this.addSql(`
      alter table ticket
        add column custom_fields jsonb not null default '{}',
        add column merged_into_ticket_id bigint;
      create index ticket_tags_idx on ticket using gin (tags jsonb_path_ops);
      create index ticket_merged_into_idx on ticket (merged_into_ticket_id)
        where merged_into_ticket_id is not null;

      alter table notification
        add column by_agent_id integer references agent(id),
        add column excerpt text;
      create index notification_agent_created_idx on notification (agent_id, created_at desc);

      alter table macro
        add column actions jsonb not null default '{}',
        add column created_by_agent_id integer references agent(id);

      create table custom_field_definition (
        id serial primary key,
        team_id integer not null references team(id) on delete cascade,
        key text not null,
        label text not null,
        type text not null check (type in ('text', 'number', 'select', 'date')),
        options jsonb not null default '[]',
        required boolean not null default false,
        position integer not null,
        unique (team_id, key)
      );
    `);
  }

  override down(): void {
    this.addSql(`
      drop table custom_field_definition;
      alter table macro drop column actions, drop column created_by_agent_id;
      drop index notification_agent_created_idx;
      alter table notification drop column by_agent_id, drop column excerpt;
      drop index ticket_merged_into_idx;
      drop index ticket_tags_idx;
      alter table ticket drop column custom_fields, drop column merged_into_ticket_id;
    `);
  }
}
