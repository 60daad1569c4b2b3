// The public contact form's endpoint, POST /api/contact: no sign-in, so it guards itself. A
// filled honeypot field gets the same answer as a real request but makes no ticket (and is
// logged); each IP address and each email address may send a few requests per window (429
// with Retry-After); every invalid field is named (422) so the form can show the problem
// beside it. A valid request opens a ticket on the `web` channel through the intake, keyed by
// the form's submission id, so a double submit makes one ticket; the requester is
// acknowledged by mail from the web channel's template. Tests: tests/channels/web-form-*.test.ts.
import { createHash } from 'node:crypto';
import express, { Router, type Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { acknowledgeNewTicket } from '../../channels/acknowledgement/acknowledge.ts';
import type { EnqueueMail } from '../../channels/acknowledgement/outbound-mail.ts';
import { IdentityKind } from '../../channels/identity/identities.ts';
import { IntakeKeyReusedError, plainInboundMessage, type Intake } from '../../channels/intake.ts';
import {
  takeRateLimitedHit,
  type RateLimit,
  type RateLimitVerdict,
} from '../../channels/web-form/rate-limit.ts';
import type { Orm } from '../../db/orm.ts';
import { Channel } from '../../workflows/ticket/vocabulary.ts';
import { ProblemError } from '../errors.ts';
import { rejectNulCharacters } from '../middleware/reject-control-characters.ts';
import { parse } from '../request-input.ts';

export interface ContactRouteDeps {
  orm: Orm;
  intake: Intake;
  enqueueMail: EnqueueMail;
  log: Logger;
  limits?: Partial<ContactLimits>;
}

export interface ContactLimits {
  perIp: RateLimit;
  perEmail: RateLimit;
}

export const defaultContactLimits: ContactLimits = {
  perIp: { limit: 5, windowSeconds: 600 },
  perEmail: { limit: 3, windowSeconds: 600 },
};

const contactBody = z.object({
  name: z.string().trim().min(1, 'please tell us your name').max(200),
  email: z.email('please give an email address we can answer'),
  phone: z.string().trim().max(40).optional(),
  subject: z.string().trim().min(1, 'please give a subject').max(300),
  message: z.string().trim().min(1, 'please write your message').max(20_000),
  /** Hidden from people by the form; only bots fill it. */
  website: z.string().max(2_000).optional(),
  /** The form's own id for this submission: a double submit sends the same one. */
  submissionId: z.string().trim().min(8).max(100),
});

/** POST /contact, mounted before sign-in is required. */
export function contactRoutes(deps: ContactRouteDeps): Router {
  const router = Router();
  const limits = { ...defaultContactLimits, ...deps.limits };

  router.post(
    '/contact',
    express.json({ limit: '64kb' }),
    rejectNulCharacters,
    async (req, res) => {
      const body = parse(contactBody, req.body);
      const ip = req.ip ?? 'unknown';

      if (body.website !== undefined && body.website.trim() !== '') {
        req.log.warn({ ipHash: hashed(ip) }, 'contact form honeypot filled; no ticket made');
        res.status(202).json({ received: true });
        return;
      }

      // A double submit is the same request again: it answers as the first did, uncounted.
      if (!(await wasReceived(deps.orm, body.submissionId))) {
        const verdict = await takeRateLimitedHit(deps.orm.em.fork(), [
          { bucket: `contact-ip:${ip}`, limit: limits.perIp },
          { bucket: `contact-email:${body.email.toLowerCase()}`, limit: limits.perEmail },
        ]);
        refuseWhenLimited(res, verdict, 'contact requests');
      }

      const outcome = await acceptContact(deps, body);
      // Also on a retry, so a crash after the intake loses no acknowledgement (one per ticket).
      if (outcome.createdTicket) {
        await acknowledgeNewTicket(deps, {
          ticketId: outcome.ticketId,
          channel: 'web',
          subject: body.subject,
          requester: { name: body.name, email: body.email },
        });
      }
      req.log.info(
        { ticketId: outcome.ticketId, duplicate: outcome.duplicate },
        'contact form received',
      );
      res.status(202).json({ received: true });
    },
  );

  return router;
}

async function wasReceived(orm: Orm, submissionId: string): Promise<boolean> {
  const rows: unknown[] = await orm.em
    .fork()
    .execute('select 1 from intake_request where key = ?', [`web-form:${submissionId}`]);
  return rows.length > 0;
}

async function acceptContact(deps: ContactRouteDeps, body: z.infer<typeof contactBody>) {
  const phone = body.phone ? [{ kind: IdentityKind.Phone, address: body.phone }] : [];
  try {
    return await deps.intake.accept(
      plainInboundMessage({
        channel: Channel.Web,
        idempotencyKey: `web-form:${body.submissionId}`,
        requester: { email: body.email, name: body.name, identities: phone },
        subject: body.subject,
        text: body.message,
      }),
    );
  } catch (error) {
    if (!(error instanceof IntakeKeyReusedError)) throw error;
    throw ProblemError.unprocessable(
      'this form was already sent with other content; reload the page to send a new request',
      error,
    );
  }
}

/** Answers 429 with Retry-After when a public rate limit is reached. */
export function refuseWhenLimited(res: Response, verdict: RateLimitVerdict, what: string): void {
  if (verdict.allowed) return;
  res.setHeader('Retry-After', String(verdict.retryAfterSeconds));
  throw new ProblemError({
    status: 429,
    type: 'rate-limited',
    title: 'Too many requests',
    detail: `too many ${what} from here; try again in ${verdict.retryAfterSeconds} s`,
  });
}

// Logs say which caller misbehaved without storing their address.
function hashed(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 16);
}
