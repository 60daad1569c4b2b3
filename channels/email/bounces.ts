// Bounces of our own mail: a delivery status notification (RFC 3464, multipart/report) or a
// mailer-daemon's message that quotes the Message-ID of a mail we sent marks that outbound
// mail bounced and tells the agent on its ticket. The bounce itself is still filed by intake
// as automated mail; this only connects it to what we sent. Our Message-IDs have a shape of
// their own (outbox.ts), so a stranger quoting someone else's id cannot be mistaken for one
// of ours unless it names a mail we really sent.
// Tests: tests/channels/mail-outbox.test.ts.
import type { EntityManager } from '../../db/orm.ts';
import { recordDeliveryProblem } from './outbound/outbox-sender.ts';

const ourMessageId = /<casework\.[a-z]+\.[0-9a-f]{24}@[^<>\s]+>/g;

/** One outbound mail a bounce named. */
export interface BouncedMail {
  outboundMailId: number;
  ticketId: number | null;
}

/** True for a delivery report or a mail from a mailer-daemon or postmaster. */
export function looksLikeBounce(raw: Buffer): boolean {
  const head = headerBlock(raw);
  const isReport = /^content-type:\s*multipart\/report[^]*?report-type="?delivery-status/im.test(
    head,
  );
  const fromDaemon = /^from:[^\n]*\b(mailer-daemon|postmaster)@/im.test(head);
  return isReport || fromDaemon;
}

/** Marks the outbound mails a bounce names as bounced, once, and records it on their tickets. */
export async function recordBounce(em: EntityManager, raw: Buffer): Promise<BouncedMail[]> {
  if (!looksLikeBounce(raw)) return [];

  const text = raw.toString('latin1');
  const ids = [...new Set(text.match(ourMessageId) ?? [])];
  if (ids.length === 0) return [];

  const reason = diagnosticOf(text);
  const rows: Record<string, unknown>[] = await em.execute(
    `update outbound_mail set status = 'bounced', last_error = ?
     where message_id_header in (${ids.map(() => '?').join(', ')}) and status <> 'bounced'
     returning id, ticket_id, kind, subject`,
    [reason, ...ids],
  );

  for (const row of rows) {
    await recordDeliveryProblem(em, {
      ticketId: row.ticket_id === null ? null : Number(row.ticket_id),
      outboundMailId: Number(row.id),
      text: `Our ${String(row.kind)} email "${String(row.subject)}" bounced: ${reason}`,
    });
  }
  return rows.map((row) => ({
    outboundMailId: Number(row.id),
    ticketId: row.ticket_id === null ? null : Number(row.ticket_id),
  }));
}

/** The receiving server's own words (Diagnostic-Code), else the DSN status, else a plain note. */
function diagnosticOf(text: string): string {
  const diagnostic = /^Diagnostic-Code:\s*(?:smtp;\s*)?(.+(?:\r?\n[ \t].+)*)/im.exec(text);
  if (diagnostic?.[1]) return diagnostic[1].replace(/\s+/g, ' ').trim().slice(0, 300);

  const status = /^Status:\s*([245]\.\d{1,3}\.\d{1,3})/im.exec(text);
  if (status?.[1]) return `delivery status ${status[1]}`;
  return 'the receiving server returned it undelivered';
}

function headerBlock(raw: Buffer): string {
  const text = raw.subarray(0, 64 * 1024).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  return (end === -1 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
}
