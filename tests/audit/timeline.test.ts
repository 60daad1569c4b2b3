// The audit timeline against the real stack and as pure formatting: every timeline entry of a
// walked ticket is listed with its cause (rule ids, policy versions, timers) and agents by
// name, in UTC and in the viewer's zone. Source: temporal/audit/timeline.ts.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadAuditSource } from '../../temporal/audit/audit-source.ts';
import {
  buildAuditTimeline,
  formatTimelineLines,
  type AuditSource,
} from '../../temporal/audit/timeline.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { walkTicketThroughItsLife, type WalkedTicket } from './support.ts';

let stack: TestStack;
let walked: WalkedTicket;

beforeAll(async () => {
  stack = await startTestStack({ name: 'audit-timeline' });
  walked = await walkTicketThroughItsLife(stack);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('audit timeline of a walked ticket', () => {
  it('lists every recorded timeline entry once, in order', async () => {
    const source = (await loadAuditSource(stack.orm.em.fork(), walked.ticketId))!;

    const timeline = buildAuditTimeline(source);

    const recorded = await stack.orm.em
      .fork()
      .execute<{ seq: number }[]>('select seq from ticket_event where ticket_id = ? order by seq', [
        walked.ticketId,
      ]);
    expect(timeline.entries.map((e) => e.seq)).toEqual(recorded.map((r) => Number(r.seq)));
  });

  it('names the triage rules and policy version that chose the queue', async () => {
    const source = (await loadAuditSource(stack.orm.em.fork(), walked.ticketId))!;

    const triaged = buildAuditTimeline(source).entries.find((e) => e.kind === 'triaged')!;

    expect(triaged.summary).toContain('Billing');
    expect(triaged.cause).toContain('billing-keywords');
    expect(triaged.cause).toMatch(/triage-\d{4}-\d{2}-v\d+/);
  });

  it('shows agents and the requester by name, never by id', async () => {
    const source = (await loadAuditSource(stack.orm.em.fork(), walked.ticketId))!;

    const timeline = buildAuditTimeline(source);

    const assigned = timeline.entries.find((e) => e.kind === 'assigned')!;
    expect(assigned.summary).toContain(walked.assigneeName);
    const reply = timeline.entries.find((e) => e.kind === 'public_reply')!;
    expect(reply.actor.name).toBe(walked.assigneeName);
    expect(reply.summary).toContain('public_reply');
    const created = timeline.entries.find((e) => e.kind === 'created')!;
    expect(created.actor.name).toBe(walked.requesterName);
  });

  it('prints one line per entry after a header, with the SLA policy behind the due instant', async () => {
    const source = (await loadAuditSource(stack.orm.em.fork(), walked.ticketId))!;
    const timeline = buildAuditTimeline(source, { timeZone: 'Europe/Berlin' });

    const lines = formatTimelineLines(timeline);

    expect(lines).toHaveLength(timeline.entries.length + 2);
    expect(lines.find((l) => l.includes('sla_armed'))).toMatch(/because SLA policy Standard/);
    const statusLines = lines.filter((l) => l.includes('status_changed'));
    expect(statusLines.some((l) => l.includes('→ resolved'))).toBe(true);
  });

  it('answers null for a ticket the read model does not have', async () => {
    expect(await loadAuditSource(stack.orm.em.fork(), 987_654_321)).toBeNull();
  });
});

const source: AuditSource = {
  ticket: {
    id: 7,
    subject: 'Login broken',
    channel: 'email',
    status: 'open',
    priority: 'high',
    queueName: 'Support',
    requesterName: 'Pat Doe',
    createdAt: '2026-03-29T00:30:00.000Z',
  },
  events: [
    {
      seq: 2,
      kind: 'sla_breached',
      at: '2026-03-29T01:30:00.000Z',
      actor: 'timer',
      detail: { target: 'first_response', dueAt: '2026-03-29T01:30:00.000Z' },
    },
    {
      seq: 1,
      kind: 'escalated',
      at: '2026-03-29T01:30:00.000Z',
      actor: 'policy',
      detail: { level: 1, fromPriority: 'high', toPriority: 'urgent', notifiedAgentId: 3 },
    },
    { seq: 3, kind: 'a_kind_added_later', at: '2026-03-29T02:00:00Z', actor: null, detail: {} },
  ],
  agentNames: { 3: 'Carol Nguyen' },
  messageKinds: {},
};

describe('buildAuditTimeline', () => {
  it('says which timer fired and who was notified, in seq order', () => {
    const timeline = buildAuditTimeline(source);

    expect(timeline.entries.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(timeline.entries[0]!.summary).toContain('Carol Nguyen notified');
    expect(timeline.entries[1]!.cause).toContain('SLA timer fired');
    expect(timeline.entries[1]!.actor.name).toBe('Casework (timer)');
  });

  it('shows each instant in the viewer’s zone across the spring-forward change', () => {
    const timeline = buildAuditTimeline(source, { timeZone: 'Europe/Berlin' });

    expect(timeline.entries[0]!.at).toBe('2026-03-29T01:30:00.000Z');
    expect(timeline.entries[0]!.atLocal).toBe('2026-03-29 03:30:00 GMT+2');
  });

  it('keeps an entry of a kind it has no wording for, with its detail', () => {
    const entry = buildAuditTimeline(source).entries[2]!;

    expect(entry.kind).toBe('a_kind_added_later');
    expect(entry.actor.name).toBe('Casework');
  });

  it('refuses a zone that is not an IANA zone', () => {
    expect(() => buildAuditTimeline(source, { timeZone: 'Mars/Olympus' })).toThrow(RangeError);
  });
});
