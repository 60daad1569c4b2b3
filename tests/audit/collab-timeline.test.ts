// The audit wording of the collaboration entries (temporal/audit/timeline.ts): each says what
// happened and why in words, naming agents, never falling back to raw JSON.
import { describe, expect, it } from '@jest/globals';
import { buildAuditTimeline, type AuditSource } from '../../temporal/audit/timeline.ts';

const at = '2026-12-05T10:00:00.000Z';

function timelineOf(events: AuditSource['events']) {
  return buildAuditTimeline({
    ticket: {
      id: 9,
      subject: 'Order 7 late',
      channel: 'email',
      status: 'open',
      priority: 'normal',
      queueName: 'Support',
      requesterName: 'Pat Doe',
      createdAt: at,
    },
    events,
    agentNames: { 1: 'Alice Moreau', 3: 'Carol Nguyen' },
    messageKinds: { 40: 'internal_note', 41: 'inbound' },
  }).entries;
}

describe('collaboration entries in the audit timeline', () => {
  it('words handoffs, mentions, tags, fields, macros, merges and splits for a person', () => {
    const entries = timelineOf([
      {
        seq: 1,
        kind: 'handed_off',
        at,
        actor: 'agent:1',
        detail: {
          fromAgentId: 1,
          toAgentId: 3,
          toTeamId: null,
          toTeamName: null,
          note: 'call after 3',
        },
      },
      {
        seq: 2,
        kind: 'internal_note',
        at,
        actor: 'agent:1',
        detail: { messageId: 40, mentions: ['carol', 'support'] },
      },
      {
        seq: 3,
        kind: 'tags_changed',
        at,
        actor: 'agent:3',
        detail: { added: ['vip'], removed: [], tags: ['vip'], macroId: 5 },
      },
      {
        seq: 4,
        kind: 'fields_changed',
        at,
        actor: 'agent:3',
        detail: { changes: [{ key: 'device', label: 'Device', from: null, to: 'laptop' }] },
      },
      {
        seq: 5,
        kind: 'macro_applied',
        at,
        actor: 'agent:3',
        detail: { macroId: 5, title: 'Refund', changes: { status: 'pending' } },
      },
      { seq: 6, kind: 'split_to', at, actor: 'agent:3', detail: { toTicketId: 12, messageId: 41 } },
      {
        seq: 7,
        kind: 'merged_into',
        at,
        actor: 'agent:3',
        detail: { intoTicketId: 11, from: 'open' },
      },
    ]);

    expect(entries.map((e) => e.summary)).toEqual([
      'handed off from Alice Moreau to Carol Nguyen, note: "call after 3"',
      'internal note message #40 (internal_note), mentioning @carol, @support',
      'tags now vip (added vip, removed none)',
      'custom fields: Device none → laptop',
      'macro #5 "Refund" applied: {"status":"pending"}',
      'message #41 (inbound) split off into new ticket #12',
      'merged into ticket #11 (was open)',
    ]);
    expect(entries[2]!.cause).toBe('macro #5 was applied');
    expect(entries[6]!.actor.name).toBe('Carol Nguyen');
  });
});
