// Agents' public replies on social tickets are posted back into the platform's conversation,
// like acknowledgements: the platform's address is for every post (post_url), each post
// remembers the message it carries, and the relay finds recent social replies through a
// partial index instead of reading every message.
import { Migration } from '@mikro-orm/migrations';

export class SocialPostsForReplies extends Migration {
  override up(): void {
    this.addSql(`
      alter table social_platform rename column acknowledgement_url to post_url;
      alter table social_post add column message_id bigint;
      alter table social_post add column updated_at timestamptz not null default now();
      create index social_post_recorded_idx on social_post (created_at) where status = 'recorded';
      create index message_social_reply_idx on message (created_at)
        where kind = 'public_reply' and channel = 'social';
    `);
  }

  override down(): void {
    this.addSql(`
      drop index message_social_reply_idx;
      drop index social_post_recorded_idx;
      alter table social_post drop column updated_at;
      alter table social_post drop column message_id;
      alter table social_platform rename column post_url to acknowledgement_url;
    `);
  }
}
