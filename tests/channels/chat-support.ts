// Helpers for the channel tests: a customer's server-sent-event stream read as a browser
// would (over a real loopback socket, since supertest cannot hold a stream open), and the
// mail door the tests hand the app: the real outbox (channels/email/outbound/outbox.ts) with a
// fixed sender address, because the shared test database must not gain an enabled mailbox
// that other files' mail would then be sent from.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { EnqueueMail } from '../../channels/acknowledgement/outbound-mail.ts';
import { enqueueOutboundMail } from '../../channels/email/outbound/outbox.ts';
import type { EntityManager } from '../../db/orm.ts';
import { eventually } from '../support/stack.ts';

export const testSenderAddress = 'channels-tests@casework.example';

/** The real outbox, sending from the test sender address. */
export const enqueueTestMail: EnqueueMail = (em, request) =>
  enqueueOutboundMail(em, { ...request, from: testSenderAddress });

export interface OutboundMailRow {
  kind: string;
  to: string[];
  subject: string;
  text: string;
  dedupeKey: string;
}

/** The outbox rows for a ticket, oldest first. */
export async function outboundMailOf(em: EntityManager, ticketId: number) {
  const rows: Record<string, unknown>[] = await em.execute(
    `select kind, to_addresses, subject, text, dedupe_key from outbound_mail
     where ticket_id = ? order by id`,
    [ticketId],
  );
  return rows.map((row): OutboundMailRow => ({
    kind: String(row.kind),
    to: row.to_addresses as string[],
    subject: String(row.subject),
    text: String(row.text),
    dedupeKey: String(row.dedupe_key),
  }));
}

export interface Listening {
  url: string;
  close(): Promise<void>;
}

/** Serves the app on an ephemeral loopback port. */
export async function listenOnLoopback(app: Express): Promise<Listening> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface SseEvent {
  id: string | null;
  event: string;
  data: string;
}

export interface SseStream {
  events: SseEvent[];
  /** Waits until an event satisfies the check; fails naming what it waited for. */
  waitFor(what: string, check: (event: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  close(): void;
}

/** Opens an event stream and collects its events until closed. */
export async function openEventStream(url: string): Promise<SseStream> {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream' },
    signal: controller.signal,
  });
  if (response.status !== 200 || response.body === null) {
    throw new Error(`stream ${url} answered ${response.status}: ${await response.text()}`);
  }

  const events: SseEvent[] = [];
  void collect(response.body, events).catch(() => undefined);
  return {
    events,
    waitFor: (what, check, timeoutMs = 15_000) =>
      eventually(what, async () => events.find(check), timeoutMs),
    close: () => controller.abort(),
  };
}

async function collect(body: ReadableStream<Uint8Array>, events: SseEvent[]): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const parsed = parseEvent(buffer.slice(0, end));
      if (parsed !== null) events.push(parsed);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
    }
  }
}

function parseEvent(block: string): SseEvent | null {
  let id: string | null = null;
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('id: ')) id = line.slice(4);
    else if (line.startsWith('event: ')) event = line.slice(7);
    else if (line.startsWith('data: ')) data.push(line.slice(6));
  }
  return data.length === 0 ? null : { id, event, data: data.join('\n') };
}
