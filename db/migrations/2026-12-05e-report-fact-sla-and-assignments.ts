// Report facts gain SLA verdicts (one per target decided: met, or missed at its breach) and
// assignments, so a year of them is read by period like the other facts (reports/facts.ts).
// Facts already stored stay valid: the kinds are only widened.
import { Migration } from '@mikro-orm/migrations';

export class ReportFactSlaAndAssignments extends Migration {
  override up(): void {
    this.addSql(`
      alter table report_fact drop constraint report_fact_kind_check;
      alter table report_fact add constraint report_fact_kind_check check (kind in (
        'first_response', 'next_response', 'resolution', 'resolved', 'reassignment',
        'sla_first_response', 'sla_next_response', 'sla_resolution', 'assigned'));
      -- Tickets derived before these kinds existed are derived again at the next report.
      delete from report_fact_state;
    `);
  }

  override down(): void {
    this.addSql(`
      delete from report_fact where kind in
        ('sla_first_response', 'sla_next_response', 'sla_resolution', 'assigned');
      alter table report_fact drop constraint report_fact_kind_check;
      alter table report_fact add constraint report_fact_kind_check check (kind in (
        'first_response', 'next_response', 'resolution', 'resolved', 'reassignment'));
    `);
  }
}
