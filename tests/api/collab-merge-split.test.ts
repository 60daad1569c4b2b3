import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import { randomUUID } from 'node:crypto';
import type { InboundMessage } from '../../channels/intake.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { signIn, type SignedIn } from '../support/session.ts';
import { eventually } from '../support/stack.ts';
import { openTicket, readTicket, timelineKinds } from './collab-support.ts';

let testApp: TestApp;
let app: Express;
let alice: SignedIn;

beforeAll(async () => {
  testApp = await startTestApp({ name: 'collab-merge' });
  app = testApp.app;
  alice = await signIn(app, 'alice@casework.example');
}, 120_000);

afterAll(async () => {
  await testApp?.stop();
});

function customerWrites(options: {
  email: string;
  text: string;
  ticketId: number;
}): InboundMessage {
  return {
    channel: 'email',
    idempotencyKey: `test:${randomUUID()}`,
    requester: { email: options.email, name: 'Pat Doe' },
    subject: 'Re: my order',
    text: options.text,
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
    appendToTicketId: options.ticketId,
  };
}

describe('merging tickets', () => {
  it('merges two tickets of one requester: the source closes, its messages show on the target, both timelines say so', async () => {
    const email = `${randomUUID()}@customer.example`;
    const source = await openTicket(app, alice, {
      subject: 'Order 7 late',
      body: 'Where is it?',
      email,
    });
    const target = await openTicket(app, alice, {
      subject: 'Order 7 again',
      body: 'Still nothing.',
      email,
    });

    const res = await alice
      .post(`/api/tickets/${source.id}/merge`)
      .send({ intoTicketId: target.id });

    expect(res.status).toBe(200);
    expect(res.body.merged.status).toBe('closed');
    const merged = (await readTicket(alice, source.id))!;
    expect(merged.collab?.mergedInto).toEqual({ id: target.id, subject: 'Order 7 again' });
    const closing = merged.timeline.filter(
      (e) => e.kind === 'merged_into' || e.kind === 'status_changed',
    );
    expect(closing.map((e) => [e.kind, e.detail.to ?? e.detail.intoTicketId])).toEqual([
      ['merged_into', target.id],
      ['status_changed', 'closed'],
    ]);
    const into = (await readTicket(alice, target.id))!;
    expect(into.messages.map((m) => [m.text, m.fromTicketId])).toEqual([
      ['Where is it?', source.id],
      ['Still nothing.', undefined],
    ]);
    expect(into.timeline.find((e) => e.kind === 'merged_from')?.detail).toEqual({
      fromTicketId: source.id,
    });
    expect(into.collab?.mergedFrom).toEqual([{ id: source.id, subject: 'Order 7 late' }]);
  });

  it('threads customer mail that later arrives for the merged ticket into the target', async () => {
    const email = `${randomUUID()}@customer.example`;
    const source = await openTicket(app, alice, {
      subject: 'Invoice typo',
      body: 'Name wrong.',
      email,
    });
    const target = await openTicket(app, alice, {
      subject: 'Invoice name',
      body: 'Fix it.',
      email,
    });
    await alice.post(`/api/tickets/${source.id}/merge`).send({ intoTicketId: target.id });

    const outcome = await testApp.stack.intake.accept(
      customerWrites({ email, text: 'Any news on the name?', ticketId: source.id }),
    );

    expect(outcome.ticketId).toBe(target.id);
    await eventually('the reply on the target’s timeline', async () =>
      (await timelineKinds(alice, target.id)).includes('customer_message'),
    );
    const into = (await readTicket(alice, target.id))!;
    expect(into.messages.at(-1)).toMatchObject({ text: 'Any news on the name?' });
    expect(into.messages.at(-1)!.fromTicketId).toBeUndefined();
  });

  it('refuses merging tickets of different requesters with 422 and a merged ticket again with 409', async () => {
    const email = `${randomUUID()}@customer.example`;
    const first = await openTicket(app, alice, { subject: 'Login', body: 'Locked out.', email });
    const second = await openTicket(app, alice, {
      subject: 'Login 2',
      body: 'Still locked.',
      email,
    });
    const stranger = await openTicket(app, alice, { subject: 'Other', body: 'Someone else.' });

    const otherRequester = await alice
      .post(`/api/tickets/${first.id}/merge`)
      .send({ intoTicketId: stranger.id });
    await alice.post(`/api/tickets/${first.id}/merge`).send({ intoTicketId: second.id });
    const again = await alice
      .post(`/api/tickets/${first.id}/merge`)
      .send({ intoTicketId: second.id });
    const intoMerged = await alice
      .post(`/api/tickets/${second.id}/merge`)
      .send({ intoTicketId: first.id });

    expect(otherRequester.status).toBe(422);
    expect(otherRequester.body.errors[0].field).toBe('body.intoTicketId');
    expect(again.status).toBe(409);
    expect(intoMerged.status).toBe(409);
    expect(await timelineKinds(alice, stranger.id)).not.toContain('merged_from');
  });
});

