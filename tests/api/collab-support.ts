// Helpers for the collaboration API tests (tests/api/collab-*.test.ts): open a ticket through
// JSON intake and wait until its workflow has triaged it, and read a ticket's detail.
import type { Express } from 'express';
import request from 'supertest';
import { randomUUID } from 'node:crypto';
import type { TicketDetail, TicketSummary } from '../../api/contract.ts';
import type { SignedIn } from '../support/session.ts';
import { eventually } from '../support/stack.ts';

/** Opens a ticket as a customer and waits until it is open (triaged, routed). */
export async function openTicket(
  app: Express,
  reader: SignedIn,
  options: { subject: string; body: string; email?: string },
): Promise<TicketSummary> {
  const res = await request(app)
    .post('/api/tickets')
    .set('Idempotency-Key', randomUUID())
    .send({
      requester: { email: options.email ?? `${randomUUID()}@customer.example`, name: 'Pat Doe' },
      subject: options.subject,
      body: options.body,
    });
  if (res.status !== 201) throw new Error(`intake answered ${res.status}: ${res.text}`);
  const ticketId = res.body.ticketId as number;
  return eventually(`ticket ${ticketId} open`, async () => {
    const detail = await readTicket(reader, ticketId);
    return detail?.ticket.status === 'open' ? detail.ticket : null;
  });
}

/** The ticket page's data, or null while the ticket is not projected yet. */
export async function readTicket(reader: SignedIn, ticketId: number): Promise<TicketDetail | null> {
  const res = await reader.get(`/api/tickets/${ticketId}`);
  return res.status === 200 ? (res.body as TicketDetail) : null;
}

/** The timeline entry kinds of a ticket, in order. */
export async function timelineKinds(reader: SignedIn, ticketId: number): Promise<string[]> {
  const detail = await readTicket(reader, ticketId);
  return detail?.timeline.map((entry) => entry.kind) ?? [];
}
