// The queue page lists a view "SLA due first": by the earliest SLA target still running on
// each ticket. An index on that same expression (db/repositories/inbox-reads.ts, runningDue)
// lets PostgreSQL read the first 50 rows in order instead of sorting every open ticket.
import { Migration } from '@mikro-orm/migrations';

export class InboxSlaOrderIndex extends Migration {
  override up(): void {
    this.addSql(`
      create index ticket_running_sla_due_idx on ticket ((least(
        case when first_responded_at is null then first_response_due_at end,
        next_response_due_at, resolution_due_at)), id);
    `);
  }

  override down(): void {
    this.addSql('drop index ticket_running_sla_due_idx;');
  }
}
