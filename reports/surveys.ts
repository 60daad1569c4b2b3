// reports: customer satisfaction surveys. After a ticket is resolved, the requester gets a CSAT
// survey (good / neutral / bad, one click each, then an optional comment) by email through the
// outbound mail outbox, and, for chat tickets, as a message in the chat. Optionally, each
// requester gets a periodic NPS survey (0–10). Each survey has an unguessable token; the
// latest answer is kept on the survey row and every answer in survey_answer. A CSAT survey
// remembers the agent and team owning the ticket at resolution, so a rating is traced to them.
// Surveys are found and sent by a poll over ticket_event (resolutions with no survey yet)
// rather than from inside the workflow: no workflow change, and a missed poll catches up.
// Tests: tests/reports/surveys.test.ts.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { enqueueOutboundMail, OutboundMailError } from '../channels/email/outbound/outbox.ts';
import type { EntityManager, Orm } from '../db/orm.ts';
import type { CsatRating, SurveyAnswered } from './contract.ts';

export const csatRatings: readonly CsatRating[] = ['good', 'neutral', 'bad'];

type Row = Record<string, unknown>;

/** An answer to record: a rating for CSAT, a score for NPS, and/or a comment. */
export interface SurveyAnswerInput {
  rating?: CsatRating;
  score?: number;
  comment?: string;
}

/** Thrown when an answer does not fit its survey (a score for CSAT, a rating for NPS…). */
export class SurveyAnswerError extends Error {
  readonly field: string;

  constructor(field: string, problem: string) {
    super(problem);
    this.name = 'SurveyAnswerError';
    this.field = field;
  }
}

/** The links a CSAT survey offers: one click records the rating and opens the comment page. */
export function csatLinks(baseUrl: string, token: string): Record<CsatRating, string> {
  const base = baseUrl.replace(/\/$/, '');
  return {
    good: `${base}/survey/${token}/good`,
    neutral: `${base}/survey/${token}/neutral`,
    bad: `${base}/survey/${token}/bad`,
  };
}

/** The CSAT question as plain text, for mail and for the chat (channels/chat may post it). */
export function csatSurveyText(options: { baseUrl: string; token: string; ticketId: number }) {
  const links = csatLinks(options.baseUrl, options.token);
  return [
    `Your ticket #${options.ticketId} was resolved. How did we do?`,
    '',
    `Good: ${links.good}`,
    `Neutral: ${links.neutral}`,
    `Bad: ${links.bad}`,
    '',
    'One click is enough; you can add a comment on the next page.',
  ].join('\n');
}

function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Creates the CSAT surveys of resolutions that have none yet (one per resolution, so a ticket
 * resolved again after a reopen is asked again), and queues their mail or chat message.
 * Returns the new survey ids. Safe to run from several processes: a survey is unique per
 * (ticket, resolution seq) and its mail per dedupe key.
 */
export async function dispatchCsatSurveys(
  orm: Orm,
  options: { baseUrl: string; log: Logger; since?: Date; limit?: number },
): Promise<number[]> {
  const em = orm.em.fork();
  const due: Row[] = await em.execute(
    `select e.ticket_id, e.seq, t.requester_id, t.channel, t.team_id, t.subject,
            r.email,
            (select case when a.kind = 'assigned' then (a.detail->>'agentId')::int end
               from ticket_event a
              where a.ticket_id = e.ticket_id and a.kind in ('assigned', 'unassigned')
                and a.seq < e.seq
              order by a.seq desc limit 1) as agent_id
       from ticket_event e
       join ticket t on t.id = e.ticket_id
       join requester r on r.id = t.requester_id
      where e.kind = 'status_changed' and e.detail->>'to' = 'resolved'
        and coalesce(e.detail->>'from', '') not in ('resolved', 'closed')
        and e.at >= ?
        and not exists (select 1 from survey s
                         where s.ticket_id = e.ticket_id and s.resolution_seq = e.seq)
      order by e.at limit ?`,
    [options.since ?? new Date(Date.now() - 7 * 86_400_000), options.limit ?? 200],
  );

  const created: number[] = [];
  for (const row of due) {
    const id = await sendCsatSurvey(em, row, options);
    if (id !== null) created.push(id);
  }
  return created;
}

