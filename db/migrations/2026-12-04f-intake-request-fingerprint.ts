// Remembers what each intake request carried (a SHA-256 of channel, sender, subject and
// text), so a retry with the same idempotency key but different content is refused instead
// of silently answered with the first request's ticket.
import { Migration } from '@mikro-orm/migrations';

export class IntakeRequestFingerprint extends Migration {
  override up(): void {
    this.addSql('alter table intake_request add column fingerprint text;');
  }

  override down(): void {
    this.addSql('alter table intake_request drop column fingerprint;');
  }
}
