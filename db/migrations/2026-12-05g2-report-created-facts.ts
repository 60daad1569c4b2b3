// reports: ticket creations become report facts too (kind 'created', one per `created` entry),
// so "tickets created" and the daily table read a period of them on the facts' (kind, at)
// index instead of joining a year of timeline entries with every ticket per request. Every
// ticket is marked dirty, so the next fact refresh derives its creation.
import { Migration } from '@mikro-orm/migrations';

export class ReportCreatedFacts extends Migration {
  override up(): void {
    this.addSql(`
      alter table report_fact drop constraint report_fact_kind_check;
      alter table report_fact add constraint report_fact_kind_check check (kind in (
        'first_response', 'next_response', 'resolution', 'resolved', 'reassignment',
        'sla_first_response', 'sla_next_response', 'sla_resolution', 'assigned', 'created'));
      insert into report_dirty (ticket_id) select id from ticket
      on conflict (ticket_id) do update set marked = nextval('report_dirty_mark_seq');
    `);
  }

  override down(): void {
    this.addSql(`
      delete from report_fact where kind = 'created';
      alter table report_fact drop constraint report_fact_kind_check;
      alter table report_fact add constraint report_fact_kind_check check (kind in (
        'first_response', 'next_response', 'resolution', 'resolved', 'reassignment',
        'sla_first_response', 'sla_next_response', 'sla_resolution', 'assigned'));
    `);
  }
}
