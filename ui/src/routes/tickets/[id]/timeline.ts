// Puts a ticket's messages and its timeline entries into one list in time order. Entries
// that only record a message (customer message, public reply, internal note) are left out,
// because the message itself is shown in their place.
import type { MessageView, TicketDetail, TimelineEntryView } from '../../../../../api/contract.ts';

export type TimelineItem =
  | { key: string; at: string; message: MessageView }
  | { key: string; at: string; entry: TimelineEntryView };

const kindsShownAsMessages = new Set(['customer_message', 'public_reply', 'internal_note']);

/** The ticket's conversation and events, oldest first. */
export function buildTimeline(detail: TicketDetail): TimelineItem[] {
  const messages: TimelineItem[] = detail.messages.map((message) => ({
    key: `message-${message.id}`,
    at: message.createdAt,
    message,
  }));

  const events: TimelineItem[] = detail.timeline
    .filter((entry) => !kindsShownAsMessages.has(entry.kind))
    .map((entry) => ({ key: `entry-${entry.seq}`, at: entry.at, entry }));

  // Array.prototype.sort is stable, so items at the same instant keep messages first.
  return [...messages, ...events].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}
