// Slows password guessing: failed sign-ins are counted per email and per client address
// in this process's memory, and once either count reaches its limit within the window,
// sign-in is refused (429) until the oldest failure leaves the window. Several server
// processes each count on their own, which multiplies the limit by their number; that is
// accepted for a support team's handful of servers.

export interface SignInThrottle {
  /** Milliseconds until another attempt is allowed, or 0 when it is allowed now. */
  waitMs(attempt: { email: string; ip: string }): number;
  recordFailure(attempt: { email: string; ip: string }): void;
  /** A correct password clears the email's failures; the address keeps its count. */
  recordSuccess(attempt: { email: string; ip: string }): void;
}

export interface ThrottleLimits {
  windowMs: number;
  perEmail: number;
  perIp: number;
}

const defaultLimits: ThrottleLimits = { windowMs: 15 * 60_000, perEmail: 5, perIp: 30 };

/** Builds an in-memory throttle; `now` is injectable so tests need not wait. */
export function createSignInThrottle(
  limits: ThrottleLimits = defaultLimits,
  now: () => number = Date.now,
): SignInThrottle {
  const failures = new Map<string, number[]>();

  const recent = (key: string): number[] => {
    const since = now() - limits.windowMs;
    const kept = (failures.get(key) ?? []).filter((at) => at > since);
    if (kept.length === 0) failures.delete(key);
    else failures.set(key, kept);
    return kept;
  };

  const waitFor = (key: string, limit: number): number => {
    const times = recent(key);
    if (times.length < limit) return 0;
    return times[times.length - limit]! + limits.windowMs - now();
  };

  return {
    waitMs({ email, ip }) {
      return Math.max(waitFor(emailKey(email), limits.perEmail), waitFor(ipKey(ip), limits.perIp));
    },
    recordFailure({ email, ip }) {
      for (const key of [emailKey(email), ipKey(ip)]) failures.set(key, [...recent(key), now()]);
    },
    recordSuccess({ email }) {
      failures.delete(emailKey(email));
    },
  };
}

function emailKey(email: string): string {
  return `email:${email.trim().toLowerCase()}`;
}

function ipKey(ip: string): string {
  return `ip:${ip}`;
}