async function sendCsatSurvey(
  em: EntityManager,
  row: Row,
  options: { baseUrl: string; log: Logger },
): Promise<number | null> {
  const ticketId = Number(row.ticket_id);
  return em.fork().transactional(async (tx) => {
    const token = newToken();
    const inserted: Row[] = await tx.execute(
      `insert into survey (token, kind, ticket_id, requester_id, agent_id, team_id,
          resolution_seq, channel)
       values (?, 'csat', ?, ?, ?, ?, ?, ?)
       on conflict (ticket_id, resolution_seq) do nothing returning id`,
      [token, ticketId, row.requester_id, row.agent_id, row.team_id, row.seq, row.channel],
    );
    const surveyId = inserted[0] === undefined ? null : Number(inserted[0].id);
    if (surveyId === null) return null;

    const text = csatSurveyText({ baseUrl: options.baseUrl, token, ticketId });
    if (row.channel === 'chat') await recordChatSurvey(tx, { ticketId, surveyId, text });
    if (typeof row.email === 'string' && row.email !== '') {
      await mailSurvey(tx, {
        ticketId,
        to: row.email,
        subject: `How did we do? ${String(row.subject ?? '')}`.trim(),
        text,
        dedupeKey: `survey:csat:${surveyId}`,
        log: options.log,
      });
    }
    options.log.info({ ticketId, surveyId, channel: row.channel }, 'CSAT survey sent');
    return surveyId;
  });
}

// The survey as an automated message on a chat ticket's conversation, where the chat shows it.
async function recordChatSurvey(
  tx: EntityManager,
  s: { ticketId: number; surveyId: number; text: string },
): Promise<void> {
  await tx.execute(
    `insert into message (ticket_id, kind, channel, author_kind, text, automated_reason,
        idempotency_key, created_at)
     values (?, 'automated', 'chat', 'system', ?, 'survey', ?, now())
     on conflict (idempotency_key) do nothing`,
    [s.ticketId, s.text, `survey:${s.surveyId}`],
  );
}

async function mailSurvey(
  tx: EntityManager,
  m: {
    ticketId: number | null;
    to: string;
    subject: string;
    text: string;
    dedupeKey: string;
    log: Logger;
  },
): Promise<void> {
  try {
    await enqueueOutboundMail(tx, {
      ticketId: m.ticketId,
      kind: 'survey',
      to: [m.to],
      subject: m.subject,
      text: m.text,
      dedupeKey: m.dedupeKey,
    });
  } catch (error) {
    // A survey that cannot be mailed (no sending mailbox configured) is still answerable from
    // its links and the chat; it must not block the surveys behind it.
    if (!(error instanceof OutboundMailError)) throw error;
    m.log.warn({ ticketId: m.ticketId, field: error.field }, 'survey mail not queued');
  }
}

/**
 * Sends an NPS survey to each requester who had a ticket resolved in the last `everyDays`
 * days and was not asked in that time. Off unless the caller runs it (CASEWORK_NPS_EVERY_DAYS).
 */
