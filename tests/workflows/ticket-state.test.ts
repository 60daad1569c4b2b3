// Unit tests of the pure ticket state machine (workflows/ticket/ticket-state.ts): the lifecycle a
// ticket goes through, reassignment counting, automated mail, and redelivered message ids.
import { describe, expect, it } from '@jest/globals';
import {
  applyFact,
  hasSeenMessage,
  newTicketState,
  type TicketFact,
  type TicketState,
  type TimelineEntry,
} from '../../workflows/ticket/ticket-state.ts';
import { Channel, Priority, TicketStatus } from '../../workflows/ticket/vocabulary.ts';
import { dayMs, hourMs, minuteMs, supportQueue } from './support/ticket-fixtures.ts';

const receivedAt = Date.UTC(2026, 11, 1, 9, 0);

function arrivedTicket(): TicketState {
  return newTicketState({
    ticketId: 42,
    subject: 'Cannot export reports',
    channel: Channel.Email,
    requesterId: 501,
    mailbox: 'support@example.test',
    priority: Priority.Normal,
    receivedAt,
  });
}

/** Folds facts in order, keeping every timeline entry they add. */
function applyAll(
  state: TicketState,
  facts: TicketFact[],
): { state: TicketState; entries: TimelineEntry[] } {
  const entries: TimelineEntry[] = [];
  for (const fact of facts) {
    const step = applyFact(state, fact);
    state = step.state;
    entries.push(step.entry);
  }
  return { state, entries };
}

/** The facts of a ticket that has been triaged, assigned to agent 11 and armed. */
function openedFacts(): TicketFact[] {
  return [
    { type: 'created', at: receivedAt, messageId: 1 },
    {
      type: 'triaged',
      at: receivedAt,
      queue: supportQueue,
      priority: Priority.High,
      rules: ['blocked-keywords'],
      policyVersion: 'triage-test',
    },
    {
      type: 'assigned',
      at: receivedAt,
      agentId: 11,
      byAgentId: null,
      reason: 'least loaded',
      note: null,
      policyVersion: 'assignment-test',
    },
    {
      type: 'slaArmed',
      at: receivedAt,
      target: 'first_response',
      dueAt: receivedAt + hourMs,
      policy: 'Standard',
    },
  ];
}

function openedTicket(): TicketState {
  return applyAll(arrivedTicket(), openedFacts()).state;
}

function customerWrites(at: number, messageId: number, automated = false): TicketFact {
  return { type: 'customerMessage', at, messageId, automated };
}

function statusTo(to: TicketStatus, at: number): TicketFact {
  return { type: 'statusChanged', at, to, byAgentId: 11, reason: 'set by an agent' };
}

