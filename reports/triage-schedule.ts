// When the weekly triage mail goes out: a Temporal Schedule (`weekly-triage-mail`, Monday 08:00
// in the leads' zone) starts weeklyTriageMailWorkflow, whose one activity is built here. A
// Schedule, not a cron loop in a process, so a missed run is visible in the Temporal UI and the
// mail never depends on which server happened to be up.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Logger } from 'pino';
import { OutboundMailError } from '../channels/email/outbound/outbox.ts';
import type { Orm } from '../db/orm.ts';
import type { Meili } from '../search/client.ts';
import { connectTemporalClient } from '../temporal/client.ts';
import { sendWeeklyTriageMail, type WeeklyTriageOutcome } from './triage-mail.ts';

export const weeklyTriageScheduleId = 'weekly-triage-mail';

/** The activity the weekly workflow calls; built per worker with its own ORM and search client. */
export interface WeeklyTriageActivities {
  /** Enqueues the triage mail as of `asOf` once per `dedupeKey`; never changes a ticket. */
  sendWeeklyTriageMail(input: { asOf: string; dedupeKey: string }): Promise<WeeklyTriageOutcome>;
}

/** Builds the weekly triage activity on the worker's ORM and Meilisearch client. */
export function createWeeklyTriageActivities(deps: {
  orm: Orm;
  meili: Meili;
  log: Logger;
  dashboardUrl?: string;
  /** The KB index to check knowledge gaps against; the live one by default. */
  kbIndexUid?: string;
}): WeeklyTriageActivities {
  return {
    sendWeeklyTriageMail: (input) =>
      sendWeeklyTriageMail({
        orm: deps.orm,
        meili: deps.meili,
        now: new Date(input.asOf),
        dedupeKey: input.dedupeKey,
        dashboardUrl: deps.dashboardUrl,
        kbIndexUid: deps.kbIndexUid,
        log: deps.log,
      }).catch(failForGood),
  };
}

// A mail that can never be sent as asked (no mailbox to send from) fails the run at once, with
// the reason in the Temporal UI, instead of retrying what retrying cannot fix.
function failForGood(error: unknown): never {
  if (error instanceof OutboundMailError) {
    throw ApplicationFailure.nonRetryable(error.message, 'OutboundMailError');
  }
  throw error;
}

/**
 * Creates the weekly schedule unless it exists; an existing one is left as a lead may have
 * paused or edited it in the Temporal UI. `timeZone` is the leads' IANA zone.
 */
export async function ensureWeeklyTriageSchedule(options: {
  client: Client;
  taskQueue: string;
  timeZone?: string;
  log: Logger;
}): Promise<void> {
  try {
    await options.client.schedule.create({
      scheduleId: weeklyTriageScheduleId,
      spec: {
        calendars: [{ dayOfWeek: 'MONDAY', hour: 8, minute: 0 }],
        timezone: options.timeZone ?? 'Europe/Berlin',
      },
      action: {
        type: 'startWorkflow',
        workflowType: 'weeklyTriageMailWorkflow',
        workflowId: 'weekly-triage-mail',
        taskQueue: options.taskQueue,
        args: [],
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    });
    options.log.info({ scheduleId: weeklyTriageScheduleId }, 'weekly triage schedule created');
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    options.log.debug({ scheduleId: weeklyTriageScheduleId }, 'weekly triage schedule exists');
  }
}

/** Connects, ensures the weekly schedule on the worker's task queue, and disconnects; for `npm start`. */
export async function scheduleWeeklyTriage(options: {
  temporalAddress: string;
  temporalNamespace: string;
  taskQueue: string;
  log: Logger;
}): Promise<void> {
  const handle = await connectTemporalClient({
    address: options.temporalAddress,
    namespace: options.temporalNamespace,
  });
  try {
    await ensureWeeklyTriageSchedule({
      client: handle.client,
      taskQueue: options.taskQueue,
      timeZone: process.env.CASEWORK_LEADS_TIME_ZONE,
      log: options.log,
    });
  } finally {
    await handle.close();
  }
}
