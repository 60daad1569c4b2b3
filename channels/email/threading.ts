// Decides which ticket an inbound email belongs to, from its headers first and our ticket tag
// second; never from the bare subject or its reply prefix (C07). Pure: database look-ups come
// in as functions so intake can pass repository queries and tests can pass maps.
import type { ParsedEmail } from './parse-email.ts';
import { extractTicketTag } from './subject.ts';

/** Look-ups the decision needs; intake backs them with the database. */
export interface ThreadLookups {
  /** Finds the ticket owning any of these Message-IDs: our stored inbound and outbound ones, auto-acks included. */
  ticketByMessageIds(ids: string[]): Promise<{ ticketId: number; mailbox: string } | null>;
  /** Finds a ticket by its number, with the addresses that took part in it. */
  ticketByNumber(
    n: number,
  ): Promise<{ ticketId: number; mailbox: string; participants: string[] } | null>;
}

/** Where the email goes: appended to a ticket (and why), or a new ticket (and why). */
export type ThreadDecision =
  | { action: 'append'; ticketId: number; via: 'in-reply-to' | 'references' | 'subject-tag' }
  | { action: 'new-ticket'; reason: string };

// A References header can list a whole long conversation; the newest entries decide.
const MAX_REFERENCES_CHECKED = 20;

/** Picks the ticket for an inbound email; a stranger quoting a tag never reaches that ticket. */
export async function decideThread(
  input: { mailbox: string; parsed: ParsedEmail },
  lookups: ThreadLookups,
): Promise<ThreadDecision> {
  const mailbox = input.mailbox.toLowerCase();

  const byReply = await findByIds(input.parsed.inReplyTo, mailbox, lookups);
  if (byReply) return { action: 'append', ticketId: byReply, via: 'in-reply-to' };

  const newestFirst = [...input.parsed.references].reverse().slice(0, MAX_REFERENCES_CHECKED);
  for (const id of newestFirst) {
    const byReference = await findByIds([id], mailbox, lookups);
    if (byReference) return { action: 'append', ticketId: byReference, via: 'references' };
  }

  return decideByTag(input.parsed, mailbox, lookups);
}

async function findByIds(ids: string[], mailbox: string, lookups: ThreadLookups) {
  if (ids.length === 0) return null;

  // The same message can reach two monitored mailboxes; each keeps its own ticket (C15).
  const match = await lookups.ticketByMessageIds(ids);
  return match && match.mailbox.toLowerCase() === mailbox ? match.ticketId : null;
}

async function decideByTag(
  parsed: ParsedEmail,
  mailbox: string,
  lookups: ThreadLookups,
): Promise<ThreadDecision> {
  const tag = extractTicketTag(parsed.subject);
  if (tag === null) return { action: 'new-ticket', reason: 'no header or ticket tag matches' };

  const ticket = await lookups.ticketByNumber(tag);
  if (!ticket) return { action: 'new-ticket', reason: `ticket tag #${tag} names no ticket` };
  if (ticket.mailbox.toLowerCase() !== mailbox) {
    return { action: 'new-ticket', reason: `ticket #${tag} belongs to another mailbox` };
  }

  // Security: a tag is easy to copy, so only someone already in the conversation may use it.
  const sender = parsed.from?.address.toLowerCase();
  const isParticipant = ticket.participants.some((address) => address.toLowerCase() === sender);
  if (!isParticipant)
    return { action: 'new-ticket', reason: `sender is not a participant of #${tag}` };

  return { action: 'append', ticketId: ticket.ticketId, via: 'subject-tag' };
}
