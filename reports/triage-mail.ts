// The weekly triage mail to leads: stuck tickets and knowledge gaps of the past week, composed
// as plain text and enqueued in the outbound mail outbox (channels/email/outbound/outbox.ts),
// which sends it with retries. A Temporal Schedule runs it weekly (reports/triage-schedule.ts,
// workflows/reports/weekly-triage-workflow.ts); POST /api/lead/triage/mail sends it now.
// The dedupe key names the week (or the manual request), so a retried activity mails once.
import type { Logger } from 'pino';
import { enqueueOutboundMail } from '../channels/email/outbound/outbox.ts';
import type { EntityManager, Orm } from '../db/orm.ts';
import type { Meili } from '../search/client.ts';
import {
  findKnowledgeGaps,
  findStuckTickets,
  type KnowledgeGapReport,
  type StuckTicketReport,
} from './triage.ts';

const dayMs = 86_400_000;
const listedStuck = 25;
const listedGaps = 10;

export interface WeeklyTriageMail {
  to: string[];
  subject: string;
  text: string;
}

export interface WeeklyTriageOutcome {
  recipients: number;
  stuckTickets: number;
  knowledgeGaps: number;
  outboundMailId: number | null;
  duplicate: boolean;
}

/**
 * Computes the week's triage as of `now` and enqueues one mail to every lead, keyed by
 * `dedupeKey`; sends nothing when no account holds the lead role.
 */
export async function sendWeeklyTriageMail(options: {
  orm: Orm;
  meili: Meili;
  now: Date;
  dedupeKey: string;
  dashboardUrl?: string;
  kbIndexUid?: string;
  log: Logger;
}): Promise<WeeklyTriageOutcome> {
  const em = options.orm.em.fork();
  const to = await leadAddresses(em);
  const stuck = await findStuckTickets({ em, now: options.now });
  const gaps = await findKnowledgeGaps({
    em,
    meili: options.meili,
    from: new Date(options.now.getTime() - 7 * dayMs),
    to: options.now,
    kbIndexUid: options.kbIndexUid,
    log: options.log,
  });
  const counts = { stuckTickets: stuck.tickets.length, knowledgeGaps: gaps.gaps.length };
  if (to.length === 0) {
    options.log.warn(counts, 'weekly triage mail not sent: no account holds the lead role');
    return { recipients: 0, ...counts, outboundMailId: null, duplicate: false };
  }

  const mail = composeWeeklyTriageMail({ to, stuck, gaps, dashboardUrl: options.dashboardUrl });
  const enqueued = await em.transactional((tx) =>
    enqueueOutboundMail(tx, {
      ticketId: null,
      kind: 'report',
      dedupeKey: options.dedupeKey,
      ...mail,
    }),
  );
  options.log.info(
    {
      ...counts,
      recipients: to.length,
      outboundMailId: enqueued.outboundMailId,
      duplicate: enqueued.duplicate,
    },
    'weekly triage mail enqueued',
  );
  return {
    recipients: to.length,
    ...counts,
    outboundMailId: enqueued.outboundMailId,
    duplicate: enqueued.duplicate,
  };
}

/** The addresses of every account with the lead role, in a stable order. */
export async function leadAddresses(em: EntityManager): Promise<string[]> {
  const rows: { email: string }[] = await em.execute(
    `select a.email from agent a join agent_account acc on acc.agent_id = a.id
      where 'lead' = any(acc.roles) order by a.email`,
  );
  return rows.map((row) => row.email);
}

/** The mail's subject and plain text; pure, so its wording is tested without a mail server. */
export function composeWeeklyTriageMail(options: {
  to: string[];
  stuck: StuckTicketReport;
  gaps: KnowledgeGapReport;
  dashboardUrl?: string;
}): WeeklyTriageMail {
  const { stuck, gaps } = options;
  const subject = `Weekly triage: ${plural(stuck.tickets.length, 'stuck ticket')}, ${plural(gaps.gaps.length, 'knowledge gap')}`;
  const lines = [
    `Weekly triage as of ${stuck.asOf.slice(0, 16).replace('T', ' ')} UTC.`,
    '',
    ...stuckSection(stuck),
    '',
    ...gapSection(gaps),
  ];
  if (options.dashboardUrl !== undefined) lines.push('', `Dashboard: ${options.dashboardUrl}`);
  return { to: options.to, subject, text: `${lines.join('\n')}\n` };
}

function stuckSection(stuck: StuckTicketReport): string[] {
  const head = `Stuck tickets (no action for ${stuck.stuckAfterBusinessHours} business hours, or past an SLA target): ${stuck.tickets.length}`;
  if (stuck.tickets.length === 0) return [head, '  None.'];
  const rows = stuck.tickets.slice(0, listedStuck).map((t) => {
    const owner = t.assignee?.name ?? 'unassigned';
    const why = t.reasons.map((r) => reasonText[r]).join(', ');
    return `  #${t.id} ${t.subject} — ${owner}, ${t.queue?.name ?? 'no queue'}; idle ${t.idleBusinessHours} business h; ${why}`;
  });
  const more = stuck.tickets.length - rows.length;
  return [head, ...rows, ...(more > 0 ? [`  … and ${more} more on the dashboard.`] : [])];
}

function gapSection(gaps: KnowledgeGapReport): string[] {
  const head = `Knowledge gaps (tickets of ${gaps.from.slice(0, 10)} to ${gaps.to.slice(0, 10)} no KB article answers): ${gaps.ticketsUnanswered} of ${gaps.ticketsChecked} tickets`;
  if (gaps.notice !== undefined) return [head, `  Not checked: ${gaps.notice}`];
  if (gaps.gaps.length === 0) return [head, '  None.'];
  return [
    head,
    ...gaps.gaps
      .slice(0, listedGaps)
      .flatMap((gap) => [
        `  ${gap.topic}: ${plural(gap.ticketCount, 'ticket')} (words: ${gap.commonWords.join(', ')})`,
        ...gap.examples.map((e) => `    e.g. #${e.ticketId} ${e.subject}`),
      ]),
  ];
}

const reasonText = {
  idle: 'no action',
  first_response_overdue: 'first response overdue',
  next_response_overdue: 'next response overdue',
  resolution_overdue: 'resolution overdue',
} as const;

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
