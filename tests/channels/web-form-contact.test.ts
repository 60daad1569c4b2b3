// The public contact form's endpoint on the real stack (api/routes/contact.ts): a request
// opens one `web` ticket however often it is submitted and is acknowledged by mail; a bot
// filling the honeypot gets the same answer and no ticket; each invalid field is named; and
// per-address and per-IP rate limits answer 429 with Retry-After.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import request from 'supertest';
import type { Express } from 'express';
import { openTicketChangeFeed, type TicketChangeFeed } from '../../api/ticket-change-feed.ts';
import {
  startWebFormReplyMailer,
  type WebFormReplyMailer,
} from '../../channels/web-form/reply-mailer.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { signIn, type SignedIn } from '../support/session.ts';
import { eventually } from '../support/stack.ts';
import {
  enqueueTestMail,
  listenOnLoopback,
  outboundMailOf,
  type Listening,
} from './chat-support.ts';

// Requests leave from 127.0.0.2, so the per-IP bucket in the shared database is this file's
// own (the browser tests post the form from 127.0.0.1).
const perIpLimit = 8;
const fromOwnAddress = new http.Agent({ localAddress: '127.0.0.2' });

let testApp: TestApp;
let app: Express;
let server: Listening;
let alice: SignedIn;
let replyFeed: TicketChangeFeed;
let replyMailer: WebFormReplyMailer;

beforeAll(async () => {
  testApp = await startTestApp({
    name: 'web-form',
    channels: {
      enqueueMail: enqueueTestMail,
      contact: {
        perIp: { limit: perIpLimit, windowSeconds: 600 },
        perEmail: { limit: 2, windowSeconds: 600 },
      },
    },
  });
  server = await listenOnLoopback(testApp.app);
  app = testApp.app;
  alice = await signIn(app, 'alice@casework.example');
  replyFeed = await openTicketChangeFeed({
    databaseUrl: testApp.stack.services.databaseUrl,
    log: testApp.stack.log,
  });
  // The shared test database has no mailbox of ours to send from: replies leave through the
  // real outbox with the test sender address, keyed as the mail channel keys them.
  replyMailer = startWebFormReplyMailer({
    orm: testApp.stack.orm,
    feed: replyFeed,
    log: testApp.stack.log,
    mailReply: (em, reply) =>
      enqueueTestMail(em, {
        ticketId: reply.ticketId,
        kind: 'reply',
        to: [String(contactEmails.get(reply.ticketId))],
        subject: 'Re: your request',
        text: 'reply',
        messageId: reply.messageId,
        dedupeKey: `reply:message-${reply.messageId}`,
      }),
  });
}, 120_000);

afterAll(async () => {
  replyMailer?.stop();
  await replyFeed?.close();
  fromOwnAddress.destroy();
  await server?.close();
  await testApp?.stop();
});

const contactEmails = new Map<number, string>();

function postContact() {
  return request(server.url).post('/api/contact').agent(fromOwnAddress);
}

function contactForm(overrides: Record<string, unknown> = {}) {
  return {
    name: 'Lea Brandt',
    email: `${randomUUID()}@customer.example`,
    subject: 'Cannot change my delivery address',
    message: 'The address form says "invalid postcode" for 10115.',
    website: '',
    submissionId: randomUUID(),
    ...overrides,
  };
}

async function ticketsOfSubmission(submissionId: string): Promise<number[]> {
  const rows: Record<string, unknown>[] = await testApp.stack.orm.em
    .fork()
    .execute('select ticket_id from intake_request where key = ?', [`web-form:${submissionId}`]);
  return rows.map((row) => Number(row.ticket_id));
}

