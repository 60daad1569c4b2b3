// Test helpers for tests/audit/: a ticket walked through its life on the real stack (intake,
// triage, assignment, a note, a reply, pending, a customer answer, resolved), and a seeder that
// writes past tickets' facts straight into the read model for the simulator, in a window of
// their own so tests never see each other's tickets.
import { randomUUID } from 'node:crypto';
import type { Orm } from '../../db/orm.ts';
import {
  noteUpdate,
  replyUpdate,
  setStatusUpdate,
  ticketStateQuery,
} from '../../workflows/ticket/messages.ts';
import { ticketWorkflowId } from '../../workflows/ticket/workflow-id.ts';
import { eventually, type TestStack } from '../support/stack.ts';

/** The facts of a walked ticket that tests assert on. */
export interface WalkedTicket {
  ticketId: number;
  assigneeId: number;
  assigneeName: string;
  requesterName: string;
}

/** Opens a billing ticket through intake and walks it to resolved through the workflow's messages. */
export async function walkTicketThroughItsLife(stack: TestStack): Promise<WalkedTicket> {
  const requesterName = `Audit Requester ${randomUUID().slice(0, 6)}`;
  const { ticketId } = await stack.intake.accept(inboundMessage(requesterName, 'first'));
  const assigneeId = await eventually(`ticket ${ticketId} assigned`, () =>
    assigneeOf(stack.orm, ticketId),
  );
  const handle = stack.temporal.client.workflow.getHandle(ticketWorkflowId(ticketId));

  await handle.executeUpdate(noteUpdate, { args: [{ agentId: assigneeId, body: 'Checking.' }] });
  await handle.executeUpdate(replyUpdate, {
    args: [{ agentId: assigneeId, body: 'We refunded the double charge.' }],
  });
  await handle.executeUpdate(setStatusUpdate, {
    args: [{ status: 'pending', byAgentId: assigneeId }],
  });

  // Intake signals the workflow itself; the answer moves the ticket from pending to open.
  await stack.intake.accept({
    ...inboundMessage(requesterName, 'answer'),
    appendToTicketId: ticketId,
  });
  await eventually('customer answer applied', async () => {
    const state = await handle.query(ticketStateQuery);
    return state.status === 'open';
  });
  await handle.executeUpdate(setStatusUpdate, {
    args: [{ status: 'resolved', byAgentId: assigneeId }],
  });
  await eventually('resolution projected', () => hasEvent(stack.orm, ticketId, 'resolved'));

  const [agent] = await stack.orm.em
    .fork()
    .execute<{ name: string }[]>('select name from agent where id = ?', [assigneeId]);
  return { ticketId, assigneeId, assigneeName: agent!.name, requesterName };
}

function inboundMessage(requesterName: string, part: string) {
  return {
    channel: 'api' as const,
    idempotencyKey: `audit-test:${randomUUID()}`,
    requester: { email: `${randomUUID()}@customer.example`, name: requesterName },
    subject: 'Refund for invoice 2024-118',
    text: part === 'first' ? 'I was charged twice this month.' : 'Thanks, I see it now.',
    html: null,
    receivedAt: new Date(),
    mailbox: null,
    messageIdHeader: null,
    inReplyTo: [],
    references: [],
    bodyHash: null,
    automatedReason: null,
    rawBlobKey: null,
    attachments: [],
    appendToTicketId: null as number | null,
  };
}

async function assigneeOf(orm: Orm, ticketId: number): Promise<number | null> {
  const rows = await orm.em
    .fork()
    .execute<{ assignee_id: number | null }[]>('select assignee_id from ticket where id = ?', [
      ticketId,
    ]);
  return rows[0]?.assignee_id ?? null;
}

async function hasEvent(orm: Orm, ticketId: number, status: string): Promise<boolean> {
  const rows = await orm.em
    .fork()
    .execute(
      `select 1 from ticket_event where ticket_id = ? and kind = 'status_changed' and detail->>'to' = ?`,
      [ticketId, status],
    );
  return rows.length > 0;
}

/** One past ticket to seed: arrival, triage outcome, first reply and status changes. */
export interface SeededTicket {
  subject: string;
  text: string;
  channel?: string;
  receivedAt: number;
  queueKey: string;
  priority: string;
  rules?: string[];
  assigneeId: number | null;
  firstResponseDueAt: number;
  firstReplyAt: number | null;
  breached?: boolean;
  /** Later status changes: [at, status]. */
  statuses?: [number, string][];
}

/** Ticket ids far above the number sequence, so seeded tickets never collide with intake's. */
let nextSeedId = 900_000_000 + Math.floor(Math.random() * 50_000_000);

