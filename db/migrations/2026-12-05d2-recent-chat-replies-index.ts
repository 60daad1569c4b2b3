// Lets the chat away-mailer find agents' recent public replies on chat tickets without reading
// every message: a partial index on exactly the rows it looks for.
import { Migration } from '@mikro-orm/migrations';

export class RecentChatRepliesIndex extends Migration {
  override up(): void {
    this.addSql(`
      create index message_chat_reply_idx on message (created_at)
        where kind = 'public_reply' and channel = 'chat';
    `);
  }

  override down(): void {
    this.addSql('drop index message_chat_reply_idx;');
  }
}
