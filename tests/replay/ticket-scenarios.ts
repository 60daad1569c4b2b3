// The ticket lives whose histories tests/replay/ keeps: each scenario drives one ticket workflow
// on the time-skipping server through a real sequence of agent actions, customer messages and
// timers until it closes. record-histories.ts runs them and saves each history as
// histories/ticket-<name>.json.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  assignUpdate,
  customerMessageSignal,
  noteUpdate,
  replyUpdate,
  setStatusUpdate,
} from '../../workflows/ticket/messages.ts';
import { TicketStatus } from '../../workflows/ticket/vocabulary.ts';
import { hourMs, minuteMs } from '../workflows/support/ticket-fixtures.ts';
import {
  waitForProjected,
  waitUntilOpened,
  type TicketUnderTest,
} from '../workflows/support/ticket-harness.ts';

export interface TicketScenario {
  /** Kebab-case; the history is saved as `ticket-<name>.json`. */
  name: string;
  ticketId: number;
  subject?: string;
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

export const ticketScenarios: TicketScenario[] = [
  {
    name: 'reply-then-resolve',
    ticketId: 1_001,
    async run(ticket, env) {
      await waitUntilOpened(ticket);
      await env.sleep(30 * minuteMs);
      await reply(ticket);
      await setStatus(ticket, TicketStatus.Resolved);
      await untilClosed(ticket);
    },
  },
  {
    name: 'pending-follow-up-auto-close',
    ticketId: 1_002,
    async run(ticket) {
      await waitUntilOpened(ticket);
      await reply(ticket, 'Could you send us the export file?');
      await setStatus(ticket, TicketStatus.Pending);
      await untilClosed(ticket);
    },
  },
  {
    name: 'breach-and-escalation',
    ticketId: 1_003,
    subject: 'Cannot log in since this morning',
    async run(ticket, env) {
      await waitUntilOpened(ticket);
      await env.sleep(2 * hourMs);
      await waitForProjected(ticket.calls, 'escalated');
      await reply(ticket);
      await setStatus(ticket, TicketStatus.Resolved);
      await untilClosed(ticket);
    },
  },
  {
    name: 'reassignment',
    ticketId: 1_004,
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
    name: 'reopen',
    ticketId: 1_005,
    async run(ticket, env) {
      await waitUntilOpened(ticket);
      await reply(ticket);
      await setStatus(ticket, TicketStatus.Resolved);
      await env.sleep(24 * hourMs);
      await customerWrites(ticket, env, 8_601);
      await waitForProjected(ticket.calls, 'reopened');
      await reply(ticket, 'Sorry, here is the missing step.');
      await setStatus(ticket, TicketStatus.Resolved);
      await untilClosed(ticket);
    },
  },
];
