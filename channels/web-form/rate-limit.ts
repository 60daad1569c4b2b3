// A rate limit for the public, unauthenticated endpoints (contact form, chat): hits are
// counted per bucket (`contact-ip:<address>`, `contact-email:<address>`, …) in PostgreSQL, so
// every server process sees the same counts and a restart forgets nothing. Old hits are
// pruned as new ones arrive. Tests: tests/channels/web-form-*.test.ts.
import type { EntityManager } from '../../db/orm.ts';

export interface RateLimit {
  /** Hits allowed in the window. */
  limit: number;
  windowSeconds: number;
}

export interface RateLimitVerdict {
  allowed: boolean;
  /** Whole seconds until the oldest hit in the window expires; 0 when allowed. */
  retryAfterSeconds: number;
}

type Row = Record<string, unknown>;

/**
 * Counts one hit on every bucket if all of them are under their limit; when any is at its
 * limit nothing is counted and the caller is told how long to wait.
 */
export async function takeRateLimitedHit(
  em: EntityManager,
  buckets: { bucket: string; limit: RateLimit }[],
): Promise<RateLimitVerdict> {
  let retryAfterSeconds = 0;
  for (const { bucket, limit } of buckets) {
    const wait = await secondsUntilFree(em, bucket, limit);
    retryAfterSeconds = Math.max(retryAfterSeconds, wait);
  }
  if (retryAfterSeconds > 0) return { allowed: false, retryAfterSeconds };

  for (const { bucket, limit } of buckets) {
    await em.execute(
      `delete from public_request_hit
       where bucket = ? and created_at < now() - make_interval(secs => ?)`,
      [bucket, limit.windowSeconds],
    );
    await em.execute('insert into public_request_hit (bucket) values (?)', [bucket]);
  }
  await pruneForgottenBuckets(em);
  return { allowed: true, retryAfterSeconds: 0 };
}

const pruneOneHitIn = 100;

// A bucket pruned only by its own next hit would keep a one-off caller's rows forever: now and
// then, every hit older than any window we use (a day) goes, whatever its bucket.
async function pruneForgottenBuckets(em: EntityManager): Promise<void> {
  if (Math.floor(Math.random() * pruneOneHitIn) !== 0) return;
  await em.execute("delete from public_request_hit where created_at < now() - interval '1 day'");
}

async function secondsUntilFree(
  em: EntityManager,
  bucket: string,
  limit: RateLimit,
): Promise<number> {
  const rows: Row[] = await em.execute(
    `select count(*)::int as hits,
            extract(epoch from (min(created_at) + make_interval(secs => ?) - now())) as wait
     from (select created_at from public_request_hit
           where bucket = ? and created_at > now() - make_interval(secs => ?)
           order by created_at desc limit ?) recent`,
    [limit.windowSeconds, bucket, limit.windowSeconds, limit.limit],
  );
  const hits = Number(rows[0]?.hits ?? 0);
  if (hits < limit.limit) return 0;
  return Math.max(1, Math.ceil(Number(rows[0]?.wait ?? limit.windowSeconds)));
}
