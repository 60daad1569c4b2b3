// Records when an agent inserts a suggested macro into a reply, beside the KB article uses,
// so deflection by canned replies can be reported as well as by articles.
import { Migration } from '@mikro-orm/migrations';

export class MacroSuggestionUse extends Migration {
  override up(): void {
    this.addSql(`
      create table macro_suggestion_use (
        id bigserial primary key,
        macro_id integer not null references macro(id) on delete cascade,
        ticket_id bigint not null,
        agent_id integer references agent(id),
        rank integer not null,
        created_at timestamptz not null default now()
      );
      create index macro_suggestion_use_ticket_idx on macro_suggestion_use (ticket_id);
    `);
  }

  override down(): void {
    this.addSql('drop table macro_suggestion_use;');
  }
}
