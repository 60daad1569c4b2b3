// The weekly triage mail as a workflow, started by the Temporal Schedule `weekly-triage-mail`
// (reports/triage-schedule.ts). It only names the run's week and calls one activity: composing
// and enqueueing the mail are side effects, and the outbox sends it with its own retries.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { WeeklyTriageActivities } from '../../reports/triage-schedule.ts';

const activities = proxyActivities<WeeklyTriageActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 5, initialInterval: '10 seconds' },
});

/** Enqueues this week's triage mail to leads once per scheduled run; never touches a ticket. */
export async function weeklyTriageMailWorkflow(): Promise<void> {
  // The run's start time is recorded in history, so a replay or an activity retry uses the
  // same instant and the same dedupe key: one mail per scheduled run.
  const asOf = workflowInfo().runStartTime.toISOString();
  await activities.sendWeeklyTriageMail({ asOf, dedupeKey: `weekly-triage:${asOf.slice(0, 13)}` });
}
