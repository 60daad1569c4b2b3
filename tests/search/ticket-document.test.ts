import { describe, expect, it } from '@jest/globals';
import {
  conversationBudgetChars,
  toTicketDocument,
  type TicketDocumentSource,
} from '../../search/ticket-document.ts';

function source(overrides: Partial<TicketDocumentSource> = {}): TicketDocumentSource {
  return {
    id: 1042,
    subject: 'Printer offline',
    status: 'open',
    priority: 'high',
    channel: 'email',
    queueId: 3,
    queueName: 'Hardware',
    teamId: 2,
    teamName: 'Field support',
    assigneeId: 7,
    assigneeName: 'Grace Agent',
    requesterName: 'Ada Customer',
    requesterEmail: 'ada@example.test',
    tags: ['printer'],
    createdAt: new Date('2026-12-01T09:00:00Z'),
    updatedAt: new Date('2026-12-02T10:30:00Z'),
    messages: [],
    ...overrides,
  };
}

function at(minute: number): Date {
  return new Date(Date.UTC(2026, 11, 1, 9, minute));
}

describe('toTicketDocument', () => {
  it('makes the ticket findable by its number, names and people', () => {
    const document = toTicketDocument(source());

    expect(document).toMatchObject({
      id: 1042,
      number: 1042,
      queueName: 'Hardware',
      teamName: 'Field support',
      assigneeName: 'Grace Agent',
      requesterName: 'Ada Customer',
      requesterEmail: 'ada@example.test',
    });
  });

  it('stores dates as epoch milliseconds so tickets sort by recency', () => {
    const document = toTicketDocument(source());

    expect(document.updatedAt).toBe(Date.parse('2026-12-02T10:30:00Z'));
    expect(document.createdAt).toBeLessThan(document.updatedAt);
  });

  it('keeps internal notes apart from the conversation the customer saw', () => {
    const messages = [
      { kind: 'inbound' as const, text: 'The printer says offline.', createdAt: at(0) },
      { kind: 'internal_note' as const, text: 'Driver 4.2 is broken.', createdAt: at(1) },
      { kind: 'public_reply' as const, text: 'Please restart it.', createdAt: at(2) },
    ];

    const document = toTicketDocument(source({ messages }));

    expect(document.conversation).toBe('The printer says offline.\n\nPlease restart it.');
    expect(document.internalNotes).toBe('Driver 4.2 is broken.');
  });

  it('leaves automated acknowledgements out of what is searchable', () => {
    const messages = [
      { kind: 'automated' as const, text: 'We received your request.', createdAt: at(0) },
      { kind: 'inbound' as const, text: 'Scanner jams.', createdAt: at(1) },
    ];

    const document = toTicketDocument(source({ messages }));

    expect(document.conversation).toBe('Scanner jams.');
  });

  it('keeps the most recent text when a long ticket exceeds the budget', () => {
    const old = 'o'.repeat(conversationBudgetChars);
    const messages = [
      { kind: 'inbound' as const, text: old, createdAt: at(0) },
      { kind: 'inbound' as const, text: 'latest words', createdAt: at(5) },
    ];

    const document = toTicketDocument(source({ messages }));

    expect(document.conversation.endsWith('latest words')).toBe(true);
    expect(document.conversation.length).toBeLessThanOrEqual(conversationBudgetChars + 2);
  });
});
