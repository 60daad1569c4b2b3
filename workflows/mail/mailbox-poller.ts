// The mailbox poller: one long-running workflow per mailbox (`mailbox-poller-<id>`), run by the
// mail process on its own task queue. Each round is one pollMailbox activity, which fetches the
// mailbox's new mail by UID and files it exactly once (activities/mail-activities.ts); the
// workflow only decides when to poll again: at once while mail is waiting, else after the
// interval. Because the position (last UID, UIDVALIDITY) lives in PostgreSQL and intake is
// idempotent, a worker killed mid-batch loses no mail and files none twice: Temporal retries
// the activity on another worker, which re-reads from the recorded position. The run continues
// as new when the server suggests it, carrying only its input. No patches yet.
// Tests: tests/channels/mail-imap-intake.test.ts.
import { continueAsNew, log, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { MailActivities } from '../../activities/mail-activities.ts';

/** The poller's input; one options object, so fields can be added without breaking runs. */
export interface MailboxPollerInput {
  mailboxId: number;
  /** Pause between polls when the mailbox had nothing more waiting. */
  pollIntervalMs: number;
  /** Mails per activity, so each poll is short and a retry repeats little. */
  batchSize: number;
  /** How long a poll may go without a heartbeat before it is retried elsewhere (default 60 s). */
  heartbeatTimeoutMs?: number;
}

/** The task queue of the mail process's worker. */
export const mailTaskQueue = 'casework-mail';

/** Workflow id of a mailbox's poller: a business key, so a mailbox never has two. */
export function mailboxPollerWorkflowId(mailboxId: number): string {
  return `mailbox-poller-${mailboxId}`;
}

/**
 * An IMAP server that refuses us (down, wrong password) is retried patiently: mail waits on
 * the server meanwhile, so nothing is lost, and the workflow stays to resume when it answers.
 * The heartbeat timeout is how soon a poll whose worker died is handed to another worker.
 */
function pollerActivities(input: MailboxPollerInput) {
  return proxyActivities<MailActivities>({
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: input.heartbeatTimeoutMs ?? 60_000,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
  });
}

// Bounds one run's history whatever the server suggests: two events per poll and a timer.
const maxPollsPerRun = 500;

/** Polls one mailbox for ever; never touches tickets itself, only through the activity. */
export async function mailboxPollerWorkflow(input: MailboxPollerInput): Promise<void> {
  const { pollMailbox } = pollerActivities(input);
  for (let poll = 0; poll < maxPollsPerRun; poll += 1) {
    const result = await pollMailbox({ mailboxId: input.mailboxId, batchSize: input.batchSize });
    if (result.mailboxGone) {
      log.info('mailbox removed; poller stopping', { mailboxId: input.mailboxId });
      return;
    }

    if (!result.hasMore) await sleep(input.pollIntervalMs);
    if (workflowInfo().continueAsNewSuggested) break;
  }
  await continueAsNew<typeof mailboxPollerWorkflow>(input);
}
