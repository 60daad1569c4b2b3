// Sign-in, sign-out and "who am I" for the workspace. Signing in checks the password
// against its argon2id hash, opens a session row and sets the HttpOnly session cookie; the
// answer carries the CSRF token the workspace sends back on every state-changing request.
// Failed attempts are throttled per email and address. Tests: tests/api/session-api.test.ts.
import { Router } from 'express';
import { z } from 'zod';
import type { Orm } from '../../db/orm.ts';
import { isPasswordCorrect } from '../auth/passwords.ts';
import {
  createSession,
  deleteSession,
  findAccountByEmail,
  findSession,
  type SignedInAgent,
} from '../auth/session-store.ts';
import type { SignInThrottle } from '../auth/sign-in-throttle.ts';
import type { SessionView } from '../contract.ts';
import { ProblemError } from '../errors.ts';
import { clearSessionCookie, setSessionCookie } from '../middleware/authenticate.ts';

const signInBody = z.object({
  email: z.string().trim().min(1).max(320),
  password: z.string().min(1).max(1_000),
});

const wrongCredentials = 'The email or password is not right; check both and try again.';

/** POST, GET and DELETE /session. */
export function sessionRoutes(deps: { orm: Orm; throttle: SignInThrottle }): Router {
  const router = Router();

  router.post('/session', async (req, res) => {
    const parsed = signInBody.safeParse(req.body ?? {});
    if (!parsed.success) throw ProblemError.invalid(parsed.error);
    const attempt = { email: parsed.data.email, ip: req.ip ?? 'unknown' };
    refuseWhenThrottled(deps.throttle.waitMs(attempt), res);

    const em = deps.orm.em.fork();
    const account = await findAccountByEmail(em, attempt.email);
    const isCorrect = await isPasswordCorrect(account?.passwordHash ?? null, parsed.data.password);
    if (!isCorrect || account === null) {
      deps.throttle.recordFailure(attempt);
      req.log.info('sign-in refused');
      throw ProblemError.unauthenticated(wrongCredentials);
    }

    deps.throttle.recordSuccess(attempt);
    const token = await createSession(em, account.agentId);
    const agent = (await findSession(em, token))!;
    setSessionCookie(req, res, token);
    req.log.info({ agentId: agent.id }, 'agent signed in');
    res.json(toView(agent));
  });

  router.get('/session', (req, res) => {
    if (req.agent === undefined) throw ProblemError.unauthenticated('You are not signed in.');
    res.json(toView(req.agent));
  });

  router.delete('/session', async (req, res) => {
    if (req.agent !== undefined) {
      await deleteSession(deps.orm.em.fork(), req.agent.sessionId);
      req.log.info({ agentId: req.agent.id }, 'agent signed out');
    }
    clearSessionCookie(req, res);
    res.status(204).end();
  });

  return router;
}

function refuseWhenThrottled(waitMs: number, res: { setHeader(k: string, v: string): void }) {
  if (waitMs <= 0) return;
  const seconds = Math.ceil(waitMs / 1000);
  res.setHeader('retry-after', String(seconds));
  throw new ProblemError({
    status: 429,
    type: 'too-many-sign-in-attempts',
    title: 'Too many sign-in attempts',
    detail: `Too many failed sign-ins; wait ${Math.ceil(seconds / 60)} minutes and try again.`,
  });
}

function toView(agent: SignedInAgent): SessionView {
  return {
    agent: { id: agent.id, name: agent.name, email: agent.email, roles: agent.roles },
    csrfToken: agent.csrfToken,
  };
}