describe('ticket state machine', () => {
  it('walks a ticket from arrival through pending, resolution and reopening to auto-close', () => {
    const replyAt = receivedAt + 30 * minuteMs;
    const pendingAt = replyAt + minuteMs;
    const answerAt = pendingAt + dayMs;
    const resolvedAt = answerAt + hourMs;
    const reopenAt = resolvedAt + dayMs;
    const closeAt = reopenAt + 6 * dayMs;

    const opened = applyAll(arrivedTicket(), openedFacts());
    const replied = applyAll(opened.state, [
      { type: 'publicReply', at: replyAt, agentId: 11, messageId: 2 },
    ]);
    const pending = applyAll(replied.state, [statusTo(TicketStatus.Pending, pendingAt)]);
    const resumed = applyAll(pending.state, [customerWrites(answerAt, 3)]);
    const resolved = applyAll(resumed.state, [statusTo(TicketStatus.Resolved, resolvedAt)]);
    const reopened = applyAll(resolved.state, [
      customerWrites(reopenAt, 4),
      { type: 'reopened', at: reopenAt, messageId: 4 },
    ]);
    const closed = applyAll(reopened.state, [
      { type: 'autoClosed', at: closeAt, reason: 'no reply' },
    ]);

    expect(opened.state).toMatchObject({
      status: TicketStatus.Open,
      priority: Priority.High,
      queue: supportQueue,
      assigneeId: 11,
      reassignmentCount: 0,
      firstResponseDueAt: receivedAt + hourMs,
    });
    expect(replied.state.firstRespondedAt).toBe(replyAt);
    expect(pending.state).toMatchObject({ status: TicketStatus.Pending, pendingSince: pendingAt });
    expect(resumed.state).toMatchObject({ status: TicketStatus.Open, pendingSince: null });
    expect(resolved.state).toMatchObject({ status: TicketStatus.Resolved, resolvedAt });
    expect(reopened.state).toMatchObject({ status: TicketStatus.Open, resolvedAt: null });
    expect(closed.state.status).toBe(TicketStatus.Closed);
    expect(closed.state.firstRespondedAt).toBe(replyAt);
  });

  it('adds one timeline entry per fact, numbered without gaps', () => {
    const facts: TicketFact[] = [
      ...openedFacts(),
      { type: 'internalNote', at: receivedAt + minuteMs, agentId: 12, messageId: 9 },
      { type: 'publicReply', at: receivedAt + 2 * minuteMs, agentId: 11, messageId: 10 },
    ];

    const { state, entries } = applyAll(arrivedTicket(), facts);

    expect(entries.map((entry) => entry.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(entries.map((entry) => entry.kind)).toEqual([
      'created',
      'triaged',
      'assigned',
      'sla_armed',
      'internal_note',
      'public_reply',
    ]);
    expect(state.seq).toBe(6);
    expect(entries[5]).toMatchObject({ actor: 'agent:11', detail: { firstResponse: true } });
  });

  it('counts a reassignment each time the owner changes, not the first assignment', () => {
    const handOff = (agentId: number, byAgentId: number): TicketFact => ({
      type: 'assigned',
      at: receivedAt + hourMs,
      agentId,
      byAgentId,
      reason: 'handed off by an agent',
      note: 'billing question',
      policyVersion: null,
    });

    const { state, entries } = applyAll(openedTicket(), [handOff(12, 11), handOff(13, 12)]);

    expect(state.assigneeId).toBe(13);
    expect(state.reassignmentCount).toBe(2);
    expect(entries[0]).toMatchObject({
      actor: 'agent:11',
      detail: { agentId: 12, previousAgentId: 11, note: 'billing question' },
    });
  });

  it('keeps a pending ticket waiting when an automated message arrives', () => {
    const pending = applyAll(openedTicket(), [statusTo(TicketStatus.Pending, receivedAt)]).state;

    const { state, entries } = applyAll(pending, [customerWrites(receivedAt + hourMs, 5, true)]);

    expect(state.status).toBe(TicketStatus.Pending);
    expect(state.pendingSince).toBe(receivedAt);
    expect(state.lastActivityAt).toBe(pending.lastActivityAt);
    expect(state.conversationSeq).toBe(pending.conversationSeq);
    expect(entries[0]).toMatchObject({ kind: 'customer_message', actor: 'automated' });
  });

  it('keeps a resolved ticket resolved when an automated message arrives', () => {
    const resolved = applyAll(openedTicket(), [statusTo(TicketStatus.Resolved, receivedAt)]).state;

    const { state } = applyAll(resolved, [customerWrites(receivedAt + hourMs, 6, true)]);

    expect(state.status).toBe(TicketStatus.Resolved);
    expect(state.resolvedAt).toBe(receivedAt);
  });

  it('remembers every applied message id, including the first one, to ignore redeliveries', () => {
    const { state } = applyAll(openedTicket(), [customerWrites(receivedAt + hourMs, 8)]);

    expect(hasSeenMessage(state, 1)).toBe(true);
    expect(hasSeenMessage(state, 8)).toBe(true);
    expect(hasSeenMessage(state, 9)).toBe(false);
  });

  it('moves the conversation version on customer messages and public replies only', () => {
    const opened = openedTicket();

    const noted = applyAll(opened, [
      { type: 'internalNote', at: receivedAt, agentId: 12, messageId: 20 },
    ]).state;
    const answered = applyAll(noted, [customerWrites(receivedAt + minuteMs, 21)]).state;
    const replied = applyAll(answered, [
      { type: 'publicReply', at: receivedAt + hourMs, agentId: 11, messageId: 22 },
    ]).state;

    expect(noted.conversationSeq).toBe(opened.conversationSeq);
    expect(answered.conversationSeq).toBe(answered.seq);
    expect(replied.conversationSeq).toBe(replied.seq);
  });

  it('raises the priority and escalation level on escalation after a breach', () => {
    const breachAt = receivedAt + hourMs;

    const { state, entries } = applyAll(openedTicket(), [
      { type: 'slaBreached', at: breachAt, target: 'first_response', dueAt: breachAt },
      {
        type: 'escalated',
        at: breachAt,
        level: 1,
        toPriority: Priority.Urgent,
        notifiedAgentId: 900,
        reason: 'first response breached',
      },
    ]);

    expect(state).toMatchObject({ breached: true, escalationLevel: 1, priority: Priority.Urgent });
    expect(entries[1]?.detail).toMatchObject({ fromPriority: 'high', toPriority: 'urgent' });
  });

  it('keeps the follow-up reminder time only while the ticket stays pending', () => {
    const pendingAt = receivedAt + hourMs;
    const reminderAt = pendingAt + 2 * dayMs;
    const pending = applyAll(openedTicket(), [
      statusTo(TicketStatus.Pending, pendingAt),
      { type: 'followUpSent', at: reminderAt, messageId: 30 },
    ]).state;

    const resumed = applyAll(pending, [customerWrites(reminderAt + hourMs, 31)]).state;

    expect(pending.followUpSentAt).toBe(reminderAt);
    expect(resumed.followUpSentAt).toBeNull();
    expect(resumed.pendingSince).toBeNull();
  });
});

describe('ticket state machine with business-time SLAs', () => {
  const terms = {
    type: 'slaTermsApplied',
    at: receivedAt,
    policy: 'Standard r1 (sla-2026-12-v2)',
    calendarId: 'de-office',
    priority: Priority.Normal,
    reason: 'opened',
  } as const;
  const triaged: TicketFact = {
    type: 'triaged',
    at: receivedAt,
    queue: supportQueue,
    priority: Priority.Normal,
    rules: [],
    policyVersion: 'test',
  };

  it('counts a target met when the reply lands exactly on the due instant', () => {
    const dueAt = receivedAt + 4 * hourMs;

    const { entries } = applyAll(arrivedTicket(), [
      terms,
      { type: 'slaArmed', at: receivedAt, target: 'first_response', dueAt, policy: terms.policy },
      { type: 'slaMet', at: dueAt, target: 'first_response', dueAt, businessMs: 4 * hourMs },
    ]);

    expect(entries.at(-1)!.detail).toMatchObject({ met: true, businessMinutes: 240 });
  });

  it('logs each status for the clock, and resolving from on hold ends the pause', () => {
    const { state } = applyAll(arrivedTicket(), [
      triaged,
      terms,
      { type: 'statusChanged', at: receivedAt + hourMs, to: 'on_hold', byAgentId: 12, reason: '' },
      {
        type: 'statusChanged',
        at: receivedAt + dayMs,
        to: TicketStatus.Resolved,
        byAgentId: 12,
        reason: '',
      },
    ]);

    expect(state.sla!.statusLog.map((entry) => entry.status)).toEqual([
      TicketStatus.Open,
      TicketStatus.OnHold,
      TicketStatus.Resolved,
    ]);
  });

  it('starts a next-response cycle at the first unanswered customer message only', () => {
    const { state } = applyAll(arrivedTicket(), [
      triaged,
      terms,
      { type: 'publicReply', at: receivedAt + minuteMs, agentId: 12, messageId: 1 },
      { type: 'customerMessage', at: receivedAt + hourMs, messageId: 2, automated: false },
      { type: 'customerMessage', at: receivedAt + 2 * hourMs, messageId: 3, automated: false },
      { type: 'customerMessage', at: receivedAt + 3 * hourMs, messageId: 4, automated: true },
    ]);

    expect(state.sla!.nextResponseSince).toBe(receivedAt + hourMs);
  });

  it('records a kept promise and forgets it', () => {
    const { state, entries } = applyAll(arrivedTicket(), [
      terms,
      {
        type: 'promiseMade',
        at: receivedAt,
        agentId: 12,
        dueAt: receivedAt + dayMs,
        note: 'Vendor answer tomorrow',
        remindAt: null,
      },
      { type: 'promiseKept', at: receivedAt + hourMs, messageId: 5 },
    ]);

    expect(state.promise).toBeNull();
    expect(entries.map((entry) => entry.kind)).toEqual([
      'sla_terms_applied',
      'promise_made',
      'promise_kept',
    ]);
    expect(entries.at(-1)!.detail).toMatchObject({ agentId: 12, messageId: 5 });
  });
});