describe('splitting a ticket', () => {
  it('opens a new ticket from a customer message, for the same requester, and records it on both', async () => {
    const email = `${randomUUID()}@customer.example`;
    const original = await openTicket(app, alice, {
      subject: 'Two things',
      body: 'Wifi is slow.',
      email,
    });
    const second = await testApp.stack.intake.accept(
      customerWrites({ email, text: 'Also, my badge stopped working.', ticketId: original.id }),
    );

    const res = await alice
      .post(`/api/tickets/${original.id}/split`)
      .send({ messageId: second.messageId, subject: 'Badge stopped working' });

    expect(res.status).toBe(201);
    const split = await eventually('the split ticket open', async () => {
      const detail = await readTicket(alice, res.body.ticketId);
      return detail?.ticket.status === 'open' ? detail : null;
    });
    expect(split.ticket.subject).toBe('Badge stopped working');
    expect(split.ticket.requester.id).toBe(original.requester.id);
    expect(split.messages.map((m) => m.text)).toEqual(['Also, my badge stopped working.']);
    const kinds = split.timeline.map((e) => e.kind);
    expect(kinds.indexOf('split_from')).toBeGreaterThan(kinds.indexOf('created'));
    expect(split.collab?.splitFrom).toMatchObject({ id: original.id, messageId: second.messageId });
    const again = await alice
      .post(`/api/tickets/${original.id}/split`)
      .send({ messageId: second.messageId });
    expect(again.status).toBe(200);
    expect(again.body.ticketId).toBe(res.body.ticketId);
    const before = (await readTicket(alice, original.id))!;
    expect(before.timeline.filter((e) => e.kind === 'split_to').map((e) => e.detail)).toEqual([
      { toTicketId: res.body.ticketId, messageId: second.messageId },
    ]);
  });

  it('refuses to split an agent’s message or another ticket’s message, naming the field', async () => {
    const ticket = await openTicket(app, alice, { subject: 'Monitor', body: 'Dead pixel.' });
    const other = await openTicket(app, alice, { subject: 'Chair', body: 'Broken.' });
    const note = await alice.post(`/api/tickets/${ticket.id}/notes`).send({ body: 'checking' });
    const noteId = (await readTicket(alice, ticket.id))!.messages.find(
      (m) => m.kind === 'internal_note',
    )!.id;
    const otherMessageId = (await readTicket(alice, other.id))!.messages[0]!.id;

    const ofAgent = await alice.post(`/api/tickets/${ticket.id}/split`).send({ messageId: noteId });
    const ofOther = await alice
      .post(`/api/tickets/${ticket.id}/split`)
      .send({ messageId: otherMessageId });

    expect(note.status).toBe(201);
    expect(ofAgent.status).toBe(422);
    expect(ofAgent.body.errors[0]).toMatchObject({ field: 'body.messageId' });
    expect(ofOther.status).toBe(422);
    expect(await timelineKinds(alice, ticket.id)).not.toContain('split_to');
  });
});