/** Writes past tickets' facts into the read model as the projections would; returns their ids. */
export async function seedPastTickets(orm: Orm, tickets: SeededTicket[]): Promise<number[]> {
  const em = orm.em.fork();
  const [requester] = await em.execute<{ id: number }[]>(
    `insert into requester (name, email) values ('Seeded Requester', ?) returning id`,
    [`${randomUUID()}@seeded.example`],
  );
  const ids: number[] = [];

  for (const ticket of tickets) {
    const ticketId = nextSeedId++;
    ids.push(ticketId);
    await insertTicketRow(orm, ticketId, requester!.id, ticket);
    await insertEvents(orm, ticketId, eventsOf(ticket));
  }
  return ids;
}

async function insertTicketRow(
  orm: Orm,
  ticketId: number,
  requesterId: number,
  ticket: SeededTicket,
): Promise<void> {
  const at = new Date(ticket.receivedAt);
  const finalStatus = ticket.statuses?.at(-1)?.[1] ?? 'open';
  await orm.em.fork().execute(
    `insert into ticket (id, subject, status, priority, channel, requester_id, assignee_id,
       breached, escalation_level, created_at, updated_at, last_activity_at, version)
     values (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, 1)`,
    [
      ticketId,
      ticket.subject,
      finalStatus,
      ticket.priority,
      ticket.channel ?? 'email',
      requesterId,
      ticket.assigneeId,
      ticket.breached ?? false,
      at,
      at,
      at,
    ],
  );
  await orm.em.fork().execute(
    `insert into message (ticket_id, kind, channel, author_kind, requester_id, subject, text,
       idempotency_key, created_at) values (?, 'inbound', ?, 'requester', ?, ?, ?, ?, ?)`,
    [
      ticketId,
      ticket.channel ?? 'email',
      requesterId,
      ticket.subject,
      ticket.text,
      randomUUID(),
      at,
    ],
  );
}

type SeededEvent = { kind: string; at: number; actor: string; detail: Record<string, unknown> };

function eventsOf(ticket: SeededTicket): SeededEvent[] {
  const at = ticket.receivedAt;
  const events: SeededEvent[] = [
    { kind: 'created', at, actor: 'requester', detail: { channel: ticket.channel ?? 'email' } },
    {
      kind: 'triaged',
      at,
      actor: 'policy',
      detail: {
        queue: ticket.queueKey,
        priority: ticket.priority,
        rules: ticket.rules ?? [],
        policyVersion: 'triage-2026-12-v1',
      },
    },
  ];
  if (ticket.assigneeId !== null) {
    const detail = { agentId: ticket.assigneeId, reason: 'seeded', policyVersion: 'seeded' };
    events.push({ kind: 'assigned', at, actor: 'policy', detail });
  }
  const dueAt = new Date(ticket.firstResponseDueAt).toISOString();
  events.push({
    kind: 'sla_armed',
    at,
    actor: 'policy',
    detail: { target: 'first_response', dueAt },
  });

  const later: SeededEvent[] = (ticket.statuses ?? []).map(([when, to]) => ({
    kind: 'status_changed',
    at: when,
    actor: 'agent:1',
    detail: { to, reason: 'set by an agent' },
  }));
  if (ticket.firstReplyAt !== null) {
    later.push({ kind: 'public_reply', at: ticket.firstReplyAt, actor: 'agent:1', detail: {} });
  }
  if (ticket.breached === true) {
    const breachedAt = ticket.firstResponseDueAt;
    later.push({ kind: 'sla_breached', at: breachedAt, actor: 'timer', detail: {} });
    later.push({ kind: 'escalated', at: breachedAt, actor: 'policy', detail: { level: 1 } });
  }
  return [...events, ...later.sort((a, b) => a.at - b.at)];
}

async function insertEvents(orm: Orm, ticketId: number, events: SeededEvent[]): Promise<void> {
  const values = events.map(() => '(?, ?, ?, ?, ?, ?::jsonb)').join(', ');
  const params = events.flatMap((event, index) => [
    ticketId,
    index + 1,
    event.kind,
    new Date(event.at),
    event.actor,
    JSON.stringify(event.detail),
  ]);
  await orm.em
    .fork()
    .execute(
      `insert into ticket_event (ticket_id, seq, kind, at, actor, detail) values ${values}`,
      params,
    );
}

/** Removes seeded tickets again, so lists in other test files never show them. */
export async function removeSeededTickets(orm: Orm, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  const list = `{${ids.join(',')}}`;
  const em = orm.em.fork();
  await em.execute('delete from ticket_event where ticket_id = any(?::bigint[])', [list]);
  await em.execute('delete from message where ticket_id = any(?::bigint[])', [list]);
  await em.execute('delete from ticket where id = any(?::bigint[])', [list]);
}
