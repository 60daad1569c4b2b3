// Unit tests of the pure collaboration rules (workflows/ticket/collab-actions.ts) and the facts
// they add to the state machine (workflows/ticket/ticket-state.ts): tag normalisation, @handle
// parsing, the update validators' refusals, and what merge, fields and tags do to a ticket.
import { describe, expect, it } from '@jest/globals';
import { checkReply, RefusalType } from '../../workflows/ticket/agent-actions.ts';
import {
  checkHandoff,
  checkMacro,
  checkMergeInto,
  normalizeTags,
  parseMentionHandles,
  tagProblem,
  tagsAfterMacro,
  teamSlug,
} from '../../workflows/ticket/collab-actions.ts';
import {
  applyFact,
  newTicketState,
  type TicketState,
} from '../../workflows/ticket/ticket-state.ts';
import { Channel, Priority, TicketStatus } from '../../workflows/ticket/vocabulary.ts';

const at = Date.UTC(2026, 11, 5, 9, 0);

function openTicket(changes: Partial<TicketState> = {}): TicketState {
  const state = newTicketState({
    ticketId: 7,
    subject: 'Printer offline',
    channel: Channel.Email,
    requesterId: 3,
    mailbox: null,
    priority: Priority.Normal,
    receivedAt: at,
  });
  return { ...state, status: TicketStatus.Open, assigneeId: 2, seq: 5, ...changes };
}

describe('tags', () => {
  it('trims, lower-cases, joins inner spaces with dashes and drops empties and repeats in order', () => {
    expect(normalizeTags([' VIP ', 'vip', 'Needs  Follow up', '', 'Ünïcode Tag'])).toEqual([
      'vip',
      'needs-follow-up',
      'ünïcode-tag',
    ]);
  });

  it('names the first tag over the length limit and a list over the count limit', () => {
    expect(tagProblem(['ok', 'x'.repeat(41)])).toBe(
      `tag "${'x'.repeat(41)}" is longer than 40 characters`,
    );
    expect(tagProblem(Array.from({ length: 21 }, (_, i) => `t${i}`))).toBe(
      'at most 20 tags, got 21',
    );
    expect(tagProblem(['fine'])).toBeNull();
  });

  it('lets a macro’s removal win over its own addition of the same tag', () => {
    expect(
      tagsAfterMacro(['vip', 'new'], { addTags: ['Refund', 'new'], removeTags: ['NEW'] }),
    ).toEqual(['vip', 'refund']);
  });
});

describe('mentions', () => {
  it('finds @handles after spaces and punctuation but not inside email addresses', () => {
    const body = 'Hi @Alice, mail bob@example.com; (@carol.n) cc @support-team. @@x and a lone @';

    expect(parseMentionHandles(body)).toEqual(['alice', 'carol.n', 'support-team']);
  });

  it('turns a team name into its handle', () => {
    expect(teamSlug('Second Line  Support!')).toBe('second-line-support');
  });
});

describe('update validators', () => {
  it('refuses a handoff with a blank note, with two targets, or to the current owner as invalid', () => {
    const ticket = openTicket();

    expect(checkHandoff(ticket, { byAgentId: 1, note: '  ', toAgentId: 4 })?.type).toBe(
      RefusalType.Invalid,
    );
    const both = {
      byAgentId: 1,
      note: 'n',
      toAgentId: 4,
      toTeam: { id: 1, name: 'S', queueKey: 's' },
    };
    expect(checkHandoff(ticket, both)?.message).toBe(
      'hand the ticket off to one agent or one team',
    );
    expect(checkHandoff(ticket, { byAgentId: 1, note: 'n', toAgentId: 2 })?.message).toBe(
      'agent 2 already owns the ticket',
    );
  });

  it('refuses a handoff or a macro drafted before the last recorded fact as stale', () => {
    const ticket = openTicket({ seq: 9 });

    expect(
      checkHandoff(ticket, { byAgentId: 1, note: 'n', toAgentId: 4, expectedVersion: 8 })?.type,
    ).toBe(RefusalType.Stale);
    const macro = { byAgentId: 1, macroId: 1, title: 'T', actions: {}, expectedVersion: 8 };
    expect(checkMacro(ticket, macro)?.type).toBe(RefusalType.Stale);
    expect(checkMacro(ticket, { ...macro, expectedVersion: 9 })).toBeNull();
  });

  it('refuses merging a closed or already merged ticket as a conflict', () => {
    expect(
      checkMergeInto(openTicket({ status: TicketStatus.Closed }), { byAgentId: 1, intoTicketId: 8 })
        ?.type,
    ).toBe(RefusalType.Stale);
    expect(
      checkMergeInto(openTicket({ mergedIntoTicketId: 9 }), { byAgentId: 1, intoTicketId: 8 })
        ?.message,
    ).toBe('ticket 7 was already merged into 9');
    expect(checkMergeInto(openTicket(), { byAgentId: 1, intoTicketId: 7 })?.type).toBe(
      RefusalType.Invalid,
    );
  });
});

describe('collaboration facts', () => {
  it('remembers where a merged ticket went; the handler closes it with a status change after', () => {
    const { state, entry } = applyFact(openTicket(), {
      type: 'mergedInto',
      at,
      byAgentId: 1,
      intoTicketId: 8,
    });

    expect(state.mergedIntoTicketId).toBe(8);
    expect(entry).toMatchObject({
      kind: 'merged_into',
      actor: 'agent:1',
      detail: { intoTicketId: 8, from: 'open' },
    });
    expect(checkMergeInto(state, { byAgentId: 1, intoTicketId: 9 })?.type).toBe(RefusalType.Stale);
  });

  it('makes replies drafted before a merge stale, since new messages joined the conversation', () => {
    const { state } = applyFact(openTicket({ conversationSeq: 2 }), {
      type: 'mergedFrom',
      at,
      byAgentId: 1,
      fromTicketId: 6,
    });

    // A reply drafted at version 5, before the merge, now fails checkReply's staleness guard.
    expect(state.conversationSeq).toBe(6);
    expect(checkReply(state, { agentId: 1, body: 'hi', expectedVersion: 5 }, false)?.type).toBe(
      RefusalType.Stale,
    );
  });

  it('records custom field changes with their previous values and clears a field set to null', () => {
    const before = openTicket({ fields: { device: 'phone', seats: 2 } });

    const { state, entry } = applyFact(before, {
      type: 'fieldsChanged',
      at,
      byAgentId: 1,
      changes: [
        { key: 'device', label: 'Device', value: 'laptop' },
        { key: 'seats', label: 'Seats', value: null },
      ],
    });

    expect(state.fields).toEqual({ device: 'laptop' });
    expect(entry.detail.changes).toEqual([
      { key: 'device', label: 'Device', from: 'phone', to: 'laptop' },
      { key: 'seats', label: 'Seats', from: 2, to: null },
    ]);
  });

  it('records which tags a change added and removed', () => {
    const { entry } = applyFact(openTicket({ tags: ['vip', 'new'] }), {
      type: 'tagsChanged',
      at,
      byAgentId: 1,
      tags: ['vip', 'refund'],
      macroId: 3,
    });

    expect(entry.detail).toEqual({
      added: ['refund'],
      removed: ['new'],
      tags: ['vip', 'refund'],
      macroId: 3,
    });
  });
});
