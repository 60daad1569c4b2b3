// Unit tests of the checks the ticket workflow's update validators run
// (workflows/ticket/agent-actions.ts): which agent actions are refused, and with which type.
import { describe, expect, it } from '@jest/globals';
import {
  RefusalType,
  checkAssign,
  checkNote,
  checkReply,
  checkPromise,
  checkStatus,
} from '../../workflows/ticket/agent-actions.ts';
import { newTicketState, type TicketState } from '../../workflows/ticket/ticket-state.ts';
import { Channel, Priority, TicketStatus } from '../../workflows/ticket/vocabulary.ts';

/** A ticket at version 7 whose conversation last moved at version 5, owned by agent 11. */
function ticket(overrides: Partial<TicketState> = {}): TicketState {
  const arrived = newTicketState({
    ticketId: 42,
    subject: 'Cannot export reports',
    channel: Channel.Email,
    requesterId: 501,
    mailbox: null,
    priority: Priority.Normal,
    receivedAt: Date.UTC(2026, 11, 1, 9, 0),
  });
  return {
    ...arrived,
    status: TicketStatus.Open,
    assigneeId: 11,
    seq: 7,
    conversationSeq: 5,
    ...overrides,
  };
}

const reply = { agentId: 11, body: 'Here is how to export them.' };

describe('agent action checks', () => {
  it('accepts a reply drafted on the current conversation', () => {
    expect(checkReply(ticket(), { ...reply, expectedVersion: 7 }, false)).toBeNull();
    expect(checkReply(ticket(), { ...reply, expectedVersion: 5 }, false)).toBeNull();
  });

  it('accepts a reply that does not state the version it was drafted on', () => {
    expect(checkReply(ticket(), reply, false)).toBeNull();
  });

  it('refuses a reply drafted before the latest customer message as stale', () => {
    const refusal = checkReply(ticket(), { ...reply, expectedVersion: 4 }, false);

    expect(refusal?.type).toBe(RefusalType.Stale);
  });

  it('refuses a reply while a colleague is sending one, saying so, even when it is current', () => {
    const racing = checkReply(ticket(), { ...reply, expectedVersion: 7 }, true);
    const outdated = checkReply(ticket(), { ...reply, expectedVersion: 4 }, false);

    expect(racing?.type).toBe('StaleTicket');
    expect(racing?.message).toContain('colleague');
    expect(racing?.message).not.toBe(outdated?.message);
  });

  it('refuses an empty reply or a reply to a closed ticket as invalid', () => {
    const closed = ticket({ status: TicketStatus.Closed });

    expect(checkReply(ticket(), { ...reply, body: '  \n ' }, false)?.type).toBe(
      'InvalidTicketAction',
    );
    expect(checkReply(closed, reply, false)?.type).toBe('InvalidTicketAction');
  });

  it('refuses an empty note or a note on a closed ticket, and accepts others', () => {
    const note = { agentId: 12, body: 'Customer is on the enterprise plan.' };

    expect(checkNote(ticket(), note)).toBeNull();
    expect(checkNote(ticket(), { ...note, body: '' })?.type).toBe('InvalidTicketAction');
    expect(checkNote(ticket({ status: TicketStatus.Closed }), note)?.type).toBe(
      'InvalidTicketAction',
    );
  });

  it('refuses handing a ticket to the agent who already owns it', () => {
    expect(checkAssign(ticket(), { agentId: 12, byAgentId: 11 })).toBeNull();
    expect(checkAssign(ticket(), { agentId: 11, byAgentId: 12 })?.message).toContain(
      'already assigned to agent 11',
    );
    expect(
      checkAssign(ticket({ status: TicketStatus.Closed }), { agentId: 12, byAgentId: 11 })?.type,
    ).toBe('InvalidTicketAction');
  });

  it('accepts moving an open ticket to pending, on hold or resolved', () => {
    expect(checkStatus(ticket(), { status: TicketStatus.Pending, byAgentId: 11 })).toBeNull();
    expect(checkStatus(ticket(), { status: TicketStatus.OnHold, byAgentId: 11 })).toBeNull();
    expect(checkStatus(ticket(), { status: TicketStatus.Resolved, byAgentId: 11 })).toBeNull();
  });

  it('refuses unknown statuses, "new", no-op changes and changing a closed ticket', () => {
    const unknown = { status: 'snoozed' as TicketStatus, byAgentId: 11 };
    const backToNew = { status: TicketStatus.New, byAgentId: 11 };
    const stillOpen = { status: TicketStatus.Open, byAgentId: 11 };
    const closed = ticket({ status: TicketStatus.Closed });

    expect(checkStatus(ticket(), unknown)?.message).toContain('unknown status "snoozed"');
    expect(checkStatus(ticket(), backToNew)?.message).toContain('cannot be set by an agent');
    expect(checkStatus(ticket(), stillOpen)?.message).toContain('already open');
    expect(checkStatus(closed, stillOpen)?.message).toContain('closed');
  });

  it('refuses a promise already due, without a note, or on a closed ticket', () => {
    const now = Date.UTC(2026, 11, 4, 12, 0);
    const promise = { agentId: 11, dueAt: now + 3_600_000, note: 'Vendor answer' };

    expect(checkPromise(ticket(), promise, now)).toBeNull();
    expect(checkPromise(ticket(), { ...promise, dueAt: now }, now)?.message).toContain('future');
    expect(checkPromise(ticket(), { ...promise, note: ' ' }, now)?.type).toBe(
      'InvalidTicketAction',
    );
    expect(checkPromise(ticket({ status: TicketStatus.Closed }), promise, now)?.message).toContain(
      'closed',
    );
  });
});
