// PUT /api/calendars/:id on the real stack: a lead's calendar edit is validated by the pure
// business-time module and re-arms the SLA timers of open tickets already in flight.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import { DateTime } from 'luxon';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { TicketDetail } from '../../api/contract.ts';
import { signIn, type SignedIn } from '../support/session.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { eventually } from '../support/stack.ts';

let testApp: TestApp;
let app: Express;
let alice: SignedIn;

beforeAll(async () => {
  testApp = await startTestApp({ name: 'calendars' });
  ({ app } = testApp);
  alice = await signIn(app, 'alice@casework.example');
}, 120_000);

afterAll(async () => {
  await testApp?.stop();
});

interface CalendarView {
  id: number;
  timeZone: string;
  holidays: string[];
  revision: number;
}

async function supportCalendar(): Promise<CalendarView> {
  const calendars = (await alice.get('/api/calendars').expect(200)).body as CalendarView[];
  return calendars[0]!;
}

async function openTicket(): Promise<TicketDetail> {
  const created = await request(app)
    .post('/api/tickets')
    .send({
      requester: { email: `${randomUUID()}@customer.example` },
      subject: 'Printer queue stuck',
      body: 'Jobs stay in the queue.',
    })
    .expect(201);
  return eventually('ticket armed', async () => {
    const detail = (await alice.get(`/api/tickets/${created.body.ticketId}`)).body as TicketDetail;
    return detail.ticket?.firstResponseDueAt ? detail : null;
  });
}

describe('business calendar edits', () => {
  it('moves the first-response due of an open ticket when its due date becomes a holiday', async () => {
    const ticket = (await openTicket()).ticket;
    const calendar = await supportCalendar();
    const dueDate = DateTime.fromISO(ticket.firstResponseDueAt!, { zone: calendar.timeZone });

    const res = await alice
      .put(`/api/calendars/${calendar.id}`)
      .send({ holidays: [...calendar.holidays, dueDate.toISODate()!] });

    try {
      expect(res.status).toBe(200);
      expect(res.body.calendar.revision).toBe(calendar.revision + 1);
      expect(res.body.rearmedTicketIds).toContain(ticket.id);
      const moved = await eventually('first-response due moved', async () => {
        const detail = (await alice.get(`/api/tickets/${ticket.id}`)).body as TicketDetail;
        const due = detail.ticket.firstResponseDueAt!;
        return due !== ticket.firstResponseDueAt ? due : null;
      });
      const movedLocal = DateTime.fromISO(moved, { zone: calendar.timeZone });
      expect(movedLocal.toISODate()! > dueDate.toISODate()!).toBe(true);
    } finally {
      await alice.put(`/api/calendars/${calendar.id}`).send({ holidays: calendar.holidays });
    }
  });

  it('refuses a window that closes before it opens, naming the problem, and keeps the calendar', async () => {
    const calendar = await supportCalendar();

    const res = await alice
      .put(`/api/calendars/${calendar.id}`)
      .send({ weekly: [{ day: 1, open: '17:00', close: '09:00' }] });

    expect(res.status).toBe(422);
    expect(res.body.detail).toMatch(/close/);
    expect((await supportCalendar()).revision).toBe(calendar.revision);
  });

  it('lets only leads and admins edit a calendar', async () => {
    const bob = await signIn(app, 'bob@casework.example');
    const calendar = await supportCalendar();

    const res = await bob
      .put(`/api/calendars/${calendar.id}`)
      .send({ holidays: calendar.holidays });

    expect(res.status).toBe(403);
  });
});
