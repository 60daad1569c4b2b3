// The `pageOnCall` activity (activities/ticket-activities.ts) against a small HTTP server of the
// test's own on 127.0.0.1: it POSTs the escalation as JSON with the step's idempotency key,
// gives up at once on a 4xx, and lets Temporal retry a 5xx.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { PageOnCallInput } from '../../activities/contracts.ts';
import { createTicketActivities } from '../../activities/ticket-activities.ts';
import type { Orm } from '../../db/orm.ts';

interface ReceivedPage {
  path: string;
  contentType: string | undefined;
  idempotencyKey: string | undefined;
  body: unknown;
}

describe('pageOnCall activity', () => {
  const received: ReceivedPage[] = [];
  let server: http.Server;
  let baseUrl: string;
  // Paging touches no database, so the activities are built over no ORM at all.
  const activities = createTicketActivities({ orm: {} as Orm });

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      request.on('end', () => {
        received.push({
          path: request.url ?? '',
          contentType: request.headers['content-type'],
          idempotencyKey: request.headers['idempotency-key'] as string | undefined,
          body: JSON.parse(text),
        });
        const status = Number(/status=(\d+)/.exec(request.url ?? '')?.[1] ?? 202);
        response.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  function page(webhookUrl: string): PageOnCallInput {
    return {
      ticketId: 501,
      idempotencyKey: 'ticket-501:first_response:2:2025-03-12T11:00:00.000Z',
      webhookUrl,
      payload: {
        ticketId: 501,
        subject: 'Checkout is down',
        priority: 'urgent',
        queue: 'support',
        target: 'first_response',
        level: 2,
        dueAt: '2025-03-12T11:00:00.000Z',
        reason: 'first response breached',
      },
    };
  }

  function run(input: PageOnCallInput): Promise<void> {
    return new MockActivityEnvironment().run(activities.pageOnCall, input);
  }

  it('posts the escalation as JSON with the step key as Idempotency-Key', async () => {
    const input = page(`${baseUrl}/on-call`);

    await run(input);

    expect(received.at(-1)).toEqual({
      path: '/on-call',
      contentType: 'application/json',
      idempotencyKey: input.idempotencyKey,
      body: input.payload,
    });
  });

  it('fails for good with OnCallWebhookRejected when the receiver answers 404', async () => {
    const failure = await run(page(`${baseUrl}/missing?status=404`)).catch((error) => error);

    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'OnCallWebhookRejected', nonRetryable: true });
  });

  it('throws a retryable error when the receiver answers 503', async () => {
    const failure = await run(page(`${baseUrl}/busy?status=503`)).catch((error) => error);

    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(ApplicationFailure);
    expect((failure as Error).message).toContain('answered 503');
  });

  it('refuses a webhook that is not an http(s) URL before sending anything', async () => {
    const before = received.length;

    const failure = await run(page('file:///etc/passwd')).catch((error) => error);

    expect(failure).toMatchObject({ type: 'OnCallWebhookRejected', nonRetryable: true });
    expect(received).toHaveLength(before);
  });
});
