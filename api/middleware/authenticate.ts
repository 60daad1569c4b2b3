// Who is calling, and may they? `loadSession` reads the `casework_session` cookie and sets
// `req.agent`; `requireSignedIn` answers 401 for every /api route that is not public;
// `requireCsrf` refuses state-changing requests without the session's X-CSRF-Token header,
// so another site cannot make a signed-in browser act; `requireRole` guards by role.
// Public routes: health, the session routes, and JSON intake (POST /tickets), which other
// systems call and which will get its own API-key auth.
import type { Request, RequestHandler, Response } from 'express';
import { timingSafeEqual } from 'node:crypto';
import type { Orm } from '../../db/orm.ts';
import { findSession, sessionLifetimeMs, type SignedInAgent } from '../auth/session-store.ts';
import type { Role } from '../auth/roles.ts';
import { ProblemError } from '../errors.ts';

declare module 'express-serve-static-core' {
  interface Request {
    /** The signed-in agent, set by `loadSession`; absent on anonymous requests. */
    agent?: SignedInAgent;
  }
}

export const sessionCookieName = 'casework_session';

const stateChanging = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Paths under /api anyone may call, by method. */
function isPublic(req: Request): boolean {
  if (req.path === '/health' || req.path === '/session') return true;
  return req.method === 'POST' && req.path === '/tickets';
}

/** Sets `req.agent` from the session cookie when it names an unexpired session. */
export function loadSession(deps: { orm: Orm }): RequestHandler {
  return async (req, _res, next) => {
    const token = readCookie(req, sessionCookieName);
    if (token !== null && /^[0-9a-f]{64}$/.test(token)) {
      req.agent = (await findSession(deps.orm.em.fork(), token)) ?? undefined;
    }
    if (req.agent) req.log = req.log.child({ agentId: req.agent.id });
    next();
  };
}

/** Answers 401 for non-public routes called without a session. */
export const requireSignedIn: RequestHandler = (req, _res, next) => {
  if (req.agent === undefined && !isPublic(req)) {
    throw ProblemError.unauthenticated('You are not signed in; sign in and try again.');
  }
  next();
};

/** Refuses a state-changing request of a session whose X-CSRF-Token header is missing or wrong. */
export const requireCsrf: RequestHandler = (req, _res, next) => {
  const needsToken = stateChanging.has(req.method) && req.agent !== undefined;
  const isSignIn = req.method === 'POST' && req.path === '/session';
  if (needsToken && !isSignIn && !tokensMatch(req.get('x-csrf-token'), req.agent!.csrfToken)) {
    throw ProblemError.forbidden(
      'The request lacks this session’s X-CSRF-Token header; reload the page and try again.',
    );
  }
  next();
};

/** Lets the request through only when the signed-in agent holds one of the roles. */
export function requireRole(...allowed: Role[]): RequestHandler {
  return (req, _res, next) => {
    if (req.agent === undefined) {
      throw ProblemError.unauthenticated('You are not signed in; sign in and try again.');
    }
    if (!req.agent.roles.some((role) => allowed.includes(role))) {
      throw ProblemError.forbidden(`This needs the ${allowed.join(' or ')} role.`);
    }
    next();
  };
}

/** Sets the session cookie: HttpOnly, SameSite=Lax, and Secure when the request came over https. */
export function setSessionCookie(req: Request, res: Response, token: string): void {
  res.cookie(sessionCookieName, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: req.secure,
    path: '/',
    maxAge: sessionLifetimeMs,
  });
}

/** Tells the browser to forget the session cookie. */
export function clearSessionCookie(req: Request, res: Response): void {
  res.clearCookie(sessionCookieName, {
    httpOnly: true,
    sameSite: 'lax',
    secure: req.secure,
    path: '/',
  });
}

function readCookie(req: Request, name: string): string | null {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return null;
}

function tokensMatch(sent: string | undefined, expected: string): boolean {
  if (sent === undefined || sent.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(sent), Buffer.from(expected));
}
