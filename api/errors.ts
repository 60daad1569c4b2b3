// The API's domain errors and their one error middleware. Every refusal is answered as
// application/problem+json naming the field and the problem; an unknown error is logged once
// with the request id and answered with a plain 500 that leaks nothing.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { WorkflowUpdateFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { ZodError } from 'zod';
import type { Problem } from './contract.ts';
import { RefusalType } from '../workflows/ticket/agent-actions.ts';

export class ProblemError extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly errors: Problem['errors'];

  constructor(options: {
    status: number;
    type: string;
    title: string;
    detail: string;
    errors?: Problem['errors'];
    cause?: unknown;
  }) {
    super(options.detail, { cause: options.cause });
    this.status = options.status;
    this.type = options.type;
    this.title = options.title;
    this.errors = options.errors;
  }

  /** 404: the named resource does not exist. */
  static notFound(what: string): ProblemError {
    return new ProblemError({
      status: 404,
      type: 'not-found',
      title: 'Not found',
      detail: `${what} does not exist`,
    });
  }

  /** 422: the request body or query failed validation; each issue names its field. */
  static invalid(error: ZodError, where: 'body' | 'query' | 'path' = 'body'): ProblemError {
    const errors = error.issues.map((issue) => ({
      field: [where, ...issue.path.map(String)].join('.'),
      problem: issue.message,
    }));
    const detail = errors.map((e) => `${e.field}: ${e.problem}`).join('; ');
    return new ProblemError({
      status: 422,
      type: 'invalid-request',
      title: 'Invalid request',
      detail,
      errors,
    });
  }

  /** 422: the action can never succeed on this ticket as it is. */
  static unprocessable(detail: string, cause?: unknown): ProblemError {
    return new ProblemError({
      status: 422,
      type: 'invalid-action',
      title: 'Action refused',
      detail,
      cause,
    });
  }

  /** 409: the ticket changed under the agent, or a colleague's action conflicts. */
  static conflict(detail: string, cause?: unknown): ProblemError {
    return new ProblemError({
      status: 409,
      type: 'stale-ticket',
      title: 'Ticket changed',
      detail,
      cause,
    });
  }

  /** 401: the request carries no valid session; the agent must sign in. */
  static unauthenticated(detail: string): ProblemError {
    return new ProblemError({
      status: 401,
      type: 'unauthenticated',
      title: 'Sign-in required',
      detail,
    });
  }

  /** 403: the signed-in agent may not do this (a missing role, a bad CSRF token, another agent). */
  static forbidden(detail: string): ProblemError {
    return new ProblemError({ status: 403, type: 'forbidden', title: 'Not allowed', detail });
  }

  /** 503: a service we depend on is down; the request can be retried. */
  static unavailable(detail: string, cause?: unknown): ProblemError {
    return new ProblemError({
      status: 503,
      type: 'service-unavailable',
      title: 'Service unavailable',
      detail,
      cause,
    });
  }
}

/** Maps a failed Temporal update to the agent-facing refusal (409 or 422), or rethrows. */
export function problemFromUpdateFailure(error: unknown, ticketId: number): never {
  if (error instanceof WorkflowNotFoundError) {
    throw ProblemError.unprocessable(
      `ticket ${ticketId} is closed and accepts no more actions`,
      error,
    );
  }
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
    const refusal = error.cause;
    if (refusal.type === RefusalType.Stale) throw ProblemError.conflict(refusal.message, error);
    throw ProblemError.unprocessable(refusal.message, error);
  }
  throw error;
}

/** The JSON 404 for unknown API paths; mounted after every /api route. */
export const apiNotFound: RequestHandler = (req, _res, next) => {
  next(ProblemError.notFound(`API path ${req.method} ${req.path}`));
};

/** The one error middleware: problem+json for known refusals, a logged plain 500 otherwise. */
export const problemHandler: ErrorRequestHandler = (error, req, res, _next) => {
  const problem = toProblem(error, req.originalUrl);
  if (problem.status >= 500 && !(error instanceof ProblemError)) {
    req.log.error({ err: error }, 'request failed');
  } else {
    req.log.info(
      { status: problem.status, type: problem.type, detail: problem.detail },
      'request refused',
    );
  }
  res.status(problem.status).type('application/problem+json').json(problem);
};

function toProblem(error: unknown, instance: string): Problem & { instance: string } {
  if (error instanceof ProblemError) {
    return {
      type: error.type,
      title: error.title,
      status: error.status,
      detail: error.message,
      ...(error.errors ? { errors: error.errors } : {}),
      instance,
    };
  }
  if (isBodyParseError(error)) {
    return {
      type: 'malformed-body',
      title: 'Malformed request body',
      status: 400,
      detail: `the request body is not valid JSON: ${(error as Error).message}`,
      instance,
    };
  }
  const client = clientErrorOf(error);
  if (client !== null) {
    return {
      type: 'bad-request-body',
      title: 'Request body refused',
      status: client.status,
      detail: client.message,
      instance,
    };
  }
  return {
    type: 'internal-error',
    title: 'Internal server error',
    status: 500,
    detail: 'Something went wrong on our side; it has been logged.',
    instance,
  };
}

// The body reader marks the client's own mistakes (too large, unsupported encoding, a
// body that is not what it claims) with a 4xx status meant to be shown; keep it.
function clientErrorOf(error: unknown): { status: number; message: string } | null {
  const candidate = error as { status?: unknown; expose?: unknown; message?: unknown } | null;
  const status = typeof candidate?.status === 'number' ? candidate.status : 0;
  if (candidate?.expose !== true || status < 400 || status > 499) return null;
  return { status, message: String(candidate.message) };
}

function isBodyParseError(error: unknown): boolean {
  return (error as { type?: string } | null)?.type === 'entity.parse.failed';
}
