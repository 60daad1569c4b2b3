// The database side of email threading: finds the ticket a Message-ID or a `[#n]` tag points
// at, for decideThread (threading.ts), which makes the decision. Read-only. Reads `message`
// rows of every kind (inbound, automated, and our outbound replies once mail-out stores their
// Message-IDs) so a reply threads whichever of our messages it answers.
// Tests: tests/channels/email/ingest.test.ts.
import type { EntityManager, Orm } from '../../db/orm.ts';
import type { ThreadLookups } from './threading.ts';

/** Options for the look-ups; `mailbox` is the mailbox the email arrived in. */
export interface ThreadLookupOptions {
  mailbox?: string;
}

type Row = Record<string, unknown>;

/**
 * Backs ThreadLookups with PostgreSQL. One Message-ID can be stored in two mailboxes (the same
 * mail sent to Support and Billing, C15); the match in `options.mailbox` is preferred, so a
 * reply threads in the mailbox it came to rather than being turned away by the other's match.
 */
export function createThreadLookups(orm: Orm, options: ThreadLookupOptions = {}): ThreadLookups {
  const preferred = options.mailbox?.trim().toLowerCase() ?? '';

  return {
    async ticketByMessageIds(ids) {
      if (ids.length === 0) return null;

      const rows: Row[] = await orm.em.fork().execute(
        `select ticket_id, mailbox from message
         where message_id_header in (${placeholders(ids)}) and mailbox is not null
         order by lower(mailbox) = ? desc, id desc
         limit 1`,
        [...ids, preferred],
      );
      const row = rows[0];
      return row ? { ticketId: Number(row.ticket_id), mailbox: String(row.mailbox) } : null;
    },

    async ticketByNumber(n) {
      const em = orm.em.fork();
      const mailbox = await mailboxOfTicket(em, n);
      if (mailbox === null) return null;

      return { ticketId: n, mailbox, participants: await participantsOf(em, n) };
    },
  };
}

/**
 * The mailbox a ticket was opened in. Read from its first message, which intake writes in the
 * same transaction that allocates the ticket number, so it exists before the read-model row.
 * Tickets opened outside email (API, web form) have no mailbox, so a tag cannot reach them.
 */
async function mailboxOfTicket(em: EntityManager, ticketId: number): Promise<string | null> {
  const rows: Row[] = await em.execute(
    `select mailbox from message where ticket_id = ? and mailbox is not null order by id limit 1`,
    [ticketId],
  );
  const mailbox = rows[0]?.mailbox;
  return typeof mailbox === 'string' ? mailbox : null;
}

/** Every email address that wrote on the ticket: its requesters (all their identities) and agents. */
async function participantsOf(em: EntityManager, ticketId: number): Promise<string[]> {
  const rows: Row[] = await em.execute(
    `with writers as (
       select requester_id from message where ticket_id = ? and requester_id is not null
       union select requester_id from ticket where id = ?
     )
     select lower(r.email) as address from requester r
       join writers w on w.requester_id = r.id where r.email is not null
     union select lower(i.address) from requester_identity i
       join writers w on w.requester_id = i.requester_id where i.channel = 'email'
     union select lower(a.email) from agent a
       join message m on m.agent_id = a.id where m.ticket_id = ?`,
    [ticketId, ticketId, ticketId],
  );
  return rows.map((row) => String(row.address));
}

function placeholders(values: unknown[]): string {
  return values.map(() => '?').join(', ');
}
