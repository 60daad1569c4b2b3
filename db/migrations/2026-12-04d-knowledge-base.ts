// The knowledge base: KB articles with every edit kept as a numbered version, macros, the
// links between KB articles and the tickets they helped, suggestion uses, the searches people
// ran (so leads see the ones that keep missing), and an outbox of index jobs that the KB
// indexer drains into Meilisearch. Tests: tests/kb/.
import { Migration } from '@mikro-orm/migrations';

export class KnowledgeBase extends Migration {
  override up(): void {
    this.addSql(`
      create table kb_article (
        id serial primary key,
        title text not null,
        body text not null,
        tags jsonb not null default '[]',
        language text not null check (language in ('en', 'de', 'fr', 'es', 'pt')),
        audience text not null check (audience in ('internal', 'public')),
        status text not null default 'draft' check (status in ('draft', 'published')),
        owner_agent_id integer references agent(id),
        team_id integer references team(id),
        review_by date,
        version integer not null default 1,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        published_at timestamptz
      );

      create index kb_article_review_by_idx on kb_article (review_by) where status = 'published';

      create table kb_article_version (
        article_id integer not null references kb_article(id) on delete cascade,
        version integer not null,
        title text not null,
        body text not null,
        tags jsonb not null,
        language text not null,
        audience text not null,
        status text not null,
        owner_agent_id integer,
        team_id integer,
        review_by date,
        edited_by_agent_id integer references agent(id),
        change text not null,
        created_at timestamptz not null default now(),
        primary key (article_id, version)
      );

      create table kb_ticket_link (
        article_id integer not null references kb_article(id) on delete cascade,
        ticket_id bigint not null,
        agent_id integer references agent(id),
        created_at timestamptz not null default now(),
        primary key (article_id, ticket_id)
      );

      create table kb_suggestion_use (
        id bigserial primary key,
        article_id integer not null references kb_article(id) on delete cascade,
        ticket_id bigint not null,
        agent_id integer references agent(id),
        rank integer not null,
        created_at timestamptz not null default now()
      );

      create table kb_search_log (
        id bigserial primary key,
        query text not null,
        normalised_query text not null,
        source text not null check (source in ('agent', 'help_center', 'suggestion')),
        language text,
        hit_count integer not null,
        created_at timestamptz not null default now()
      );

      create index kb_search_log_missing_idx on kb_search_log (created_at) where hit_count = 0;

      create table macro (
        id serial primary key,
        title text not null,
        body text not null,
        tags jsonb not null default '[]',
        language text not null,
        team_id integer references team(id),
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );

      create table kb_index_job (
        id bigserial primary key,
        kind text not null check (kind in ('article', 'macro')),
        ref_id integer not null,
        enqueued_at timestamptz not null default now()
      );
    `);
  }

  override down(): void {
    this.addSql(`
      drop table kb_index_job;
      drop table macro;
      drop table kb_search_log;
      drop table kb_suggestion_use;
      drop table kb_ticket_link;
      drop table kb_article_version;
      drop table kb_article;
    `);
  }
}
