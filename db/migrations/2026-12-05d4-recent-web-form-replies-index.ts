// Lets the contact-form reply mailer find agents' recent public replies on web tickets without
// reading every message: a partial index on exactly the rows it looks for.
import { Migration } from '@mikro-orm/migrations';

export class RecentWebFormRepliesIndex extends Migration {
  override up(): void {
    this.addSql(`
      create index message_web_reply_idx on message (created_at)
        where kind = 'public_reply' and channel = 'web';
    `);
  }

  override down(): void {
    this.addSql('drop index message_web_reply_idx;');
  }
}
