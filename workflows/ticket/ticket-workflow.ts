// The ticket workflow: one per ticket, id `ticket-<id>`, owning the ticket's lifecycle from
// arrival to close — triage, assignment, the first-response SLA timer and its escalation,
// agent actions, customer messages, follow-up reminders and auto-close. Every fact goes
// through the pure state machine and is projected to PostgreSQL by an activity carrying its
// sequence number. Deterministic: time is workflow time, I/O happens only in activities.
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  currentUpdateInfo,
  log,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { TicketActivities } from '../../activities/ticket-activities.ts';
import type { RoutingContext } from '../../activities/contracts.ts';
import { chooseAssignee } from '../policies/assignment.ts';
import { escalationOnBreach, firstResponseDue, slaPolicyVersion } from '../policies/sla.ts';
import { triageTicket } from '../policies/triage.ts';
import { checkAssign, checkNote, checkReply, checkStatus, type Refusal } from './agent-actions.ts';
import {
  assignUpdate,
  customerMessageSignal,
  noteUpdate,
  replyUpdate,
  setStatusUpdate,
  ticketStateQuery,
  type ActionResult,
  type CustomerMessage,
} from './messages.ts';
import {
  applyFact,
  hasSeenMessage,
  newTicketState,
  type TicketFact,
  type TicketState,
  type TimelineEntry,
} from './ticket-state.ts';
import { Priority, TicketStatus, type Channel } from './vocabulary.ts';

export interface TicketWorkflowInput {
  ticketId: number;
  subject: string;
  channel: Channel;
  requester: { id: number; email: string | null };
  mailbox: string | null;
  firstMessageId: number;
  /** Epoch ms when the first message was received. */
  receivedAt: number;
  /** Subject and the start of the body, for triage rules. */
  triageText: string;
  automated: boolean;
  /** Set when the workflow continues as new: the state to carry on from. */
  carried?: { state: TicketState; context: RoutingContext };
}

export interface TicketOutcome {
  ticketId: number;
  status: TicketStatus;
  closedAt: number;
}

// Projections and look-ups are short database calls, run as local activities so a new
// ticket costs the server no extra round trips; they are idempotent, so retries are safe.
const store = proxyLocalActivities<TicketActivities>({
  startToCloseTimeout: '30 seconds',
  localRetryThreshold: '10 seconds',
  retry: { initialInterval: '200 ms', maximumInterval: '10 seconds' },
});

// Notifications and outbound messages may wait on other systems: ordinary activities.
const outbound = proxyActivities<TicketActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** Runs one ticket from arrival to close; never performs I/O itself. */
export async function ticketWorkflow(input: TicketWorkflowInput): Promise<TicketOutcome> {
  const ticket = new TicketRun(input);
  ticket.registerHandlers();
  if (input.carried === undefined) await ticket.open();
  return ticket.runUntilClosed();
}

class TicketRun {
  private state: TicketState;
  private context: RoutingContext | null;
  private readonly input: TicketWorkflowInput;
  private pending: TimelineEntry[] = [];
  private projection: Promise<void> = Promise.resolve();
  private replyInFlight = false;

  constructor(input: TicketWorkflowInput) {
    this.input = input;
    this.context = input.carried?.context ?? null;
    this.state =
      input.carried?.state ??
      newTicketState({
        ticketId: input.ticketId,
        subject: input.subject,
        channel: input.channel,
        requesterId: input.requester.id,
        mailbox: input.mailbox,
        priority: Priority.Normal,
        receivedAt: input.receivedAt,
      });
  }

  registerHandlers(): void {
    setHandler(ticketStateQuery, () => this.state);
    setHandler(customerMessageSignal, (message) => this.onCustomerMessage(message));
    setHandler(replyUpdate, (action) => this.reply(action), {
      validator: (action) => refuse(checkReply(this.state, action, this.replyInFlight)),
    });
    setHandler(noteUpdate, (action) => this.note(action), {
      validator: (action) => refuse(checkNote(this.state, action)),
    });
    setHandler(assignUpdate, (action) => this.assign(action), {
      validator: (action) => refuse(checkAssign(this.state, action)),
    });
    setHandler(setStatusUpdate, (action) => this.setStatus(action), {
      validator: (action) => refuse(checkStatus(this.state, action)),
    });
  }

