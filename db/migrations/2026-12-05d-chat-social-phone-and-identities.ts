// The other channels' bookkeeping: chat conversations (a hashed customer token, when the
// customer was last seen, which replies reached them live or by email), social platforms
// (their webhook secrets and where acknowledgements are posted back) and the conversation
// each platform thread maps to, logged phone calls, per-channel acknowledgement templates,
// a rate-limit ledger for public forms, and hand or automatic merges of requesters.
import { Migration } from '@mikro-orm/migrations';

export class ChatSocialPhoneAndIdentities extends Migration {
  override up(): void {
    this.addSql(`
      alter table requester add column merged_into_id integer references requester(id);

      create table requester_merge (
        id bigserial primary key,
        from_requester_id integer not null references requester(id),
        into_requester_id integer not null references requester(id),
        by_agent_id integer references agent(id),
        reason text not null,
        created_at timestamptz not null default now()
      );
      create index requester_merge_into_idx on requester_merge (into_requester_id);

      create table chat_conversation (
        id bigserial primary key,
        token_hash text not null unique,
        ticket_id bigint not null unique,
        requester_id integer not null references requester(id),
        name text not null,
        email text,
        created_at timestamptz not null default now(),
        last_seen_at timestamptz not null default now()
      );

      create table chat_delivery (
        message_id bigint primary key,
        ticket_id bigint not null,
        via text not null check (via in ('live', 'email')),
        created_at timestamptz not null default now()
      );

      create table social_platform (
        platform text primary key,
        secret text not null,
        acknowledgement_url text
      );

      create table social_thread (
        platform text not null,
        conversation_id text not null,
        ticket_id bigint not null,
        previous_ticket_id bigint,
        created_at timestamptz not null default now(),
        primary key (platform, conversation_id, ticket_id)
      );

      create table social_post (
        id bigserial primary key,
        platform text not null,
        conversation_id text not null,
        ticket_id bigint not null,
        text text not null,
        status text not null,
        detail text,
        dedupe_key text not null unique,
        created_at timestamptz not null default now()
      );

      create table phone_call (
        message_id bigint primary key,
        ticket_id bigint not null,
        direction text not null check (direction in ('in', 'out')),
        number text not null,
        duration_seconds integer not null,
        notes text not null,
        agent_id integer references agent(id),
        created_at timestamptz not null default now()
      );
      create index phone_call_ticket_idx on phone_call (ticket_id);

      create table acknowledgement_template (
        channel text primary key,
        subject text not null,
        body text not null,
        enabled boolean not null default true
      );
      insert into acknowledgement_template (channel, subject, body) values
        ('chat', 'We got your message',
         'Hi {{requester.name}}, thanks for writing. Your ticket number is {{ticket.number}}; an agent will answer here shortly.'),
        ('web', '[#{{ticket.number}}] We received your request',
         'Hi {{requester.name}},\n\nthanks for contacting us about "{{ticket.subject}}". Your ticket number is {{ticket.number}}; we will reply to this address.'),
        ('social', 'We got your message',
         'Thanks {{requester.name}}! Your ticket number is {{ticket.number}}; we will answer in this conversation.');

      create table acknowledgement_sent (
        ticket_id bigint primary key,
        channel text not null,
        sent_via text not null,
        created_at timestamptz not null default now()
      );

      create table public_request_hit (
        id bigserial primary key,
        bucket text not null,
        created_at timestamptz not null default now()
      );
      create index public_request_hit_bucket_idx on public_request_hit (bucket, created_at);
    `);
  }

  override down(): void {
    this.addSql(`
      drop table public_request_hit, acknowledgement_sent, acknowledgement_template, phone_call,
        social_post, social_thread, social_platform, chat_delivery, chat_conversation,
        requester_merge;
      alter table requester drop column merged_into_id;
    `);
  }
}