describe('contact form', () => {
  it('opens a web ticket and acknowledges it by mail from the template', async () => {
    const form = contactForm();

    const res = await postContact().send(form);

    expect(res.status).toBe(202);
    const [ticketId] = await ticketsOfSubmission(form.submissionId);
    const ticket = await eventually('the ticket row', async () => {
      const rows: Record<string, unknown>[] = await testApp.stack.orm.em
        .fork()
        .execute('select channel, subject from ticket where id = ?', [ticketId]);
      return rows[0];
    });
    expect(ticket).toEqual({ channel: 'web', subject: form.subject });
    const mails = await outboundMailOf(testApp.stack.orm.em.fork(), ticketId!);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ kind: 'acknowledgement', to: [form.email] });
    expect(mails[0]!.text).toContain(`Hi Lea Brandt,`);
    expect(mails[0]!.text).toContain(`Your ticket number is ${ticketId}`);
  });

  it("mails an agent's public reply to the address given in the form, once", async () => {
    const form = contactForm();
    await postContact().send(form).expect(202);
    const [ticketId] = await ticketsOfSubmission(form.submissionId);
    contactEmails.set(ticketId!, form.email);
    await eventually('the ticket open', async () => {
      const res = await alice.get(`/api/tickets/${ticketId}`);
      return res.status === 200 && res.body.ticket.status === 'open';
    });

    await alice
      .post(`/api/tickets/${ticketId}/replies`)
      .send({ body: 'Hi Lea, we fixed the postcode check.' })
      .expect(201);

    const reply = await eventually('the reply in the outbox', async () => {
      const mails = await outboundMailOf(testApp.stack.orm.em.fork(), ticketId!);
      return mails.find((m) => m.kind === 'reply');
    });
    expect(reply.to).toEqual([form.email]);
    await replyMailer.sweep();
    const mails = await outboundMailOf(testApp.stack.orm.em.fork(), ticketId!);
    expect(mails.filter((m) => m.kind === 'reply')).toHaveLength(1);
  });

  it('makes one ticket when the same form is submitted twice', async () => {
    const form = contactForm();

    const answers = await Promise.all([postContact().send(form), postContact().send(form)]);

    expect(answers.map((a) => a.status)).toEqual([202, 202]);
    expect(await ticketsOfSubmission(form.submissionId)).toHaveLength(1);
  });

  it('answers a filled honeypot like a real request but makes no ticket', async () => {
    const form = contactForm({ website: 'http://cheap-pills.example' });

    const res = await postContact().send(form);

    expect(res.status).toBe(202);
    expect(res.body).toEqual({ received: true });
    expect(await ticketsOfSubmission(form.submissionId)).toEqual([]);
  });

  it('names every invalid field so the form can show each beside its input', async () => {
    const res = await postContact().send(
      contactForm({ name: ' ', email: 'lea at example', message: '' }),
    );

    expect(res.status).toBe(422);
    const problems = Object.fromEntries(
      res.body.errors.map((e: { field: string; problem: string }) => [e.field, e.problem]),
    );
    expect(problems).toMatchObject({
      'body.name': 'please tell us your name',
      'body.email': 'please give an email address we can answer',
      'body.message': 'please write your message',
    });
  });

  it('limits requests per email address with a 429 and Retry-After', async () => {
    const email = `${randomUUID()}@customer.example`;

    const answers = [];
    for (let i = 0; i < 3; i += 1) {
      answers.push(await postContact().send(contactForm({ email })));
    }

    expect(answers.map((a) => a.status)).toEqual([202, 202, 429]);
    expect(Number(answers[2]!.headers['retry-after'])).toBeGreaterThan(0);
    expect(answers[2]!.body.type).toBe('rate-limited');
  });

  it('limits requests per IP address whatever email they give', async () => {
    let refused: request.Response | undefined;
    let accepted = 0;
    for (let i = 0; i <= perIpLimit && refused === undefined; i += 1) {
      const res = await postContact().send(contactForm());
      if (res.status === 429) refused = res;
      else accepted += 1;
    }

    expect(refused).toBeDefined();
    expect(accepted).toBeLessThan(perIpLimit);
    expect(Number(refused!.headers['retry-after'])).toBeGreaterThan(0);
  });
});
