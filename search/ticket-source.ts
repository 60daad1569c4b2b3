// Loads what the ticket document mapper needs, in one query for tickets and one for their
// recent messages, inside the indexer's transaction. Read-only. Dates come back as epoch
// milliseconds and ids as numbers, because the driver returns timestamps and bigints as text.
import type { Transaction } from '@mikro-orm/core';
import type { Orm } from '../db/orm.ts';
import {
  conversationBudgetChars,
  type TicketDocumentMessage,
  type TicketDocumentSource,
} from './ticket-document.ts';

type Connection = ReturnType<Orm['em']['getConnection']>;

interface TicketRow {
  id: string;
  subject: string;
  status: TicketDocumentSource['status'];
  priority: TicketDocumentSource['priority'];
  channel: TicketDocumentSource['channel'];
  queue_id: number | null;
  queue_name: string | null;
  team_id: number | null;
  team_name: string | null;
  assignee_id: number | null;
  assignee_name: string | null;
  requester_name: string | null;
  requester_email: string | null;
  tags: string[];
  created_ms: number;
  updated_ms: number;
}

interface MessageRow {
  ticket_id: string;
  kind: TicketDocumentMessage['kind'];
  text: string;
  created_ms: number;
}

const ticketsSql = `
  select t.id, t.subject, t.status, t.priority, t.channel, t.tags,
         t.queue_id, q.name as queue_name, t.team_id, tm.name as team_name,
         t.assignee_id, a.name as assignee_name,
         r.name as requester_name, r.email as requester_email,
         extract(epoch from t.created_at)::float8 * 1000 as created_ms,
         extract(epoch from t.updated_at)::float8 * 1000 as updated_ms
    from ticket t
    join requester r on r.id = t.requester_id
    left join queue q on q.id = t.queue_id
    left join team tm on tm.id = t.team_id
    left join agent a on a.id = t.assignee_id
   where t.id in (?)`;

// Only the newest messages that fit the mapper's budget are read, so a ticket with years of
// history costs no more than a fresh one.
const messagesSql = `
  select ticket_id, kind, left(text, ?) as text, created_ms from (
    select ticket_id, kind, text,
           extract(epoch from created_at)::float8 * 1000 as created_ms,
           coalesce(sum(length(text)) over (
             partition by ticket_id order by created_at desc, id desc
             rows between unbounded preceding and 1 preceding), 0) as newer_chars
      from message
     where ticket_id in (?) and kind <> 'automated'
  ) recent
  where newer_chars < ?`;

/** Reads the tickets with these ids and their recent messages; tickets that do not exist are left out. */
export async function loadTicketDocumentSources(options: {
  connection: Connection;
  trx: Transaction;
  ticketIds: number[];
}): Promise<TicketDocumentSource[]> {
  const { connection, trx, ticketIds } = options;
  const tickets = await connection.execute<TicketRow[]>(ticketsSql, [ticketIds], 'all', trx);
  if (tickets.length === 0) return [];

  const budget = conversationBudgetChars;
  const messages = await connection.execute<MessageRow[]>(
    messagesSql,
    [budget, tickets.map((ticket) => ticket.id), budget],
    'all',
    trx,
  );

  const messagesByTicket = groupByTicket(messages);
  return tickets.map((row) => toSource(row, messagesByTicket.get(row.id) ?? []));
}

function groupByTicket(rows: MessageRow[]): Map<string, TicketDocumentMessage[]> {
  const byTicket = new Map<string, TicketDocumentMessage[]>();
  for (const row of rows) {
    const messages = byTicket.get(row.ticket_id) ?? [];
    messages.push({ kind: row.kind, text: row.text, createdAt: new Date(row.created_ms) });
    byTicket.set(row.ticket_id, messages);
  }
  return byTicket;
}

function toSource(row: TicketRow, messages: TicketDocumentMessage[]): TicketDocumentSource {
  return {
    id: Number(row.id),
    subject: row.subject,
    status: row.status,
    priority: row.priority,
    channel: row.channel,
    queueId: row.queue_id,
    queueName: row.queue_name,
    teamId: row.team_id,
    teamName: row.team_name,
    assigneeId: row.assignee_id,
    assigneeName: row.assignee_name,
    requesterName: row.requester_name,
    requesterEmail: row.requester_email,
    tags: row.tags,
    createdAt: new Date(row.created_ms),
    updatedAt: new Date(row.updated_ms),
    messages,
  };
}
