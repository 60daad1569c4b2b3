// POST /channels/social/:platform/messages: where social and messaging platforms deliver
// their customers' messages (shape documented in docs/channels.md). Public, so it trusts only
// the signature: the raw body is read here (not by the API's JSON parser) because the HMAC is
// over its exact bytes; a missing, wrong or stale signature is a 401 problem and stores
// nothing. A signed body of the wrong shape is a 422 naming the field, and its raw bytes are
// kept in the blob store with a rejected_input row, so an operator can see what the platform
// sent. A message id seen before answers 200 as a duplicate. Tests: tests/channels/social-*.
import express, { Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { acknowledgeNewTicket } from '../../channels/acknowledgement/acknowledge.ts';
import type { EnqueueMail } from '../../channels/acknowledgement/outbound-mail.ts';
import type { Intake } from '../../channels/intake.ts';
import { signatureHeader, verifySocialWebhook } from '../../channels/social/signature.ts';
import { acceptSocialMessage, type SocialMessage } from '../../channels/social/social-intake.ts';
import type { BlobStore } from '../../db/blob-store.ts';
import type { Orm } from '../../db/orm.ts';
import { ProblemError } from '../errors.ts';

export interface SocialWebhookDeps {
  orm: Orm;
  intake: Intake;
  blobs: BlobStore;
  enqueueMail: EnqueueMail;
  log: Logger;
  /** Seconds since the epoch; tests hand in another clock. */
  nowSeconds?: () => number;
}

const bodyLimit = '256kb';
const platformParam = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/);
const text = (max: number) => z.string().trim().min(1).max(max);

const socialMessageBody = z.object({
  platform: z.string().optional(),
  conversationId: text(200),
  messageId: text(200),
  sender: z.object({
    id: text(200),
    name: text(200).optional(),
    handle: text(200).optional(),
    phone: text(40).optional(),
    email: z.email().optional(),
  }),
  text: text(20_000),
  sentAt: z.iso.datetime({ offset: true }),
  attachments: z
    .array(
      z.object({
        url: z.url().max(2_000),
        name: text(300).optional(),
        contentType: text(200).optional(),
      }),
    )
    .max(20)
    .optional(),
});

/** The social webhook route, mounted before the API's JSON parser and sign-in. */
export function socialWebhookRoutes(deps: SocialWebhookDeps): Router {
  const router = Router();
  const now = deps.nowSeconds ?? (() => Math.floor(Date.now() / 1000));

  router.post(
    '/channels/social/:platform/messages',
    express.raw({ type: () => true, limit: bodyLimit }),
    async (req, res) => {
      const platform = await knownPlatform(deps.orm, req.params.platform);
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);

      const verdict = verifySocialWebhook({
        header: req.get(signatureHeader),
        secret: platform.secret,
        rawBody,
        nowSeconds: now(),
      });
      if (!verdict.ok) {
        req.log.warn({ platform: platform.name, reason: verdict.reason }, 'social webhook refused');
        throw new ProblemError({
          status: 401,
          type: 'bad-signature',
          title: 'Signature refused',
          detail: verdict.detail,
        });
      }

      const message = await parseOrKeep(deps, { platform: platform.name, rawBody });
      const outcome = await acceptSocialMessage(
        { intake: deps.intake, em: () => deps.orm.em.fork() },
        { platform: platform.name, message },
      );
      // Also on a retry, so a crash after the intake loses no acknowledgement (one per ticket).
      if (outcome.createdTicket) {
        await acknowledgeNewTicket(deps, {
          ticketId: outcome.ticketId,
          channel: 'social',
          subject: message.text,
          requester: { name: message.sender.name ?? null, email: message.sender.email ?? null },
          social: { platform: platform.name, conversationId: message.conversationId },
        });
      }

      req.log.info(
        { ticketId: outcome.ticketId, platform: platform.name, duplicate: outcome.duplicate },
        'social message received',
      );
      res.status(outcome.duplicate ? 200 : 201).json({
        ticketId: outcome.ticketId,
        messageId: outcome.messageId,
        duplicate: outcome.duplicate,
        previousTicketId: outcome.previousTicketId,
      });
    },
  );

  return router;
}

async function knownPlatform(
  orm: Orm,
  param: string | undefined,
): Promise<{ name: string; secret: string }> {
  const parsed = platformParam.safeParse(param);
  const rows: Record<string, unknown>[] = parsed.success
    ? await orm.em
        .fork()
        .execute('select platform, secret from social_platform where platform = ?', [parsed.data])
    : [];
  if (rows[0] === undefined) throw ProblemError.notFound(`social platform "${param}"`);
  return { name: String(rows[0].platform), secret: String(rows[0].secret) };
}

/**
 * Parses the signed body; a body that is not JSON or not the documented shape is kept as
 * received (blob + rejected_input) before the refusal names what was wrong.
 */
async function parseOrKeep(
  deps: SocialWebhookDeps,
  options: { platform: string; rawBody: Buffer },
): Promise<SocialMessage> {
  let json: unknown;
  try {
    json = JSON.parse(options.rawBody.toString('utf8'));
  } catch (error) {
    await keepRejected(deps, { ...options, reason: 'body is not valid JSON' });
    throw new ProblemError({
      status: 400,
      type: 'malformed-body',
      title: 'Malformed request body',
      detail: `the request body is not valid JSON: ${(error as Error).message}`,
    });
  }

  const result = socialMessageBody.safeParse(json);
  const platformMismatch =
    result.success &&
    result.data.platform !== undefined &&
    result.data.platform !== options.platform;
  if (result.success && !platformMismatch && !containsNul(options.rawBody)) return result.data;

  const problem = result.success
    ? platformMismatch
      ? ProblemError.unprocessable(
          `body.platform: "${result.data.platform}" differs from the URL's platform "${options.platform}"`,
        )
      : ProblemError.unprocessable(
          'body: contains a NUL character (U+0000), which cannot be stored',
        )
    : ProblemError.invalid(result.error);
  await keepRejected(deps, { ...options, reason: problem.message });
  throw problem;
}

async function keepRejected(
  deps: SocialWebhookDeps,
  options: { platform: string; rawBody: Buffer; reason: string },
): Promise<void> {
  const blob = await deps.blobs.put(options.rawBody);
  await deps.orm.em
    .fork()
    .execute('insert into rejected_input (source, raw_blob_key, reason) values (?, ?, ?)', [
      `social:${options.platform}`,
      blob.key,
      options.reason.slice(0, 2_000),
    ]);
  deps.log.warn(
    { platform: options.platform, blobKey: blob.key },
    'social message kept as rejected',
  );
}

function containsNul(raw: Buffer): boolean {
  return raw.includes(0) || raw.includes('\\u0000');
}
