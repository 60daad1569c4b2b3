// Unit tests of the business-time SLA policy (workflows/policies/sla.ts), the escalation ladder
// (workflows/policies/escalation.ts) and the ticket's deadline list
// (workflows/ticket/sla-deadlines.ts), at the exact instants of cases C01, C03 and C05.
import { describe, expect, it } from '@jest/globals';
import {
  escalationKey,
  recipientsOf,
  stepInstant,
  validateLadder,
  type EscalationStep,
} from '../../workflows/policies/escalation.ts';
import {
  businessTimeUsed,
  completeTerms,
  targetDue,
  type SlaTerms,
  type SlaTarget,
  type TargetFacts,
} from '../../workflows/policies/sla.ts';
import { alwaysOpen, type BusinessCalendar } from '../../workflows/shared/business-time.ts';
import { pendingDeadlines } from '../../workflows/ticket/sla-deadlines.ts';
import { newTicketState, type SlaTrack } from '../../workflows/ticket/ticket-state.ts';
import { Channel, Priority, TicketStatus } from '../../workflows/ticket/vocabulary.ts';
import { deOffice, officeCalendar } from './shared/calendars.ts';
import { dayMs, hourMs, minuteMs, slaTerms } from './support/ticket-fixtures.ts';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function terms(overrides: Partial<SlaTerms>) {
  return completeTerms({ ...slaTerms, warnBeforeMs: hourMs, ...overrides });
}

function facts(options: {
  target: SlaTarget;
  calendar: BusinessCalendar;
  statusLog: { at: number; status: TicketStatus }[];
  now: number;
  firstResponseMs?: number;
  resolutionMs?: number;
  nextResponseSince?: number | null;
}): TargetFacts {
  return {
    target: options.target,
    terms: terms({
      firstResponseMs: {
        ...slaTerms.firstResponseMs,
        normal: options.firstResponseMs ?? 4 * hourMs,
      },
      resolutionMs: { ...slaTerms.resolutionMs, normal: options.resolutionMs ?? 16 * hourMs },
      nextResponseMs: { ...slaTerms.firstResponseMs, normal: 2 * hourMs },
    }),
    calendar: options.calendar,
    priority: Priority.Normal,
    statusLog: options.statusLog,
    nextResponseSince: options.nextResponseSince ?? null,
    now: options.now,
  };
}

const c03Calendar = officeCalendar({ timeZone: 'Europe/Berlin' });

describe('business-time SLA policy', () => {
  it('C01: starts the clock at the first business minute after a weekend and Easter Monday', () => {
    const created = [{ at: at('2025-04-19T12:20:00Z'), status: TicketStatus.Open }];
    const base = { calendar: deOffice, statusLog: created, now: at('2025-04-19T12:20:00Z') };

    const firstResponse = targetDue(facts({ ...base, target: 'first_response' }));
    const resolution = targetDue(facts({ ...base, target: 'resolution' }));

    expect(iso(firstResponse.dueAt)).toBe('2025-04-22T11:00:00.000Z');
    expect(iso(firstResponse.warnAt)).toBe('2025-04-22T10:00:00.000Z');
    expect(iso(resolution.dueAt)).toBe('2025-04-23T15:00:00.000Z');
  });

  it('C01: measures the first response at 90 business minutes, not 68 hours', () => {
    const created = [{ at: at('2025-04-19T12:20:00Z'), status: TicketStatus.Open }];

    const used = businessTimeUsed(
      facts({
        target: 'first_response',
        calendar: deOffice,
        statusLog: created,
        now: at('2025-04-22T08:30:00Z'),
      }),
    );

    expect(used).toBe(90 * minuteMs);
  });

  it('C01: a holiday added on the Tuesday moves both due instants a business day later', () => {
    const edited = { ...deOffice, holidays: [...deOffice.holidays, '2025-04-22'] };
    const created = [{ at: at('2025-04-19T12:20:00Z'), status: TicketStatus.Open }];
    const base = { calendar: edited, statusLog: created, now: at('2025-04-21T12:00:00Z') };

    expect(iso(targetDue(facts({ ...base, target: 'first_response' })).dueAt)).toBe(
      '2025-04-23T11:00:00.000Z',
    );
    expect(iso(targetDue(facts({ ...base, target: 'resolution' })).dueAt)).toBe(
      '2025-04-24T15:00:00.000Z',
    );
  });

  it('C03: pauses resolution while pending and moves its due instant after each resume', () => {
    const log = [
      { at: at('2025-01-13T09:00:00Z'), status: TicketStatus.Open },
      { at: at('2025-01-13T10:00:00Z'), status: TicketStatus.Pending },
      { at: at('2025-01-14T14:00:00Z'), status: TicketStatus.Open },
    ];
    const due = (now: string, upTo: number) =>
      targetDue(
        facts({
          target: 'resolution',
          calendar: c03Calendar,
          statusLog: log.slice(0, upTo),
          now: at(now),
          resolutionMs: 8 * hourMs,
        }),
      ).dueAt;

    expect(iso(due('2025-01-13T09:00:00Z', 1))).toBe('2025-01-14T09:00:00.000Z');
    expect(due('2025-01-13T10:00:00Z', 2)).toBeNull();
    expect(iso(due('2025-01-14T14:00:00Z', 3))).toBe('2025-01-15T13:00:00.000Z');
  });

  it('C03: resolved straight from pending counts 240 business minutes, hold excluded', () => {
    const log = [
      { at: at('2025-01-13T09:00:00Z'), status: TicketStatus.Open },
      { at: at('2025-01-13T10:00:00Z'), status: TicketStatus.Pending },
      { at: at('2025-01-14T14:00:00Z'), status: TicketStatus.Open },
      { at: at('2025-01-15T09:00:00Z'), status: TicketStatus.Pending },
    ];

    const used = businessTimeUsed(
      facts({
        target: 'resolution',
        calendar: c03Calendar,
        statusLog: log,
        now: at('2025-01-16T11:00:00Z'),
        resolutionMs: 8 * hourMs,
      }),
    );

    expect(used).toBe(240 * minuteMs);
  });

  it('C05 B: next response runs from the customer message, not from the earlier pause', () => {
    const log = [
      { at: at('2025-03-12T08:00:00Z'), status: TicketStatus.Open },
      { at: at('2025-03-12T09:00:00Z'), status: TicketStatus.Pending },
      { at: at('2025-03-12T12:00:00Z'), status: TicketStatus.Open },
    ];

    const due = targetDue(
      facts({
        target: 'next_response',
        calendar: alwaysOpen,
        statusLog: log,
        now: at('2025-03-12T12:00:00Z'),
        nextResponseSince: at('2025-03-12T12:00:00Z'),
      }),
    );

    expect(iso(due.dueAt)).toBe('2025-03-12T14:00:00.000Z');
  });
});

