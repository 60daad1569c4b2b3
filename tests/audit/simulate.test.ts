// The policy simulator over past tickets' facts seeded into PostgreSQL: hand-computed outcomes
// for a small fixed set under the two example candidates, and the throughput on 1,000 generated
// tickets (printed; must stay under a minute). Source: temporal/audit/simulate.ts.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { loadCandidatePolicy } from '../../temporal/audit/candidate-policy.ts';
import { simulatePolicy } from '../../temporal/audit/simulate.ts';
import { loadPastTickets, loadSimulatedWorkgroup } from '../../temporal/audit/simulation-facts.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { removeSeededTickets, seedPastTickets, type SeededTicket } from './support.ts';

const minute = 60_000;
const examples = (name: string) =>
  fileURLToPath(new URL(`../../temporal/audit/examples/${name}`, import.meta.url));

// A window of this run's own, years back, so no live ticket and no other run falls inside it.
const windowStart = Date.UTC(2001 + Math.floor(Math.random() * 18), 2, 2, 9, 0);
const since = new Date(windowStart);
const until = new Date(windowStart + 7 * 24 * 60 * minute);

let stack: TestStack;
const seeded: number[] = [];
let supportAgentId: number;

beforeAll(async () => {
  stack = await startTestStack({ name: 'audit-simulate' });
  const [alice] = await stack.orm.em
    .fork()
    .execute<{ id: number }[]>(`select id from agent where email = 'alice@casework.example'`);
  supportAgentId = alice!.id;
}, 120_000);

afterAll(async () => {
  if (stack !== undefined) await removeSeededTickets(stack.orm, seeded);
  await stack?.stop();
});

function pastTicket(offsetMinutes: number, changes: Partial<SeededTicket>): SeededTicket {
  const receivedAt = windowStart + offsetMinutes * minute;
  return {
    subject: 'Printer offline',
    text: 'It will not print.',
    receivedAt,
    queueKey: 'support',
    priority: 'normal',
    rules: ['default-support-normal'],
    assigneeId: supportAgentId,
    // The Standard policy's normal first-response target: 240 minutes.
    firstResponseDueAt: receivedAt + 240 * minute,
    firstReplyAt: null,
    ...changes,
  };
}

async function simulateWindow(policy: string, window = { since, until }) {
  const em = stack.orm.em.fork();
  const [tickets, workgroup] = await Promise.all([
    loadPastTickets(em, window),
    loadSimulatedWorkgroup(em),
  ]);
  const candidate = await loadCandidatePolicy(examples(policy));
  return simulatePolicy({ tickets, workgroup, candidate, asOf: window.until.getTime() });
}

describe('simulate faster-first-response (targets halved) over seeded tickets', () => {
  let ids: number[];

  beforeAll(async () => {
    ids = await seedPastTickets(stack.orm, [
      // Answered after 180 minutes: met against 240, breached against 120.
      pastTicket(0, { firstReplyAt: windowStart + 180 * minute }),
      // Answered after 60 minutes: met either way.
      pastTicket(60, { firstReplyAt: windowStart + 120 * minute }),
      // Answered after 300 minutes: breached either way.
      pastTicket(120, { firstReplyAt: windowStart + 420 * minute, breached: true }),
      // Resolved after 100 minutes without a reply: the timer never fires.
      pastTicket(180, { statuses: [[windowStart + 280 * minute, 'resolved']] }),
    ]);
    seeded.push(...ids);
  });

  it('turns the ticket answered after three hours from met into a breach and escalation', async () => {
    const report = await simulateWindow('faster-first-response.ts');

    const first = report.differences.find((d) => d.ticketId === ids[0])!;
    expect(first.before.breached).toBe(false);
    expect(first.after.breached).toBe(true);
    expect(first.after.firstResponseDueAt).toBe(windowStart + 120 * minute);
    expect(first.after.escalationLevel).toBe(1);
    expect(first.changes).toContain('met → BREACHED');
  });

  it('moves every due instant but leaves the other outcomes as they were', async () => {
    const report = await simulateWindow('faster-first-response.ts');

    expect(report.tickets).toBe(4);
    expect(report.totals.dueChanges).toBe(4);
    for (const id of ids.slice(1)) {
      const difference = report.differences.find((d) => d.ticketId === id)!;
      expect(difference.after.breached).toBe(difference.before.breached);
    }
  });

  it('reports the breach rate before and after', async () => {
    const report = await simulateWindow('faster-first-response.ts');

    expect(report.totals.breaches).toEqual({ before: 1, after: 2 });
    expect(report.totals.breachRate).toEqual({ before: 0.25, after: 0.5 });
    expect(report.totals.reassignments).toBe(0);
  });
});

describe('simulate billing-keywords-v2 over seeded tickets', () => {
  const window = { since: new Date(windowStart + 2 * 24 * 60 * minute), until };
  let ids: number[];

  beforeAll(async () => {
    const day = 2 * 24 * 60;
    const answered = (offset: number) => windowStart + (offset + 30) * minute;
    ids = await seedPastTickets(stack.orm, [
      pastTicket(day, {
        subject: 'Question about VAT on my plan',
        text: 'Is VAT included?',
        firstReplyAt: answered(day),
      }),
      pastTicket(day + 10, { firstReplyAt: answered(day + 10) }),
    ]);
    seeded.push(...ids);
  });

  it('moves the VAT question to Billing and gives it to an agent with the billing skill', async () => {
    const report = await simulateWindow('billing-keywords-v2.ts', window);

    const vat = report.differences.find((d) => d.ticketId === ids[0])!;
    expect(vat.after.queueKey).toBe('billing');
    const [agent] = await stack.orm.em
      .fork()
      .execute<{ skills: string[] }[]>('select skills from agent where id = ?', [
        vat.after.assigneeId,
      ]);
    expect(agent!.skills).toContain('billing');
    expect(report.totals.queueChanges).toBe(1);
  });

  it('leaves tickets without the new billing words unchanged', async () => {
    const report = await simulateWindow('billing-keywords-v2.ts', window);

    expect(report.differences.map((d) => d.ticketId)).not.toContain(ids[1]);
  });
});

describe('simulate throughput', () => {
  it('simulates 1,000 past tickets, loading included, in well under a minute', async () => {
    const benchStart = windowStart + 10 * 24 * 60 * minute;
    const tickets = Array.from({ length: 1_000 }, (_, i) =>
      pastTicket(10 * 24 * 60 + i * 7, {
        subject: i % 3 === 0 ? 'Refund for invoice' : 'Cannot log in',
        firstReplyAt: i % 4 === 0 ? null : windowStart + (10 * 24 * 60 + i * 7 + 90) * minute,
        statuses: [[windowStart + (10 * 24 * 60 + i * 7 + 600) * minute, 'resolved']],
      }),
    );
    seeded.push(...(await seedPastTickets(stack.orm, tickets)));
    const window = {
      since: new Date(benchStart),
      until: new Date(benchStart + 30 * 24 * 60 * minute),
    };

    const began = performance.now();
    const report = await simulateWindow('faster-first-response.ts', window);
    const seconds = (performance.now() - began) / 1000;

    console.log(
      `simulate: ${report.tickets} tickets in ${seconds.toFixed(2)} s ` +
        `(${Math.round(report.tickets / seconds)} tickets/s, policy run ${report.elapsedMs.toFixed(1)} ms)`,
    );
    expect(report.tickets).toBe(1_000);
    expect(seconds).toBeLessThan(60);
  }, 120_000);
});