export async function dispatchNpsSurveys(
  orm: Orm,
  options: { baseUrl: string; everyDays: number; log: Logger; limit?: number },
): Promise<number[]> {
  const em = orm.em.fork();
  const since = new Date(Date.now() - options.everyDays * 86_400_000);
  const due: Row[] = await em.execute(
    `select r.id as requester_id, r.email
       from requester r
      where r.email is not null
        and exists (select 1 from ticket t where t.requester_id = r.id and t.resolved_at >= ?)
        and not exists (select 1 from survey s
                         where s.requester_id = r.id and s.kind = 'nps' and s.sent_at >= ?)
      limit ?`,
    [since, since, options.limit ?? 200],
  );
  const created: number[] = [];
  for (const row of due) {
    const token = newToken();
    const inserted: Row[] = await em.execute(
      `insert into survey (token, kind, requester_id) values (?, 'nps', ?) returning id`,
      [token, row.requester_id],
    );
    const surveyId = Number(inserted[0]!.id);
    const base = options.baseUrl.replace(/\/$/, '');
    const scale = Array.from({ length: 11 }, (_, n) => `${n}: ${base}/survey/${token}/${n}`);
    await mailSurvey(em, {
      ticketId: null,
      to: String(row.email),
      subject: 'How likely are you to recommend us?',
      text: [
        'On a scale from 0 (not at all likely) to 10 (extremely likely), how likely are you',
        'to recommend us to a friend or colleague? One click is enough:',
        '',
        ...scale,
      ].join('\n'),
      dedupeKey: `survey:nps:${surveyId}`,
      log: options.log,
    });
    created.push(surveyId);
  }
  if (created.length > 0) options.log.info({ surveys: created.length }, 'NPS surveys sent');
  return created;
}

/** Records an answer to the survey with this token; the latest answer replaces earlier ones. */
export async function answerSurvey(
  em: EntityManager,
  token: string,
  answer: SurveyAnswerInput,
): Promise<SurveyAnswered | null> {
  return em.transactional(async (tx) => {
    const rows: Row[] = await tx.execute(
      'select id, kind, rating, score, comment from survey where token = ? for update',
      [token],
    );
    const survey = rows[0];
    if (survey === undefined) return null;
    const kind = survey.kind as 'csat' | 'nps';
    checkAnswerFits(kind, answer, survey);

    const rating = answer.rating ?? (survey.rating as CsatRating | null);
    const score = answer.score ?? (survey.score === null ? null : Number(survey.score));
    const comment = answer.comment ?? (survey.comment as string | null);
    const updated: Row[] = await tx.execute(
      `update survey set rating = ?, score = ?, comment = ?, answered_at = now()
        where id = ? returning answered_at`,
      [rating, score, comment, survey.id],
    );
    await tx.execute(
      'insert into survey_answer (survey_id, rating, score, comment) values (?, ?, ?, ?)',
      [survey.id, answer.rating ?? null, answer.score ?? null, answer.comment ?? null],
    );
    return {
      kind,
      rating,
      score,
      comment,
      answeredAt: new Date(updated[0]!.answered_at as string).toISOString(),
    };
  });
}

function checkAnswerFits(kind: 'csat' | 'nps', answer: SurveyAnswerInput, survey: Row): void {
  if (kind === 'csat' && answer.score !== undefined) {
    throw new SurveyAnswerError(
      'score',
      'this is a CSAT survey: answer with rating good, neutral or bad',
    );
  }
  if (kind === 'nps' && answer.rating !== undefined) {
    throw new SurveyAnswerError('rating', 'this is an NPS survey: answer with score 0 to 10');
  }
  const hasAnswer = answer.rating !== undefined || answer.score !== undefined;
  const wasAnswered = survey.rating !== null || survey.score !== null;
  if (!hasAnswer && !wasAnswered) {
    throw new SurveyAnswerError(
      kind === 'csat' ? 'rating' : 'score',
      'a comment needs a rating first: choose one of the answers',
    );
  }
}

/** Starts the poll that sends surveys (every minute by default); `stop` ends it. */
export function startSurveyDispatcher(options: {
  orm: Orm;
  log: Logger;
  baseUrl: string;
  intervalMs?: number;
  npsEveryDays?: number;
}): { stop(): void } {
  const log = options.log.child({ component: 'survey-dispatcher' });
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await dispatchCsatSurveys(options.orm, { baseUrl: options.baseUrl, log });
      if (options.npsEveryDays !== undefined) {
        await dispatchNpsSurveys(options.orm, {
          baseUrl: options.baseUrl,
          everyDays: options.npsEveryDays,
          log,
        });
      }
    } catch (error) {
      log.warn({ err: error }, 'survey dispatch failed; retrying at the next tick');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), options.intervalMs ?? 60_000);
  timer.unref();
  void tick();
  return { stop: () => clearInterval(timer) };
}