  /** Records the arrival, triages, assigns and arms the first-response target. */
  async open(): Promise<void> {
    const at = this.input.receivedAt;
    this.record({ type: 'created', at, messageId: this.input.firstMessageId });

    const decision = triageTicket({
      channel: this.input.channel,
      subject: this.input.subject,
      text: this.input.triageText,
      requesterEmail: this.input.requester.email,
      automated: this.input.automated,
    });
    const context = await store.loadRoutingContext({
      ticketId: this.input.ticketId,
      queueKey: decision.queueKey,
    });
    this.context = context;
    this.record({ type: 'triaged', at: Date.now(), queue: context.queue, ...decision });

    this.assignByPolicy(context);
    this.armFirstResponse(context);
    await this.flush();
    log.info('ticket opened', {
      ticketId: this.input.ticketId,
      queue: context.queue.key,
      priority: this.state.priority,
      assigneeId: this.state.assigneeId,
    });
  }

  private assignByPolicy(context: RoutingContext): void {
    const decision = chooseAssignee({ skill: context.queue.skill, candidates: context.candidates });
    if (decision.agentId === null) {
      this.record({ type: 'unassigned', at: Date.now(), reason: decision.reason });
      return;
    }
    this.record({
      type: 'assigned',
      at: Date.now(),
      agentId: decision.agentId,
      byAgentId: null,
      reason: decision.reason,
      note: null,
      policyVersion: decision.policyVersion,
    });
  }

  private armFirstResponse(context: RoutingContext): void {
    const dueAt = firstResponseDue({
      terms: context.terms,
      priority: this.state.priority,
      receivedAt: this.input.receivedAt,
    });
    this.record({
      type: 'slaArmed',
      at: Date.now(),
      target: 'first_response',
      dueAt,
      policy: `${context.terms.policyName} (${slaPolicyVersion})`,
    });
  }

  /** Waits for actions and timers until the ticket is closed, continuing as new when asked. */
  async runUntilClosed(): Promise<TicketOutcome> {
    while (this.state.status !== TicketStatus.Closed) {
      const seenSeq = this.state.seq;
      const deadline = this.nextDeadline();
      const timeout = deadline === null ? undefined : Math.max(deadline.at - Date.now(), 1);
      const woken = await condition(() => this.state.seq !== seenSeq, timeout);

      if (!woken && deadline !== null) await deadline.fire();
      await this.flush();

      if (workflowInfo().continueAsNewSuggested) await this.continueAsNew();
    }

    await condition(allHandlersFinished);
    await this.flush();
    return { ticketId: this.state.ticketId, status: this.state.status, closedAt: Date.now() };
  }

  private nextDeadline(): { at: number; fire: () => Promise<void> } | null {
    const s = this.state;
    const terms = this.context?.terms;
    if (terms === undefined) return null;

    const waitingForFirstResponse =
      s.firstRespondedAt === null && !s.breached && s.firstResponseDueAt !== null;
    const isWorkable = s.status === TicketStatus.Open || s.status === TicketStatus.New;
    if (waitingForFirstResponse && isWorkable) {
      return { at: s.firstResponseDueAt!, fire: () => this.onFirstResponseBreach() };
    }

    if (s.status === TicketStatus.Pending && s.pendingSince !== null) {
      if (s.followUpSentAt === null) {
        const at = s.pendingSince + terms.followUpAfterMs;
        return { at, fire: () => this.sendFollowUpReminder() };
      }
      const at = s.followUpSentAt + terms.autoCloseAfterMs;
      return { at, fire: async () => this.autoClose('no reply after the follow-up reminder') };
    }

    if (s.status === TicketStatus.Resolved && s.resolvedAt !== null) {
      const at = s.resolvedAt + terms.autoCloseAfterMs;
      return { at, fire: async () => this.autoClose('resolved with no further reply') };
    }
    return null;
  }

  private async onFirstResponseBreach(): Promise<void> {
    const dueAt = this.state.firstResponseDueAt!;
    this.record({ type: 'slaBreached', at: Date.now(), target: 'first_response', dueAt });

    const step = escalationOnBreach({
      priority: this.state.priority,
      escalationLevel: this.state.escalationLevel,
    });
    const leadId = this.context?.queue.leadAgentId ?? null;
    this.record({
      type: 'escalated',
      at: Date.now(),
      level: step.level,
      toPriority: step.toPriority,
      notifiedAgentId: leadId,
      reason: 'first response breached',
    });
    log.info('ticket escalated', { ticketId: this.state.ticketId, level: step.level, leadId });

    if (leadId !== null) {
      await outbound.notifyAgent({
        agentId: leadId,
        ticketId: this.state.ticketId,
        kind: 'escalation',
        text: `Ticket #${this.state.ticketId} breached its first-response target and was escalated to ${step.toPriority}.`,
        idempotencyKey: `ticket-${this.state.ticketId}:escalation:${step.level}`,
      });
    }
  }

