// The ticket lives whose histories tests/replay/ keeps: each scenario drives one ticket workflow
// on the time-skipping server through a real sequence of agent actions, customer messages and
// timers until it closes. record-histories.ts runs them and saves each history as
// histories/ticket-<name>.json.
//
// Only version 2 (patch 2026-12-business-time-sla) scenarios are listed: today's code records
// version 2. The version 1 histories (ticket-reply-then-resolve.json, ticket-reopen.json, …) were
// recorded by the wall-clock workflow before the patch and are kept as they are, never
// re-recorded, so the replay test proves tickets started by version 1 still run.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { RoutingContext } from '../../activities/contracts.ts';
import type { SlaTerms } from '../../workflows/policies/sla.ts';
import {
  applyMacroUpdate,
  assignUpdate,
  customerMessageSignal,
  handoffUpdate,
  mergeIntoUpdate,
  noteUpdate,
  promiseUpdate,
  replyUpdate,
  requestAssignmentUpdate,
  setFieldsUpdate,
  setPriorityUpdate,
  setStatusUpdate,
  setTagsUpdate,
  slaTermsChangedSignal,
  splitToUpdate,
} from '../../workflows/ticket/messages.ts';
import { TicketStatus } from '../../workflows/ticket/vocabulary.ts';
import { officeCalendar } from '../workflows/shared/calendars.ts';
import type { FakeActivityHooks } from '../workflows/support/fake-ticket-activities.ts';
import {
  billingQueue,
  candidate,
  hourMs,
  minuteMs,
  routingContextFor,
  slaTerms,
} from '../workflows/support/ticket-fixtures.ts';
import {
  waitForProjected,
  waitForState,
  waitUntilOpened,
  type TicketUnderTest,
} from '../workflows/support/ticket-harness.ts';

export interface TicketScenario {
  /** Kebab-case; the history is saved as `ticket-<name>.json`. */
  name: string;
  ticketId: number;
  subject?: string;
  hooks?: FakeActivityHooks;
  /** Drives the ticket until its workflow has completed. */
  run(ticket: TicketUnderTest, env: TestWorkflowEnvironment): Promise<void>;
}

const agentId = 12;

function reply(ticket: TicketUnderTest, body = 'Here is what to do next.') {
  return ticket.handle.executeUpdate(replyUpdate, { args: [{ agentId, body }] });
}

function setStatus(ticket: TicketUnderTest, status: TicketStatus) {
  return ticket.handle.executeUpdate(setStatusUpdate, { args: [{ status, byAgentId: agentId }] });
}

async function customerWrites(
  ticket: TicketUnderTest,
  env: TestWorkflowEnvironment,
  messageId: number,
): Promise<void> {
  const receivedAt = await env.currentTimeMs();
  await ticket.handle.signal(customerMessageSignal, { messageId, receivedAt, automated: false });
}

/** Lets the workflow's own timers close the ticket, skipping the days in between. */
async function untilClosed(ticket: TicketUnderTest): Promise<void> {
  await ticket.handle.result();
}

// Who is online changes while these scenarios run, as it does when agents log off and on.
const reopenCandidates = { current: [candidate({ agentId: 12, openTickets: 0 })] };
const lateAgent = { online: false };

const berlinOffice = officeCalendar({ timeZone: 'Europe/Berlin', holidays: ['2026-12-24'] });

/** A policy with every version 2 feature: three targets, warnings, pauses and a ladder. */
const businessTerms: SlaTerms = {
  ...slaTerms,
  policyName: 'Standard',
  policyRevision: 3,
  nextResponseMs: { low: 8 * hourMs, normal: 4 * hourMs, high: 2 * hourMs, urgent: hourMs },
  warnBeforeMs: hourMs,
  pauseStatuses: [TicketStatus.Pending, TicketStatus.OnHold],
  escalationLadder: [
    {
      level: 1,
      target: 'first_response',
      offsetMs: -30 * minuteMs,
      actions: [{ kind: 'notify_lead' }],
    },
    {
      level: 2,
      target: 'first_response',
      offsetMs: 0,
      actions: [
        { kind: 'raise_priority' },
        { kind: 'page_on_call', webhookUrl: 'http://127.0.0.1:9/on-call' },
      ],
    },
    {
      level: 3,
      target: 'first_response',
      offsetMs: hourMs,
      actions: [
        { kind: 'reassign_queue', queueKey: billingQueue.key },
        { kind: 'notify_agents', agentIds: [11] },
      ],
    },
    { level: 1, target: 'next_response', offsetMs: 0, actions: [{ kind: 'notify_lead' }] },
  ],
};

