// Triage policy: which queue a new ticket waits in and how urgent it is, decided from
// the channel, the requester and keywords. Pure and versioned: a lead changes a rule in a
// reviewed commit, and every decision records the rule ids and this version for auditors.
import { Priority, type Channel } from '../ticket/vocabulary.ts';

export const triagePolicyVersion = 'triage-2026-12-v2';

export interface TriageFacts {
  channel: Channel;
  subject: string;
  text: string;
  requesterEmail: string | null;
  automated: boolean;
}

export interface TriageDecision {
  queueKey: string;
  priority: Priority;
  /** Ids of the rules that fired, in order; an auditor sees exactly why. */
  rules: string[];
  policyVersion: string;
}

interface KeywordRule {
  id: string;
  words: RegExp;
}

// Billing words in the languages our requesters write in. German compounds
// (Rechnungsnummer, Zahlungsproblem, Rückerstattung) carry the stem inside a longer word,
// so those stems match anywhere in a word; the others match whole words only.
const billingRule: KeywordRule = {
  id: 'billing-keywords',
  words: new RegExp(
    [
      String.raw`\b(invoices?|billing|refunds?|payments?|charged?|receipts?|subscriptions?)\b`,
      String.raw`(rechnung|zahlung|erstattung|abbuchung|lastschrift)`,
      String.raw`\b(factures?|facturation|paiements?|remboursements?)\b`,
      String.raw`\b(facturas?|facturación|pagos?|reembolsos?|cobros?)\b`,
      String.raw`\b(faturas?|faturamento|pagamentos?|reembolsos?|cobranças?)\b`,
    ].join('|'),
    'iu',
  ),
};

const urgentRule: KeywordRule = {
  id: 'outage-keywords',
  words:
    /\b(outage|down for everyone|production down|data loss|security incident|breach|ausfall|urgent|dringend|asap)\b/iu,
};

const highRule: KeywordRule = {
  id: 'blocked-keywords',
  words: /\b(cannot log ?in|can't log ?in|locked out|not working|broken|error|fehler|erreur)\b/iu,
};

/** Decides queue and priority for a new ticket; never looks at anything but its facts. */
export function triageTicket(facts: TriageFacts): TriageDecision {
  const haystack = `${facts.subject}\n${facts.text}`;
  const rules: string[] = [];

  let queueKey = 'support';
  if (billingRule.words.test(haystack)) {
    queueKey = 'billing';
    rules.push(billingRule.id);
  }

  let priority: Priority = Priority.Normal;
  if (facts.automated) {
    priority = Priority.Low;
    rules.push('automated-mail-low');
  } else if (urgentRule.words.test(haystack)) {
    priority = Priority.Urgent;
    rules.push(urgentRule.id);
  } else if (highRule.words.test(haystack)) {
    priority = Priority.High;
    rules.push(highRule.id);
  } else if (facts.channel === 'phone' || facts.channel === 'chat') {
    priority = Priority.High;
    rules.push('live-channel-high');
  }

  if (rules.length === 0) rules.push('default-support-normal');
  return { queueKey, priority, rules, policyVersion: triagePolicyVersion };
}
