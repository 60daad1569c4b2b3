// Business-time SLA policies: a policy gains a next-response target, a warning time, the
// statuses that pause its clocks and an escalation ladder, and counts a revision that rises
// with every edit (as calendars do), so timeline entries name exactly what a due instant was
// computed with. The ticket read model gains the next-response, resolution and promise due
// instants the workflow arms. Read by activities/ticket-activities.ts.
import { Migration } from '@mikro-orm/migrations';

export class BusinessTimeSlaPolicies extends Migration {
  override up(): void {
    this.addSql(`
      alter table sla_policy
        add column revision integer not null default 1,
        add column next_response_minutes jsonb,
        add column warn_before_minutes integer not null default 60
          check (warn_before_minutes >= 0),
        add column pause_statuses jsonb not null default '["pending", "on_hold"]',
        add column escalation_ladder jsonb not null default '[]';

      alter table business_calendar
        add column revision integer not null default 1;

      create function bump_revision() returns trigger language plpgsql as $$
      begin
        new.revision := old.revision + 1;
        return new;
      end $$;

      create trigger sla_policy_revision before update on sla_policy
        for each row execute function bump_revision();
      create trigger business_calendar_revision before update on business_calendar
        for each row execute function bump_revision();

      alter table ticket
        add column next_response_due_at timestamptz,
        add column resolution_due_at timestamptz,
        add column promise_due_at timestamptz;
    `);
  }

  override down(): void {
    this.addSql(`
      alter table ticket
        drop column next_response_due_at, drop column resolution_due_at,
        drop column promise_due_at;
      drop trigger business_calendar_revision on business_calendar;
      drop trigger sla_policy_revision on sla_policy;
      drop function bump_revision();
      alter table business_calendar drop column revision;
      alter table sla_policy
        drop column revision, drop column next_response_minutes, drop column warn_before_minutes,
        drop column pause_statuses, drop column escalation_ladder;
    `);
  }
}
