// Unit tests of the pure routing and SLA policies in workflows/policies/: triage (queue and
// priority from keywords, channel and automation), assignment and the first-response target.
import { describe, expect, it } from '@jest/globals';
import { chooseAssignee } from '../../workflows/policies/assignment.ts';
import { escalationOnBreach, firstResponseDue } from '../../workflows/policies/sla.ts';
import { triageTicket, type TriageFacts } from '../../workflows/policies/triage.ts';
import { Channel, Priority } from '../../workflows/ticket/vocabulary.ts';
import { candidate, hourMs, minuteMs, slaTerms } from './support/ticket-fixtures.ts';

function facts(overrides: Partial<TriageFacts>): TriageFacts {
  return {
    channel: Channel.Email,
    subject: 'A question',
    text: 'How do I change my display name?',
    requesterEmail: 'requester@example.test',
    automated: false,
    ...overrides,
  };
}

describe('triage policy', () => {
  it.each([
    ['English', 'Wrong amount on my invoice'],
    ['German', 'Frage zur Rechnung vom März'],
    ['French', 'Demande de remboursement'],
    ['Spanish', 'Problema con la factura de noviembre'],
    ['Spanish, in the body', 'Consulta'],
  ])('routes a %s billing request to the billing queue', (_language, subject) => {
    const text = subject === 'Consulta' ? 'No encuentro mi pago de octubre' : 'Hello';

    const decision = triageTicket(facts({ subject, text }));

    expect(decision.queueKey).toBe('billing');
    expect(decision.rules).toContain('billing-keywords');
  });

  it('leaves a general question in the support queue at normal priority', () => {
    const decision = triageTicket(facts({}));

    expect(decision).toMatchObject({ queueKey: 'support', priority: Priority.Normal });
    expect(decision.rules).toEqual(['default-support-normal']);
  });

  it('makes an outage urgent, in English and in German', () => {
    const english = triageTicket(facts({ subject: 'Production down since 9:00' }));
    const german = triageTicket(facts({ subject: 'Kompletter Ausfall der App' }));

    expect(english.priority).toBe(Priority.Urgent);
    expect(german.priority).toBe(Priority.Urgent);
    expect(english.rules).toEqual(['outage-keywords']);
  });

  it('makes an automated message low priority even when it mentions an outage', () => {
    const decision = triageTicket(facts({ subject: 'Auto-reply: outage notice', automated: true }));

    expect(decision.priority).toBe(Priority.Low);
    expect(decision.rules).toContain('automated-mail-low');
  });

  it('raises a blocked user and a live channel to high priority', () => {
    const lockedOut = triageTicket(facts({ subject: 'I am locked out of my account' }));
    const phone = triageTicket(facts({ channel: Channel.Phone }));

    expect(lockedOut.priority).toBe(Priority.High);
    expect(phone).toMatchObject({ priority: Priority.High, rules: ['live-channel-high'] });
  });

  it('keeps an urgent billing outage in billing and urgent, naming both rules', () => {
    const decision = triageTicket(facts({ subject: 'Payment page outage' }));

    expect(decision).toMatchObject({ queueKey: 'billing', priority: Priority.Urgent });
    expect(decision.rules).toEqual(['billing-keywords', 'outage-keywords']);
  });
});

describe('assignment policy', () => {
  it('gives the ticket to the least-loaded eligible agent', () => {
    const candidates = [
      candidate({ agentId: 11, openTickets: 4 }),
      candidate({ agentId: 12, openTickets: 1 }),
      candidate({ agentId: 13, openTickets: 2 }),
    ];

    expect(chooseAssignee({ skill: 'general', candidates }).agentId).toBe(12);
  });

  it('skips agents who are unavailable, at capacity or lack the queue skill', () => {
    const candidates = [
      candidate({ agentId: 11, openTickets: 0, available: false }),
      candidate({ agentId: 12, openTickets: 5, capacity: 5 }),
      candidate({ agentId: 13, openTickets: 0, skills: ['general'] }),
      candidate({ agentId: 14, openTickets: 4 }),
    ];

    expect(chooseAssignee({ skill: 'billing', candidates }).agentId).toBe(14);
  });

  it('breaks a tie by who waited longest since their last assignment, then the lowest id', () => {
    const waitedLongest = [
      candidate({ agentId: 11, lastAssignedAt: 2_000 }),
      candidate({ agentId: 12, lastAssignedAt: 1_000 }),
    ];
    const neverAssigned = [
      candidate({ agentId: 21, lastAssignedAt: 1_000 }),
      candidate({ agentId: 23, lastAssignedAt: null }),
      candidate({ agentId: 22, lastAssignedAt: null }),
    ];

    expect(chooseAssignee({ skill: 'general', candidates: waitedLongest }).agentId).toBe(12);
    expect(chooseAssignee({ skill: 'general', candidates: neverAssigned }).agentId).toBe(22);
    expect(
      chooseAssignee({ skill: 'general', candidates: [...neverAssigned].reverse() }).agentId,
    ).toBe(22);
  });

  it('assigns nobody and says why when no agent is eligible', () => {
    const candidates = [candidate({ available: false }), candidate({ agentId: 12, skills: [] })];

    const decision = chooseAssignee({ skill: 'general', candidates });

    expect(decision.agentId).toBeNull();
    expect(decision.reason).toContain('no available agent with skill "general"');
  });
});

describe('SLA policy', () => {
  it('sets the first-response target from the priority, counted from arrival', () => {
    const receivedAt = Date.UTC(2026, 11, 1, 9, 0);

    expect(firstResponseDue({ terms: slaTerms, priority: Priority.Normal, receivedAt })).toBe(
      receivedAt + 4 * hourMs,
    );
    expect(firstResponseDue({ terms: slaTerms, priority: Priority.Urgent, receivedAt })).toBe(
      receivedAt + 15 * minuteMs,
    );
  });

  it('escalates one priority step and one level per breach, and urgent stays urgent', () => {
    expect(escalationOnBreach({ priority: Priority.Normal, escalationLevel: 0 })).toMatchObject({
      level: 1,
      toPriority: Priority.High,
      notify: 'queue-lead',
    });
    expect(escalationOnBreach({ priority: Priority.Urgent, escalationLevel: 1 })).toMatchObject({
      level: 2,
      toPriority: Priority.Urgent,
    });
  });
});