  private async sendFollowUpReminder(): Promise<void> {
    const at = Date.now();
    const { messageId } = await outbound.recordFollowUpReminder({
      ticketId: this.state.ticketId,
      idempotencyKey: `ticket-${this.state.ticketId}:follow-up:${this.state.pendingSince}`,
      channel: this.state.channel,
      at,
    });
    this.record({ type: 'followUpSent', at, messageId });
  }

  private autoClose(reason: string): void {
    this.record({ type: 'autoClosed', at: Date.now(), reason });
    log.info('ticket auto-closed', { ticketId: this.state.ticketId, reason });
  }

  private onCustomerMessage(message: CustomerMessage): void {
    if (hasSeenMessage(this.state, message.messageId)) return;

    const at = Date.now();
    const wasResolved = this.state.status === TicketStatus.Resolved;
    this.record({
      type: 'customerMessage',
      at,
      messageId: message.messageId,
      automated: message.automated,
    });
    if (wasResolved && !message.automated) {
      this.record({ type: 'reopened', at, messageId: message.messageId });
    }
  }

  private async reply(action: Parameters<typeof checkReply>[1]): Promise<ActionResult> {
    // Claimed before the first await: a colleague's concurrent reply is refused by the validator.
    this.replyInFlight = true;
    try {
      const at = Date.now();
      const { messageId } = await store.recordAgentMessage({
        ticketId: this.state.ticketId,
        idempotencyKey: updateIdempotencyKey(),
        agentId: action.agentId,
        kind: 'public_reply',
        body: action.body,
        channel: this.state.channel,
        at,
      });
      this.record({ type: 'publicReply', at, agentId: action.agentId, messageId });
      await this.flush();
      return this.result(messageId);
    } finally {
      this.replyInFlight = false;
    }
  }

  private async note(action: Parameters<typeof checkNote>[1]): Promise<ActionResult> {
    const at = Date.now();
    const { messageId } = await store.recordAgentMessage({
      ticketId: this.state.ticketId,
      idempotencyKey: updateIdempotencyKey(),
      agentId: action.agentId,
      kind: 'internal_note',
      body: action.body,
      channel: this.state.channel,
      at,
    });
    this.record({ type: 'internalNote', at, agentId: action.agentId, messageId });
    await this.flush();
    return this.result(messageId);
  }

  private async assign(action: Parameters<typeof checkAssign>[1]): Promise<ActionResult> {
    this.record({
      type: 'assigned',
      at: Date.now(),
      agentId: action.agentId,
      byAgentId: action.byAgentId,
      reason: action.byAgentId === null ? 'assigned by the system' : 'handed off by an agent',
      note: action.note ?? null,
      policyVersion: null,
    });
    await this.flush();
    return this.result();
  }

  private async setStatus(action: Parameters<typeof checkStatus>[1]): Promise<ActionResult> {
    this.record({
      type: 'statusChanged',
      at: Date.now(),
      to: action.status,
      byAgentId: action.byAgentId,
      reason: 'set by an agent',
    });
    await this.flush();
    return this.result();
  }

  private record(fact: TicketFact): void {
    const { state, entry } = applyFact(this.state, fact);
    this.state = state;
    this.pending.push(entry);
  }

  /** Projects recorded entries in order; concurrent callers chain so writes never reorder. */
  private flush(): Promise<void> {
    this.projection = this.projection.then(async () => {
      if (this.pending.length === 0) return;
      const entries = this.pending;
      this.pending = [];
      await store.projectTicket({ ticketId: this.state.ticketId, entries, snapshot: this.state });
    });
    return this.projection;
  }

  private result(messageId?: number): ActionResult {
    return { ticketId: this.state.ticketId, version: this.state.seq, messageId };
  }

  private async continueAsNew(): Promise<never> {
    await condition(allHandlersFinished);
    await this.flush();
    return continueAsNew<typeof ticketWorkflow>({
      ...this.input,
      carried: { state: this.state, context: this.context! },
    });
  }
}

function refuse(refusal: Refusal | null): void {
  if (refusal === null) return;
  throw ApplicationFailure.create({
    type: refusal.type,
    message: refusal.message,
    nonRetryable: true,
  });
}

// The update id is unique per accepted update, so a retried activity stores the message once.
function updateIdempotencyKey(): string {
  return `${workflowInfo().workflowId}:update:${currentUpdateInfo()!.id}`;
}
