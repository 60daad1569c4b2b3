// GET /api/tickets/:id/audit against the real stack: the audit timeline as JSON, downloadable
// as a file, 404 for unknown tickets and 422 for a zone that is not one. Route: api/routes/audit.ts.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import type { AuditTimeline } from '../../temporal/audit/timeline.ts';
import { signIn, type SignedIn } from '../support/session.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import type { TestStack } from '../support/stack.ts';
import { walkTicketThroughItsLife, type WalkedTicket } from './support.ts';

let stack: TestStack;
let testApp: TestApp;
let app: Express;
let walked: WalkedTicket;
// Erin audits: the audit timeline is for auditors, leads and admins.
let auditor: SignedIn;

beforeAll(async () => {
  testApp = await startTestApp({ name: 'audit-api' });
  ({ stack, app } = testApp);
  walked = await walkTicketThroughItsLife(stack);
  auditor = await signIn(app, 'erin@casework.example');
}, 120_000);

afterAll(async () => {
  await testApp?.stop();
});

describe('GET /api/tickets/:id/audit', () => {
  it('answers the ticket’s audit timeline as JSON with causes and agent names', async () => {
    const res = await auditor.get(`/api/tickets/${walked.ticketId}/audit`);

    expect(res.status).toBe(200);
    expect(res.type).toBe('application/json');
    const timeline = res.body as AuditTimeline;
    expect(timeline.ticket.id).toBe(walked.ticketId);
    expect(timeline.entries.find((e) => e.kind === 'triaged')!.cause).toContain('billing-keywords');
    expect(timeline.entries.find((e) => e.kind === 'public_reply')!.actor.name).toBe(
      walked.assigneeName,
    );
    expect(res.headers['content-disposition']).toBeUndefined();
  });

  it('offers the timeline as a file named after the ticket with ?download=1', async () => {
    const res = await auditor.get(`/api/tickets/${walked.ticketId}/audit?download=1`);

    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/^attachment;/);
    expect(res.headers['content-disposition']).toContain(`ticket-${walked.ticketId}-audit.json`);
  });

  it('adds each instant in the viewer’s zone when asked', async () => {
    const res = await auditor.get(`/api/tickets/${walked.ticketId}/audit?tz=Asia/Tokyo`);

    expect((res.body as AuditTimeline).timeZone).toBe('Asia/Tokyo');
    expect((res.body as AuditTimeline).entries[0]!.atLocal).toMatch(/GMT\+9$/);
  });

  it('answers 404 as problem+json for a ticket that does not exist', async () => {
    const res = await auditor.get('/api/tickets/987654321/audit');

    expect(res.status).toBe(404);
    expect(res.type).toBe('application/problem+json');
    expect(res.body.detail).toBe('ticket 987654321 does not exist');
  });

  it('answers 422 naming the field when the zone is not a time zone', async () => {
    const res = await auditor.get(`/api/tickets/${walked.ticketId}/audit?tz=Nowhere/City`);

    expect(res.status).toBe(422);
    expect(res.body.errors[0].field).toBe('query.tz');
  });
});
