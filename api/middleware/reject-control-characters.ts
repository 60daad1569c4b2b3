// Refuses JSON bodies carrying NUL characters. PostgreSQL text cannot store U+0000, so such
// a value would fail deep in a workflow activity, retried forever; refusing it here gives
// the caller a 422 naming the field, and nothing half-done is left behind.
import type { RequestHandler } from 'express';
import { ProblemError } from '../errors.ts';

const maxDepth = 32;

/** Answers 422 when any string in the JSON body contains U+0000. */
export const rejectNulCharacters: RequestHandler = (req, _res, next) => {
  const field = findNul(req.body, 'body', 0);
  if (field === null) return next();
  next(
    new ProblemError({
      status: 422,
      type: 'invalid-request',
      title: 'Invalid request',
      detail: `${field}: contains a NUL character (U+0000), which cannot be stored`,
      errors: [{ field, problem: 'contains a NUL character (U+0000), which cannot be stored' }],
    }),
  );
};

function findNul(value: unknown, path: string, depth: number): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (value === null || typeof value !== 'object' || depth > maxDepth) return null;

  for (const [key, child] of Object.entries(value)) {
    const found = findNul(child, `${path}.${key}`, depth + 1);
    if (found !== null) return found;
  }
  return null;
}
