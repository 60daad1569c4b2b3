// rearmOpenTickets (activities/rearm-open-tickets.ts) on the real stack: after a lead edits the
// SLA policy, every open ticket on it is signalled with the reloaded terms and records them in
// its timeline, with the policy's new revision and the re-armed due instants.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { rearmOpenTickets } from '../../activities/rearm-open-tickets.ts';
import { Channel } from '../../workflows/ticket/vocabulary.ts';
import { eventually, startTestStack, type TestStack } from '../support/stack.ts';

type Row = Record<string, unknown>;

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ name: 'rearm' });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

async function openTicket(): Promise<number> {
  const outcome = await stack.intake.accept({
    channel: Channel.Web,
    idempotencyKey: randomUUID(),
    requester: { email: `${randomUUID()}@customer.example`, name: 'Pat Doe' },
    subject: 'Question about exporting reports',
    text: 'How do I export last month’s reports?',
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
    appendToTicketId: null,
  });
  return outcome.ticketId;
}

function timelineOf(ticketId: number, kind: string): Promise<Row[]> {
  return stack.orm.em
    .fork()
    .execute('select detail from ticket_event where ticket_id = ? and kind = ? order by seq', [
      ticketId,
      kind,
    ]);
}

describe('rearmOpenTickets', () => {
  it('re-arms an open ticket with the edited policy and its new revision', async () => {
    const ticketId = await openTicket();
    await eventually('ticket armed and listed in its queue', async () => {
      const rows: Row[] = await stack.orm.em
        .fork()
        .execute('select queue_id from ticket where id = ? and status = ?', [ticketId, 'open']);
      return rows[0]?.queue_id != null && (await timelineOf(ticketId, 'sla_armed')).length > 0;
    });
    const em = stack.orm.em.fork();
    const [policy] = (await em.execute(
      "select id, warn_before_minutes from sla_policy where name = 'Standard'",
    )) as Row[];
    const policyId = Number(policy!.id);

    await em.execute('update sla_policy set warn_before_minutes = ? where id = ?', [90, policyId]);
    try {
      const outcome = await rearmOpenTickets({
        orm: stack.orm,
        temporal: stack.temporal.client,
        policyId,
      });
      const applied = await eventually('terms applied', async () => {
        const rows = await timelineOf(ticketId, 'sla_terms_applied');
        return rows.find((row) => (row.detail as Row).reason === 'policy or calendar edited');
      });

      expect(outcome.signalled).toContain(ticketId);
      expect((applied.detail as Row).policy).toMatch(/^Standard r\d+ \(sla-2026-12-v2\)$/);
      const rearmed = (await timelineOf(ticketId, 'sla_armed'))
        .map((row) => row.detail as Row)
        .filter((detail) => detail.reason === 'policy or calendar edited');
      expect(rearmed.map((detail) => detail.target).sort()).toEqual([
        'first_response',
        'resolution',
      ]);
      for (const detail of rearmed) {
        const early = Date.parse(String(detail.dueAt)) - Date.parse(String(detail.warnAt));
        expect(early).toBeGreaterThanOrEqual(90 * 60_000);
      }
    } finally {
      await em.execute('update sla_policy set warn_before_minutes = ? where id = ?', [
        policy!.warn_before_minutes,
        policyId,
      ]);
    }
  });
});
