// Pure mapper from a ticket's rows (read model, names, recent messages) to the document the
// `tickets` index stores. No I/O here, so what agents can find is decided in one testable place;
// the indexer (search/ticket-indexer.ts) loads the rows, tests are in tests/search/.
import type {
  Channel,
  MessageKind,
  Priority,
  TicketStatus,
} from '../workflows/ticket/vocabulary.ts';

/** The most recent characters of conversation kept per ticket; older text is not searchable. */
export const conversationBudgetChars = 64 * 1024;

/** One message or internal note as the indexer loads it. */
export interface TicketDocumentMessage {
  kind: MessageKind;
  text: string;
  createdAt: Date;
}

/** Everything the mapper needs about one ticket, already joined by the loader. */
export interface TicketDocumentSource {
  id: number;
  subject: string;
  status: TicketStatus;
  priority: Priority;
  channel: Channel;
  queueId: number | null;
  queueName: string | null;
  teamId: number | null;
  teamName: string | null;
  assigneeId: number | null;
  assigneeName: string | null;
  requesterName: string | null;
  requesterEmail: string | null;
  tags: string[];
  createdAt: Date;
  updatedAt: Date;
  messages: TicketDocumentMessage[];
}

/** A ticket as stored in Meilisearch; dates are epoch milliseconds so they sort and filter. */
export interface TicketDocument {
  id: number;
  number: number;
  subject: string;
  status: TicketStatus;
  priority: Priority;
  channel: Channel;
  queueId: number | null;
  queueName: string | null;
  teamId: number | null;
  teamName: string | null;
  assigneeId: number | null;
  assigneeName: string | null;
  requesterName: string | null;
  requesterEmail: string | null;
  tags: string[];
  conversation: string;
  internalNotes: string;
  createdAt: number;
  updatedAt: number;
}

/** Maps one ticket's rows to its search document; agents' search sees internal notes, so they are kept apart. */
export function toTicketDocument(row: TicketDocumentSource): TicketDocument {
  const recent = mostRecentWithinBudget(row.messages, conversationBudgetChars);
  const notes = recent.filter((message) => message.kind === 'internal_note');
  const conversation = recent.filter((message) => isConversation(message.kind));

  return {
    id: row.id,
    // Ticket ids come from ticket_number_seq, so the id is the number agents quote.
    number: row.id,
    subject: row.subject,
    status: row.status,
    priority: row.priority,
    channel: row.channel,
    queueId: row.queueId,
    queueName: row.queueName,
    teamId: row.teamId,
    teamName: row.teamName,
    assigneeId: row.assigneeId,
    assigneeName: row.assigneeName,
    requesterName: row.requesterName,
    requesterEmail: row.requesterEmail,
    tags: row.tags,
    conversation: joinTexts(conversation),
    internalNotes: joinTexts(notes),
    createdAt: row.createdAt.getTime(),
    updatedAt: row.updatedAt.getTime(),
  };
}

// Automated messages (acknowledgements, reminders) repeat the same words on every ticket
// and would make every ticket match, so only people's words are searchable.
function isConversation(kind: MessageKind): boolean {
  return kind === 'inbound' || kind === 'public_reply';
}

/** Keeps the newest messages whose texts fit in `budget` characters, oldest first; a long newest one is cut. */
function mostRecentWithinBudget(
  messages: TicketDocumentMessage[],
  budget: number,
): TicketDocumentMessage[] {
  const newestFirst = [...messages]
    .filter((message) => message.kind !== 'automated')
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());

  const kept: TicketDocumentMessage[] = [];
  let remaining = budget;
  for (const message of newestFirst) {
    if (remaining <= 0) break;
    kept.push({ ...message, text: message.text.slice(0, remaining) });
    remaining -= message.text.length;
  }

  return kept.reverse();
}

function joinTexts(messages: TicketDocumentMessage[]): string {
  return messages
    .map((message) => message.text.trim())
    .filter((text) => text.length > 0)
    .join('\n\n');
}