function businessContext(queueKey: string): RoutingContext {
  return { ...routingContextFor(queueKey), terms: businessTerms, calendar: berlinOffice };
}

const businessHours: FakeActivityHooks = { routingContextFor: businessContext };

const billingTeam = {
  id: billingQueue.teamId,
  name: billingQueue.name,
  queueKey: billingQueue.key,
};
const macroActions = {
  status: TicketStatus.Pending,
  addTags: ['waiting'],
  removeTags: ['wifi'],
  assignAgentId: 11,
};

export const ticketScenarios: TicketScenario[] = [
  {
    name: 'v2-reply-then-resolve',
    ticketId: 2_001,
    hooks: businessHours,
    async run(ticket, env) {
      await waitUntilOpened(ticket);
      await env.sleep(30 * minuteMs);
      await reply(ticket);
      await setStatus(ticket, TicketStatus.Resolved);
      await untilClosed(ticket);
    },
  },
  {
    name: 'v2-pause-and-resume',
    ticketId: 2_002,
    hooks: businessHours,
    async run(ticket, env) {
      await waitUntilOpened(ticket);
      await reply(ticket, 'Could you send us the export file?');
      await setStatus(ticket, TicketStatus.Pending);
      await env.sleep(6 * hourMs);
      await customerWrites(ticket, env, 8_701);
      await waitForState(ticket.handle, (s) => s.status === TicketStatus.Open, 'resumed');
      await setStatus(ticket, TicketStatus.OnHold);
      await env.sleep(26 * hourMs);
      await setStatus(ticket, TicketStatus.Open);
      await reply(ticket, 'The vendor fixed it.');
      await setStatus(ticket, TicketStatus.Pending);
      await untilClosed(ticket);
    },
  },
  {
    name: 'v2-breach-and-escalation-ladder',
    ticketId: 2_003,
    subject: 'Cannot log in since this morning',
    hooks: businessHours,
    async run(ticket, env) {
      await waitUntilOpened(ticket);
      await env.sleep(3 * 24 * hourMs);
      await waitForProjected(ticket.calls, 'requeued');
      await ticket.handle.executeUpdate(replyUpdate, { args: [{ agentId: 11, body: 'On it.' }] });
      await setStatus(ticket, TicketStatus.Resolved);
      await untilClosed(ticket);
    },
  },
  {
    name: 'v2-reassignment',
    ticketId: 2_004,
    hooks: businessHours,
    async run(ticket) {
      await waitUntilOpened(ticket);
      await ticket.handle.executeUpdate(noteUpdate, {
        args: [{ agentId, body: 'This is about invoices; handing over.' }],
      });
      await ticket.handle.executeUpdate(assignUpdate, {
        args: [{ agentId: 11, byAgentId: agentId, note: 'billing question' }],
      });
      await ticket.handle.executeUpdate(replyUpdate, { args: [{ agentId: 11, body: 'Done.' }] });
      await setStatus(ticket, TicketStatus.Closed);
      await untilClosed(ticket);
    },
  },
  {
    name: 'v2-reopen',
    ticketId: 2_005,
    hooks: {
      routingContextFor: (queueKey) => ({
        ...businessContext(queueKey),
        candidates: reopenCandidates.current,
      }),
    },
    async run(ticket, env) {
      reopenCandidates.current = [candidate({ agentId: 12, openTickets: 0 })];
      await waitUntilOpened(ticket);
      await reply(ticket);
      await setStatus(ticket, TicketStatus.Resolved);
      await env.sleep(24 * hourMs);
      reopenCandidates.current = [
        candidate({ agentId: 11, openTickets: 3 }),
        candidate({ agentId: 12, openTickets: 0, available: false }),
      ];
      await customerWrites(ticket, env, 8_601);
      await waitForState(ticket.handle, (s) => s.assigneeId === 11, 'rerouted');
      await ticket.handle.executeUpdate(replyUpdate, { args: [{ agentId: 11, body: 'Fixed.' }] });
      await setStatus(ticket, TicketStatus.Resolved);
      await untilClosed(ticket);
    },
  },
  {
    name: 'v2-calendar-edit',
    ticketId: 2_006,
    hooks: businessHours,
    async run(ticket, env) {
      await waitUntilOpened(ticket);
      await env.sleep(hourMs);
      const edited = { ...berlinOffice, id: 'berlin-r2', holidays: ['2026-12-24', '2026-12-31'] };
      await ticket.handle.signal(slaTermsChangedSignal, {
        terms: { ...businessTerms, policyRevision: 4 },
        calendar: edited,
      });
      await waitForProjected(ticket.calls, 'sla_terms_applied');
      await reply(ticket);
      await setStatus(ticket, TicketStatus.Resolved);
      await untilClosed(ticket);
    },
  },
  {
    name: 'v2-promise',
    ticketId: 2_007,
    hooks: businessHours,
    async run(ticket, env) {
      await waitUntilOpened(ticket);
      await reply(ticket, 'Let me check with the vendor.');
      const promise = async (note: string) =>
        ticket.handle.executeUpdate(promiseUpdate, {
          args: [{ agentId, dueAt: (await env.currentTimeMs()) + 3 * 24 * hourMs, note }],
        });
      await promise('Vendor answer within three days');
      await env.sleep(4 * 24 * hourMs);
      await waitForProjected(ticket.calls, 'promise_lapsed');
      await promise('Vendor answer, second try');
      await reply(ticket, 'The vendor answered.');
      await setStatus(ticket, TicketStatus.Resolved);
      await untilClosed(ticket);
    },
  },
  {
    name: 'v2-request-assignment',
    ticketId: 2_008,
    hooks: {
      routingContextFor: (queueKey) => ({
        ...businessContext(queueKey),
        candidates: [candidate({ agentId: 14, available: lateAgent.online, openTickets: 0 })],
      }),
    },
    async run(ticket) {
      lateAgent.online = false;
      await waitUntilOpened(ticket);
      lateAgent.online = true;
      await ticket.handle.executeUpdate(requestAssignmentUpdate, { args: [] });
      await ticket.handle.executeUpdate(replyUpdate, { args: [{ agentId: 14, body: 'Hi.' }] });
      await setStatus(ticket, TicketStatus.Closed);
      await untilClosed(ticket);
    },
  },
  {
    name: 'v2-collaboration',
    ticketId: 2_009,
    hooks: businessHours,
    async run(ticket) {
      await waitUntilOpened(ticket);
      const by = { byAgentId: agentId };
      await ticket.handle.executeUpdate(noteUpdate, {
        args: [
          { agentId, body: '@carol seen this?', mentions: { handles: ['carol'], agentIds: [13] } },
        ],
      });
      await ticket.handle.executeUpdate(setTagsUpdate, {
        args: [{ ...by, tags: ['VIP', 'wifi'] }],
      });
      await ticket.handle.executeUpdate(setPriorityUpdate, { args: [{ ...by, priority: 'high' }] });
      await ticket.handle.executeUpdate(setFieldsUpdate, {
        args: [{ ...by, changes: [{ key: 'device', label: 'Device', value: 'laptop' }] }],
      });
      await ticket.handle.executeUpdate(handoffUpdate, {
        args: [{ ...by, note: 'Invoice question after all.', toTeam: billingTeam }],
      });
      await ticket.handle.executeUpdate(assignUpdate, {
        args: [{ agentId, byAgentId: 11, note: 'back to you' }],
      });
      await ticket.handle.executeUpdate(applyMacroUpdate, {
        args: [{ ...by, macroId: 5, title: 'Waiting on you', actions: macroActions }],
      });
      await ticket.handle.executeUpdate(splitToUpdate, {
        args: [{ ...by, otherTicketId: 2_010, messageId: 77 }],
      });
      await ticket.handle.executeUpdate(mergeIntoUpdate, {
        args: [{ ...by, intoTicketId: 2_011 }],
      });
      await untilClosed(ticket);
    },
  },
];
