// Reading what a caller sent: a body or query checked against its zod schema, and the
// Idempotency-Key header. Every route reads input through here, so a bad request is
// answered the same way everywhere: 422, naming each field and what is wrong with it.
import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { z } from 'zod';
import { ProblemError } from './errors.ts';

/** Parses a body, query or path with zod, or answers 422 naming each field and its problem. */
export function parse<T extends z.ZodType>(
  schema: T,
  input: unknown,
  where: 'body' | 'query' | 'path' = 'body',
): z.infer<T> {
  const result = schema.safeParse(input ?? {});
  if (!result.success) throw ProblemError.invalid(result.error, where);
  return result.data;
}

/**
 * An id in a URL path: digits only, so `0x3E9`, `1e3`, `1001.0` or ` 1001` never name ticket
 * 1001 by another spelling (a cache, a log search or an audit would not see them as one).
 */
export const pathId = z
  .string()
  .regex(/^[1-9][0-9]{0,14}$/, 'must be a positive whole number in digits, like 1001')
  .transform(Number);

const maxKeyLength = 200;

/**
 * The caller's Idempotency-Key header, or a fresh key when none is sent (then a retry makes
 * a second record, as the caller chose). An empty or overlong key is refused with 422.
 */
export function idempotencyKeyOf(req: Request): string {
  const sent = req.get('idempotency-key');
  if (sent !== undefined && (sent.length === 0 || sent.length > maxKeyLength)) {
    const problem = `must be 1 to ${maxKeyLength} characters`;
    throw new ProblemError({
      status: 422,
      type: 'invalid-request',
      title: 'Invalid request',
      detail: `header Idempotency-Key: ${problem}`,
      errors: [{ field: 'header.Idempotency-Key', problem }],
    });
  }
  return sent ?? randomUUID();
}
