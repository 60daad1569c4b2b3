// Survey routes, public (no session: the requester follows a link from a mail or the chat):
// - GET /survey/:token/:answer records a CSAT rating (good, neutral, bad) or an NPS score (0–10)
//   in one click and answers a thank-you page with an optional comment box;
// - POST /survey/:token (the comment box, a plain HTML form) records the comment;
// - POST /api/surveys/:token {rating | score, comment} does the same as JSON.
// The token is the only key: unguessable (24 random bytes), it names one survey. The latest
// answer counts (reports/surveys.ts). Tests: tests/reports/surveys.test.ts.
import express, { Router, type Response } from 'express';
import { z } from 'zod';
import type { Orm } from '../../db/orm.ts';
import type { SurveyAnswered } from '../../reports/contract.ts';
import { answerSurvey, SurveyAnswerError, type SurveyAnswerInput } from '../../reports/surveys.ts';
import { ProblemError } from '../errors.ts';

const token = z.string().regex(/^[A-Za-z0-9_-]{20,64}$/, 'is not a survey token');
const comment = z.string().trim().max(5_000);
const answerBody = z
  .object({
    rating: z.enum(['good', 'neutral', 'bad']).optional(),
    score: z.number().int().min(0).max(10).optional(),
    comment: comment.optional(),
  })
  .refine((a) => a.rating !== undefined || a.score !== undefined || a.comment !== undefined, {
    message: 'send a rating, a score or a comment',
  });

/** POST /surveys/:token, mounted under /api before the session check. */
export function surveyApiRoutes(deps: { orm: Orm }): Router {
  const router = Router();
  router.post('/surveys/:token', async (req, res) => {
    const surveyToken = token.safeParse(req.params.token);
    if (!surveyToken.success) throw ProblemError.invalid(surveyToken.error, 'query');
    const parsed = answerBody.safeParse(req.body ?? {});
    if (!parsed.success) throw ProblemError.invalid(parsed.error, 'body');
    const answered = await record(deps.orm, surveyToken.data, parsed.data);
    req.log.info({ kind: answered.kind }, 'survey answered');
    res.json(answered);
  });
  return router;
}

/** The one-click pages under /survey, mounted on the app before the workspace UI. */
export function surveyPages(deps: { orm: Orm }): Router {
  const router = Router();
  router.use('/survey', express.urlencoded({ extended: false, limit: '16kb' }));

  router.get('/survey/:token/:answer', async (req, res) => {
    const surveyToken = token.safeParse(req.params.token);
    const answer = parseAnswer(req.params.answer ?? '');
    if (!surveyToken.success || answer === null) return page(res, 404, notFoundPage);
    try {
      const answered = await record(deps.orm, surveyToken.data, answer);
      req.log.info({ kind: answered.kind }, 'survey answered');
      page(res, 200, thanksPage(surveyToken.data, answered));
    } catch (error) {
      if (error instanceof ProblemError) return page(res, error.status, problemPage(error));
      throw error;
    }
  });

  router.post('/survey/:token', async (req, res) => {
    const surveyToken = token.safeParse(req.params.token);
    const text = comment.safeParse((req.body as Record<string, unknown> | undefined)?.comment);
    if (!surveyToken.success) return page(res, 404, notFoundPage);
    if (!text.success || text.data === '') {
      return page(res, 422, '<p>Please write a comment of at most 5,000 characters.</p>');
    }
    try {
      await record(deps.orm, surveyToken.data, { comment: text.data });
      req.log.info('survey comment added');
      page(res, 200, '<h1>Thank you</h1><p>Your comment was saved.</p>');
    } catch (error) {
      if (error instanceof ProblemError) return page(res, error.status, problemPage(error));
      throw error;
    }
  });
  return router;
}

async function record(
  orm: Orm,
  surveyToken: string,
  answer: SurveyAnswerInput,
): Promise<SurveyAnswered> {
  try {
    const answered = await answerSurvey(orm.em.fork(), surveyToken, answer);
    if (answered === null) throw ProblemError.notFound('this survey');
    return answered;
  } catch (error) {
    if (!(error instanceof SurveyAnswerError)) throw error;
    throw new ProblemError({
      status: 422,
      type: 'invalid-request',
      title: 'Invalid request',
      detail: `${error.field}: ${error.message}`,
      errors: [{ field: `body.${error.field}`, problem: error.message }],
    });
  }
}

function parseAnswer(raw: string): SurveyAnswerInput | null {
  if (raw === 'good' || raw === 'neutral' || raw === 'bad') return { rating: raw };
  if (/^(10|[0-9])$/.test(raw)) return { score: Number(raw) };
  return null;
}

const notFoundPage = '<h1>Survey not found</h1><p>This link is not valid any more.</p>';

function problemPage(error: ProblemError): string {
  return `<h1>${escapeHtml(error.title)}</h1><p>${escapeHtml(error.message)}</p>`;
}

function thanksPage(surveyToken: string, answered: SurveyAnswered): string {
  const what = answered.kind === 'csat' ? `“${answered.rating}”` : `${answered.score} out of 10`;
  return `<h1>Thank you</h1>
<p>We recorded your answer: ${escapeHtml(what ?? '')}. Clicking another answer in the message
replaces it.</p>
<form method="post" action="/survey/${encodeURIComponent(surveyToken)}">
  <label for="comment">Anything you would like to add? (optional)</label><br>
  <textarea id="comment" name="comment" rows="5" cols="60" maxlength="5000">${escapeHtml(
    answered.comment ?? '',
  )}</textarea><br>
  <button type="submit">Send comment</button>
</form>`;
}

function page(res: Response, status: number, body: string): void {
  res
    .status(status)
    .type('html')
    .set('cache-control', 'no-store')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
        `<meta name="viewport" content="width=device-width, initial-scale=1">` +
        `<meta name="robots" content="noindex"><title>Casework survey</title></head>` +
        `<body>${body}</body></html>`,
    );
}

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
