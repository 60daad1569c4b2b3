import { describe, expect, it } from '@jest/globals';
import { triageTicket } from '../../workflows/policies/triage.ts';

function queueFor(subject: string): string {
  return triageTicket({
    channel: 'email',
    subject,
    text: '',
    requesterEmail: null,
    automated: false,
  }).queueKey;
}

describe('triage billing keywords', () => {
  it.each([
    'Rechnungsnummer fehlt',
    'Zahlungsproblem seit Montag',
    'Rückerstattung bitte',
    'Problème de facturation',
    'Paiement refusé',
    'Pagamento duplicado',
    'Facturación incorrecta',
    'Refund for invoice 42',
  ])('routes "%s" to the billing queue, compounds and accents included', (subject) => {
    expect(queueFor(subject)).toBe('billing');
  });

  it.each(['Printer jams on the 3rd floor', 'Reset your password', 'Drucker-Störung'])(
    'leaves "%s" in the support queue',
    (subject) => {
      expect(queueFor(subject)).toBe('support');
    },
  );

  it('records the rule that fired and the policy version, for auditors', () => {
    const decision = triageTicket({
      channel: 'email',
      subject: 'Zahlungsproblem',
      text: '',
      requesterEmail: null,
      automated: false,
    });

    expect(decision.rules).toContain('billing-keywords');
    expect(decision.policyVersion).toBe('triage-2026-12-v2');
  });
});
