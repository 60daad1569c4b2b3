// Phone calls an agent logs: direction, number, duration and notes, on an existing ticket or as
// a new one (channel `phone`). A call goes through the intake as an inbound message carrying
// the call, not through a new workflow update: a call, either way, is the customer speaking on
// the ticket, which is exactly what a customer message means to the workflow (it reopens a
// pending ticket, restarts the next-response clock), and the intake already gives it
// exactly-once storage, the requester's identities and a new ticket when needed. The call's
// own facts live in phone_call beside its message, so the conversation shows a call entry, not
// an email. The number becomes a phone identity of the requester. Tests: tests/channels/phone-*.
import type { EntityManager } from '../../db/orm.ts';
import { IdentityKind, normalisePhone, type Identity } from '../identity/identities.ts';
import { plainInboundMessage, type Intake, type IntakeOutcome } from '../intake.ts';
import { Channel } from '../../workflows/ticket/vocabulary.ts';

export const CallDirection = { In: 'in', Out: 'out' } as const;
export type CallDirection = (typeof CallDirection)[keyof typeof CallDirection];

export interface CallLog {
  direction: CallDirection;
  number: string;
  durationSeconds: number;
  notes: string;
}

export interface LoggedCall extends CallLog {
  messageId: number;
  ticketId: number;
  agentId: number | null;
  createdAt: string;
}

type Row = Record<string, unknown>;

/**
 * Logs a call on `ticketId` (or a new ticket when null) once per idempotency key; the caller
 * is the ticket's requester, or for a new ticket the person named (or only the number).
 */
export async function logCall(
  deps: { intake: Intake; em: () => EntityManager },
  options: {
    call: CallLog;
    ticketId: number | null;
    agent: { id: number; name: string } | null;
    idempotencyKey: string;
    subject?: string;
    requester?: { name?: string; email?: string };
  },
): Promise<{ outcome: IntakeOutcome; call: LoggedCall }> {
  const { call } = options;
  const number = normalisePhone(call.number) ?? call.number.trim();
  const known =
    options.ticketId === null ? null : await requesterOfTicket(deps.em(), options.ticketId);

  const outcome = await deps.intake.accept(
    plainInboundMessage({
      channel: Channel.Phone,
      idempotencyKey: `phone:${options.idempotencyKey}`,
      requester: {
        email: known?.email ?? options.requester?.email ?? null,
        name: known?.name ?? options.requester?.name ?? null,
        identities: [...(known?.identities ?? []), { kind: IdentityKind.Phone, address: number }],
      },
      subject: options.subject ?? `Phone call ${call.direction === 'in' ? 'from' : 'to'} ${number}`,
      text: describeCall({ ...call, number }, options.agent?.name ?? null),
      appendToTicketId: options.ticketId,
    }),
  );

  await deps.em().execute(
    `insert into phone_call (message_id, ticket_id, direction, number, duration_seconds, notes,
        agent_id)
     values (?, ?, ?, ?, ?, ?, ?) on conflict (message_id) do nothing`,
    [
      outcome.messageId,
      outcome.ticketId,
      call.direction,
      number,
      call.durationSeconds,
      call.notes,
      options.agent?.id ?? null,
    ],
  );
  const logged = await listCalls(deps.em(), { messageId: outcome.messageId });
  return { outcome, call: logged[0]! };
}

/** The calls logged on a ticket (or the one call of a message), oldest first. */
export async function listCalls(
  em: EntityManager,
  where: { ticketId: number } | { messageId: number },
): Promise<LoggedCall[]> {
  const byTicket = 'ticketId' in where;
  const rows: Row[] = await em.execute(
    `select c.message_id, m.ticket_id, c.direction, c.number, c.duration_seconds, c.notes,
        c.agent_id, c.created_at
     from phone_call c join message m on m.id = c.message_id
     where ${byTicket ? 'm.ticket_id' : 'c.message_id'} = ? order by c.message_id`,
    [byTicket ? where.ticketId : where.messageId],
  );
  return rows.map((row) => ({
    messageId: Number(row.message_id),
    ticketId: Number(row.ticket_id),
    direction: row.direction as CallDirection,
    number: String(row.number),
    durationSeconds: Number(row.duration_seconds),
    notes: String(row.notes),
    agentId: row.agent_id === null ? null : Number(row.agent_id),
    createdAt: new Date(row.created_at as string).toISOString(),
  }));
}

/** The call as the conversation shows it, for agents and for search. */
export function describeCall(call: CallLog, agentName: string | null): string {
  const way = call.direction === 'in' ? 'Incoming call from' : 'Outgoing call to';
  const by = agentName === null ? '' : `, logged by ${agentName}`;
  const notes = call.notes.trim() === '' ? '' : `\n\n${call.notes.trim()}`;
  return `${way} ${call.number} (${formatDuration(call.durationSeconds)}${by})${notes}`;
}

function formatDuration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return minutes === 0 ? `${rest} s` : `${minutes} min ${rest} s`;
}

async function requesterOfTicket(
  em: EntityManager,
  ticketId: number,
): Promise<{ name: string | null; email: string | null; identities: Identity[] } | null> {
  const rows: Row[] = await em.execute(
    `select r.name, r.email, i.channel, i.address from ticket t
     join requester r on r.id = t.requester_id
     left join requester_identity i on i.requester_id = r.id
     where t.id = ?`,
    [ticketId],
  );
  if (rows[0] === undefined) return null;
  const identities = rows
    .filter((row) => row.channel !== null && row.channel !== IdentityKind.Email)
    .map((row) => ({ kind: String(row.channel), address: String(row.address) }));
  return {
    name: (rows[0].name as string | null) ?? null,
    email: (rows[0].email as string | null) ?? null,
    identities,
  };
}
