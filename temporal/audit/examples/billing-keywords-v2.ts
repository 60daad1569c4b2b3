// A candidate triage policy for `npm run audit -- simulate`: today's rules, plus a wider set of
// billing words (plans, pricing, VAT, card declines) that routes more tickets to the Billing
// queue. Every other decision is today's, so the report shows only what the new words change.
// Try it: npm run audit -- simulate --policy temporal/audit/examples/billing-keywords-v2.ts --since 2026-11-01
import {
  triageTicket as todaysTriage,
  type TriageDecision,
  type TriageFacts,
} from '../../../workflows/policies/triage.ts';

export const name = 'billing-keywords-v2';

const policyVersion = 'triage-candidate-billing-keywords-v2';

const moreBillingWords =
  /\b(pricing|price|plan|upgrade|downgrade|vat|tax|card (?:was )?declined|credit card|overcharged|cancel(?:lation)? fee)\b/iu;

/** Today's triage, with tickets naming the extra billing words moved to the Billing queue. */
export function triageTicket(facts: TriageFacts): TriageDecision {
  const today = todaysTriage(facts);
  const haystack = `${facts.subject}\n${facts.text}`;
  if (today.queueKey === 'billing' || !moreBillingWords.test(haystack)) {
    return { ...today, policyVersion };
  }
  return {
    ...today,
    queueKey: 'billing',
    rules: ['billing-keywords-v2', ...today.rules],
    policyVersion,
  };
}
