// A candidate SLA policy for `npm run audit -- simulate`: the Standard policy's first-response
// targets halved for every priority, to see how many past tickets would then have breached.
// Try it: npm run audit -- simulate --policy temporal/audit/examples/faster-first-response.ts --since 2026-11-01
import type { CandidatePolicy } from '../candidate-policy.ts';

export const name = 'faster-first-response (targets halved)';

/** First-response targets in minutes, replacing the queues' SLA policy terms. */
export const slaTargets: CandidatePolicy['slaTargets'] = {
  firstResponseMinutes: { urgent: 15, high: 30, normal: 120, low: 240 },
};