describe('escalation ladder', () => {
  const step = (offsetMs: number, actions: EscalationStep['actions'] = []): EscalationStep => ({
    level: 1,
    target: 'first_response',
    offsetMs,
    actions,
  });
  const c01Facts = facts({
    target: 'first_response',
    calendar: deOffice,
    statusLog: [{ at: at('2025-04-19T12:20:00Z'), status: TicketStatus.Open }],
    now: at('2025-04-19T12:20:00Z'),
  });
  const dueAt = at('2025-04-22T11:00:00Z');

  it('places a step after the due instant in business time, past the close and the night', () => {
    const instant = stepInstant({ step: step(6 * hourMs), facts: c01Facts, dueAt });

    expect(iso(instant)).toBe('2025-04-23T09:00:00.000Z');
  });

  it('places a step before the due instant inside business hours', () => {
    const instant = stepInstant({ step: step(-3 * hourMs), facts: c01Facts, dueAt });

    expect(iso(instant)).toBe('2025-04-22T08:00:00.000Z');
  });

  it('keys a step by ticket, target, level and due instant', () => {
    const key = escalationKey({ ticketId: 501, target: 'first_response', level: 2, dueAt });

    expect(key).toBe('ticket-501:first_response:2:2025-04-22T11:00:00.000Z');
  });

  it('tells each person once even when the lead is also named', () => {
    const both = step(0, [{ kind: 'notify_lead' }, { kind: 'notify_agents', agentIds: [7, 8, 7] }]);

    expect(recipientsOf({ step: both, leadAgentId: 7 })).toEqual([7, 8]);
  });

  it('rejects a ladder with a repeated level or a step that does nothing', () => {
    const problems = validateLadder([step(0), step(hourMs, [{ kind: 'raise_priority' }])]);

    expect(problems).toEqual(['level 1 has no action', 'level 1 appears twice for first_response']);
  });
});

describe('ticket SLA deadlines', () => {
  const createdAt = at('2025-03-12T10:00:00Z');
  const state = {
    ...newTicketState({
      ticketId: 501,
      subject: 'Export fails',
      channel: Channel.Email,
      requesterId: 1,
      mailbox: null,
      priority: Priority.Normal,
      receivedAt: createdAt,
    }),
    status: TicketStatus.Open,
  };
  const idle = { dueAt: null, warnAt: null, warnedAt: null, breachedAt: null, metAt: null };
  const sla: SlaTrack = {
    policy: 'Standard',
    calendarId: alwaysOpen.id,
    priority: Priority.Normal,
    statusLog: [{ at: createdAt, status: TicketStatus.Open }],
    nextResponseSince: null,
    targets: {
      first_response: { ...idle, dueAt: createdAt + hourMs, warnAt: createdAt + 30 * minuteMs },
      next_response: idle,
      resolution: { ...idle, dueAt: createdAt + dayMs },
    },
    firedSteps: [],
  };
  const setting = {
    terms: terms({
      escalationLadder: [
        { level: 1, target: 'first_response', offsetMs: 0, actions: [{ kind: 'notify_lead' }] },
      ],
    }),
    calendar: alwaysOpen,
  };

  it('lists the warning, then the breach and its step at the same instant, then resolution', () => {
    const deadlines = pendingDeadlines({ state, sla, setting, now: createdAt });

    expect(deadlines.map((d) => [d.kind, iso(d.at)])).toEqual([
      ['warning', '2025-03-12T10:30:00.000Z'],
      ['breach', '2025-03-12T11:00:00.000Z'],
      ['step', '2025-03-12T11:00:00.000Z'],
      ['breach', '2025-03-13T10:00:00.000Z'],
    ]);
  });

  it('never lists a step again once it was taken', () => {
    const taken = { ...sla, firedSteps: ['first_response:1:0'] };

    const deadlines = pendingDeadlines({ state, sla: taken, setting, now: createdAt });

    expect(deadlines.filter((d) => d.kind === 'step')).toEqual([]);
  });
});
