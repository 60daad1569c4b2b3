// One LISTEN connection per server process on the `ticket_changed` channel, which the
// workflow's projection activity notifies in the same transaction as each read-model
// change, and on `ticket_presence`, which agents' presence heartbeats notify
// (api/routes/presence.ts). Every open live view subscribes here, so any number of server
// processes see every change and every colleague's presence without polling.
import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Logger } from 'pino';
import { agentNotificationChannel, ticketChangedChannel } from '../activities/ticket-activities.ts';
import type { PresenceView } from './contract.ts';
import { presenceChannel } from './routes/presence.ts';

export interface TicketChange {
  ticketId: number;
  version: number;
}

export interface TicketChangeFeed {
  subscribe(listener: (change: TicketChange) => void): () => void;
  /** Hears every agent's presence heartbeat and leaving, from any server process. */
  subscribePresence(listener: (presence: PresenceView) => void): () => void;
  /** Hears every new in-app notification (any agent's); the stream passes on the addressee's. */
  subscribeNotifications(listener: (notification: AgentNotification) => void): () => void;
  close(): Promise<void>;
}

/** A new in-app notification as `notifyAgent`/`notifyAgents` announce it. */
export interface AgentNotification {
  id: number;
  agentId: number;
  ticketId: number;
  kind: string;
}

const reconnectDelayMs = 1_000;

/** Listens for ticket changes, reconnecting after a lost connection; `close` stops it. */
export async function openTicketChangeFeed(options: {
  databaseUrl: string;
  log: Logger;
}): Promise<TicketChangeFeed> {
  const events = new EventEmitter();
  events.setMaxListeners(0);
  let client: pg.Client | null = null;
  let closed = false;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: options.databaseUrl });
    next.on('notification', (n) => {
      if (n.channel === ticketChangedChannel && n.payload)
        events.emit('change', JSON.parse(n.payload));
      if (n.channel === presenceChannel && n.payload)
        events.emit('presence', JSON.parse(n.payload));
      if (n.channel === agentNotificationChannel && n.payload)
        events.emit('notification', JSON.parse(n.payload));
    });
    next.on('error', (error) => {
      options.log.warn({ err: error }, 'ticket change feed lost its connection; reconnecting');
      void next.end().catch(() => undefined);
      if (!closed) setTimeout(() => void connect().catch(retryLater), reconnectDelayMs);
    });
    await next.connect();
    await next.query(`listen ${ticketChangedChannel}`);
    await next.query(`listen ${presenceChannel}`);
    await next.query(`listen ${agentNotificationChannel}`);
    client = next;
  };
  const retryLater = (error: unknown) => {
    options.log.warn({ err: error }, 'ticket change feed could not reconnect; retrying');
    if (!closed) setTimeout(() => void connect().catch(retryLater), reconnectDelayMs);
  };

  await connect();
  return {
    subscribe(listener) {
      events.on('change', listener);
      return () => events.off('change', listener);
    },
    subscribePresence(listener) {
      events.on('presence', listener);
      return () => events.off('presence', listener);
    },
    subscribeNotifications(listener) {
      events.on('notification', listener);
      return () => events.off('notification', listener);
    },
    async close() {
      closed = true;
      await client?.end();
    },
  };
}
