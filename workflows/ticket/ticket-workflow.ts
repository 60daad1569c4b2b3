// The ticket workflow: one per ticket, id `ticket-<id>`, owning the ticket's lifecycle from
// arrival to close — triage, assignment, SLA timers and escalation, agent actions, customer
// messages, promises, follow-up reminders and auto-close. Every fact goes through the pure state
// machine and is projected to PostgreSQL by an activity carrying its sequence number.
// Deterministic: time is workflow time, I/O happens only in activities.
//
// Patch `2026-12-business-time-sla` (temporal/patches.ts): tickets started before it keep
// version 1 — one wall-clock first-response timer, one escalation step, wall-clock follow-up and
// auto-close. Tickets started after it run version 2: first-response, next-response and
// resolution targets in the team's business calendar with warnings, the policy's escalation
// ladder, promises, pause statuses, SLA re-arming on `slaTermsChanged`, and rerouting on reopen.
// Patch `2026-12-assignment-notification`: an agent assigned by a colleague is notified.
// Tests: tests/workflows/ticket-workflow.test.ts (both versions' shared behaviour),
// tests/workflows/ticket-sla-workflow.test.ts (version 2), tests/replay/ (recorded histories).
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  currentUpdateInfo,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { TicketActivities } from '../../activities/ticket-activities.ts';
import type { RoutingContext } from '../../activities/contracts.ts';
import { chooseAssignee } from '../policies/assignment.ts';
import { escalationKey, recipientsOf, type EscalationStep } from '../policies/escalation.ts';
import {
  businessTimeUsed,
  calendarOrAlwaysOpen,
  completeTerms,
  describePolicy,
  escalationOnBreach,
  firstResponseDue,
  slaPolicyVersion,
  type SlaTarget,
} from '../policies/sla.ts';
import { triageTicket } from '../policies/triage.ts';
import {
  assignmentNotificationPatch,
  notifyAssignment,
  notifyMentions,
  registerCollabHandlers,
  type CollabHost,
} from './collab-handlers.ts';
import { addBusinessTime, businessMsBetween, nextOpening } from '../shared/business-time.ts';
import {
  checkAssign,
  checkAssignmentRequest,
  checkNote,
  checkPromise,
  checkReply,
  checkStatus,
  RefusalType,
  type PromiseAction,
  type Refusal,
} from './agent-actions.ts';
import {
  assignUpdate,
  customerMessageSignal,
  noteUpdate,
  promiseUpdate,
  replyUpdate,
  requestAssignmentUpdate,
  setStatusUpdate,
  slaTermsChangedSignal,
  ticketStateQuery,
  type ActionResult,
  type CustomerMessage,
  type SlaTermsChange,
} from './messages.ts';
import {
  pendingDeadlines,
  targetFactsOf,
  targetsToRearm,
  type SlaDeadline,
  type SlaSetting,
} from './sla-deadlines.ts';
import {
  applyFact,
  hasSeenMessage,
  newTicketState,
  type TicketFact,
  type TicketState,
  type TimelineEntry,
} from './ticket-state.ts';
import { Priority, TicketStatus, raisedPriority, type Channel } from './vocabulary.ts';

/** The patch id gating version 2 (business-time SLAs); listed in temporal/patches.ts. */
export const businessTimeSlaPatch = '2026-12-business-time-sla';

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
  // Asked once, before the first command: a ticket replaying a version 1 history gets false
  // and keeps the wall-clock command sequence it recorded.
  const ticket = new TicketRun(input, patched(businessTimeSlaPatch));
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
  private readonly usesBusinessTime: boolean;

  constructor(input: TicketWorkflowInput, usesBusinessTime: boolean) {
    this.input = input;
    this.usesBusinessTime = usesBusinessTime;
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
    setHandler(customerMessageSignal, (message) =>
      this.usesBusinessTime ? this.onCustomerMessageV2(message) : this.onCustomerMessage(message),
    );
    setHandler(slaTermsChangedSignal, (change) => this.onSlaTermsChanged(change));
    setHandler(promiseUpdate, (action) => this.promise(action), {
      validator: (action) => refuse(this.checkPromise(action)),
    });
    setHandler(requestAssignmentUpdate, () => this.requestAssignment(), {
      validator: () => refuse(checkAssignmentRequest(this.state)),
    });
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
    registerCollabHandlers(this.collabHost());
  }

  // Handoff, tags, fields, macros, merge and split live in collab-handlers.ts; they reach the
  // ticket only through this narrow host.
  private collabHost(): CollabHost {
    return {
      state: () => this.state,
      record: (fact) => this.record(fact),
      flush: () => this.flush(),
      result: () => this.result(),
      syncSla: (reason) => this.syncSla(reason),
      meetResolutionIfEnding: (status) => this.meetResolutionIfEnding(status),
      enterQueue: (queueKey) => this.enterQueue(queueKey),
    };
  }

  private async enterQueue(queueKey: string): Promise<RoutingContext> {
    const context = await store.loadRoutingContext({ ticketId: this.state.ticketId, queueKey });
    const kept = this.context ?? context;
    this.context = { ...context, terms: kept.terms, calendar: kept.calendar };
    return context;
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
    if (this.usesBusinessTime) {
      this.applySlaTerms('opened');
    } else {
      this.armFirstResponse(context);
    }
    await this.flush();
    log.info('ticket opened', {
      ticketId: this.input.ticketId,
      queue: context.queue.key,
      priority: this.state.priority,
      assigneeId: this.state.assigneeId,
    });
  }

  private assignByPolicy(context: RoutingContext, previousAssigneeId?: number | null): void {
    const decision = chooseAssignee({
      strategy: context.routing?.strategy,
      skill: context.queue.skill,
      candidates: context.candidates,
      previousAssigneeId,
    });
    if (decision.agentId !== null && decision.agentId === this.state.assigneeId) return;
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
    if (this.usesBusinessTime) return this.runUntilClosedV2();

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
      if (this.usesBusinessTime) this.meetResponseTargets(messageId);
      this.record({ type: 'publicReply', at, agentId: action.agentId, messageId });
      this.syncSla('public reply');
      await this.flush();
      return this.result(messageId);
    } finally {
      this.replyInFlight = false;
    }
  }

  // A public reply meets the first response once, the running next response, and a promise
  // whose time has not passed.
  private meetResponseTargets(messageId: number): void {
    const sla = this.state.sla;
    if (!sla) return;
    if (this.state.firstRespondedAt === null) this.recordMet('first_response');
    if (sla.nextResponseSince !== null) this.recordMet('next_response');

    const promise = this.state.promise;
    if (promise && Date.now() <= promise.dueAt) {
      this.record({ type: 'promiseKept', at: Date.now(), messageId });
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
    const mentions = action.mentions;
    this.record({
      type: 'internalNote',
      at,
      agentId: action.agentId,
      messageId,
      ...(mentions === undefined ? {} : { mentions: mentions.handles }),
    });
    await this.flush();
    // Only notes that mention someone run this activity, so older notes replay unchanged.
    if (mentions !== undefined && mentions.agentIds.length > 0) {
      await notifyMentions(this.collabHost(), {
        agentIds: mentions.agentIds,
        byAgentId: action.agentId,
        body: action.body,
      });
    }
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

    // Patch `2026-12-assignment-notification`: asked only when a colleague assigns, so tickets
    // that recorded such an assignment before it replay without the notification activity.
    const byColleague = action.byAgentId !== null && action.byAgentId !== action.agentId;
    if (byColleague && patched(assignmentNotificationPatch)) {
      await notifyAssignment(this.collabHost(), {
        agentId: action.agentId,
        byAgentId: action.byAgentId!,
        note: action.note ?? null,
      });
    }
    return this.result();
  }

  private async setStatus(action: Parameters<typeof checkStatus>[1]): Promise<ActionResult> {
    this.meetResolutionIfEnding(action.status);
    this.record({
      type: 'statusChanged',
      at: Date.now(),
      to: action.status,
      byAgentId: action.byAgentId,
      reason: 'set by an agent',
    });
    this.syncSla(`status set to ${action.status}`);
    await this.flush();
    return this.result();
  }

  private meetResolutionIfEnding(status: TicketStatus): void {
    const ends = status === TicketStatus.Resolved || status === TicketStatus.Closed;
    const resolution = this.state.sla?.targets.resolution;
    if (ends && resolution !== undefined && resolution.metAt === null) {
      this.recordMet('resolution');
    }
  }

  /** Runs timers from the pure deadline list until closed; every fact re-reads the list. */
  private async runUntilClosedV2(): Promise<TicketOutcome> {
    if (!this.state.sla) this.applySlaTerms('continued under business-time SLAs');
    await this.flush();

    while (this.state.status !== TicketStatus.Closed) {
      const seenSeq = this.state.seq;
      const next = this.deadlines()[0];
      const timeout = next === undefined ? undefined : Math.max(next.at - Date.now(), 1);
      const woken = await condition(() => this.state.seq !== seenSeq, timeout);

      if (!woken) await this.fireDueDeadlines();
      await this.flush();

      if (workflowInfo().continueAsNewSuggested) await this.continueAsNew();
    }

    await condition(allHandlersFinished);
    await this.flush();
    return { ticketId: this.state.ticketId, status: this.state.status, closedAt: Date.now() };
  }

  private setting(): SlaSetting {
    return {
      terms: completeTerms(this.context!.terms),
      calendar: calendarOrAlwaysOpen(this.context!.calendar ?? null),
    };
  }

  private deadlines(): SlaDeadline[] {
    const sla = this.state.sla;
    if (!sla || this.context === null) return [];
    const now = Date.now();
    return pendingDeadlines({ state: this.state, sla, setting: this.setting(), now });
  }

  // Several deadlines can share an instant (a breach and its ladder step): each fires in turn,
  // and the list is read again after each, since firing one may cancel the next.
  private async fireDueDeadlines(): Promise<void> {
    for (;;) {
      const due = this.deadlines()[0];
      if (due === undefined || due.at > Date.now()) return;
      await this.fireDeadline(due);
      if (this.state.status === TicketStatus.Closed) return;
    }
  }

  private async fireDeadline(deadline: SlaDeadline): Promise<void> {
    switch (deadline.kind) {
      case 'warning':
        return this.warnOwner(deadline.target, deadline.dueAt);
      case 'breach':
        return this.recordBreach(deadline.target, deadline.dueAt);
      case 'step':
        return this.takeEscalationStep(deadline);
      case 'promiseReminder':
        return this.remindOfPromise();
      case 'promiseLapse':
        return this.lapsePromise();
      case 'followUp':
        return this.sendFollowUpReminder();
      case 'autoClose':
        this.autoClose(deadline.reason);
        this.syncSla('closed');
        return;
    }
  }

  /** Records the policy and calendar the SLA counts with, then arms every target afresh. */
  private applySlaTerms(reason: string): void {
    const { terms, calendar } = this.setting();
    this.record({
      type: 'slaTermsApplied',
      at: Date.now(),
      policy: describePolicy(terms),
      calendarId: calendar.id,
      priority: this.state.sla?.priority ?? this.state.priority,
      reason,
    });
    this.syncSla(reason);
  }

  /** Cancels and re-arms every target whose due instant or warning moved. */
  private syncSla(reason: string): void {
    const sla = this.state.sla;
    if (!sla || this.context === null) return;

    const setting = this.setting();
    const now = Date.now();
    for (const { target, due } of targetsToRearm({ state: this.state, sla, setting, now })) {
      this.record({
        type: 'slaArmed',
        at: now,
        target,
        dueAt: due.dueAt,
        warnAt: due.warnAt,
        policy: sla.policy,
        calendarId: sla.calendarId,
        reason,
      });
    }
  }

  /** Records a target met (or missed) at `now`, with the business time it took. */
  private recordMet(target: SlaTarget): void {
    const sla = this.state.sla!;
    const now = Date.now();
    const facts = targetFactsOf({ state: this.state, sla, setting: this.setting(), target, now });
    this.record({
      type: 'slaMet',
      at: now,
      target,
      dueAt: sla.targets[target].dueAt,
      businessMs: businessTimeUsed(facts),
    });
  }

  private async warnOwner(target: SlaTarget, dueAt: number): Promise<void> {
    this.record({ type: 'slaWarned', at: Date.now(), target, dueAt });
    const agentId = this.state.assigneeId ?? this.state.queue?.leadAgentId ?? null;
    if (agentId === null) return;

    await outbound.notifyAgent({
      agentId,
      ticketId: this.state.ticketId,
      kind: 'sla_warning',
      text: `Ticket #${this.state.ticketId}: the ${label(target)} target is due at ${iso(dueAt)}.`,
      idempotencyKey: `${this.slaKey(target, 0, dueAt)}:warning`,
    });
  }

  private recordBreach(target: SlaTarget, dueAt: number): void {
    this.record({ type: 'slaBreached', at: Date.now(), target, dueAt });
    log.info('ticket SLA breached', { ticketId: this.state.ticketId, target });
  }

  /** Takes one ladder step once: moves, raises and records first, then notifies and pages. */
  private async takeEscalationStep(
    deadline: Extract<SlaDeadline, { kind: 'step' }>,
  ): Promise<void> {
    const { step, target, dueAt } = deadline;
    const key = this.slaKey(target, step.level, dueAt);

    const movedTo = await this.moveForStep(step);
    const raises = step.actions.some((action) => action.kind === 'raise_priority');
    const toPriority = raises ? raisedPriority(this.state.priority) : this.state.priority;
    const recipients = recipientsOf({ step, leadAgentId: this.state.queue?.leadAgentId ?? null });
    const when = step.offsetMs < 0 ? 'due soon' : 'breached';
    const reason = `${label(target)} ${when}${movedTo === null ? '' : ` → ${movedTo}`}`;
    this.record({
      type: 'escalated',
      at: Date.now(),
      level: step.level,
      toPriority,
      notifiedAgentId: recipients[0] ?? null,
      reason,
      step: { target, firedKey: deadline.firedKey, key, notifiedAgentIds: recipients },
    });
    this.syncSla('escalated');
    await this.flush();
    log.info('ticket escalated', { ticketId: this.state.ticketId, target, level: step.level });

    await Promise.all([
      ...recipients.map((agentId) => this.notifyEscalation({ agentId, key, reason, step })),
      ...this.pagesFor({ step, key, reason, target, dueAt }),
    ]);
  }

  // Moving the ticket and telling the new group is one step with one message per person, so
  // the "group assigned" notice is never sent apart from the escalation notice.
  private async moveForStep(step: EscalationStep): Promise<string | null> {
    const move = step.actions.find((action) => action.kind === 'reassign_queue');
    if (move === undefined || move.kind !== 'reassign_queue') return null;
    if (this.state.queue?.key === move.queueKey) return null;

    const context = await store.loadRoutingContext({
      ticketId: this.state.ticketId,
      queueKey: move.queueKey,
    });
    this.context = { ...context, terms: this.context!.terms, calendar: this.context!.calendar };
    this.record({
      type: 'requeued',
      at: Date.now(),
      queue: context.queue,
      reason: `escalation level ${step.level}`,
    });
    this.assignByPolicy(context, this.state.assigneeId);
    return context.queue.name;
  }

  private notifyEscalation(options: {
    agentId: number;
    key: string;
    reason: string;
    step: EscalationStep;
  }): Promise<void> {
    const queue = this.state.queue?.name ?? 'its queue';
    return outbound.notifyAgent({
      agentId: options.agentId,
      ticketId: this.state.ticketId,
      kind: 'escalation',
      text: `Ticket #${this.state.ticketId} escalated (level ${options.step.level}): ${options.reason}; now in ${queue} at ${this.state.priority} priority.`,
      idempotencyKey: `${options.key}:agent-${options.agentId}`,
    });
  }

  private pagesFor(options: {
    step: EscalationStep;
    key: string;
    reason: string;
    target: SlaTarget;
    dueAt: number;
  }): Promise<void>[] {
    return options.step.actions.flatMap((action) => {
      if (action.kind !== 'page_on_call') return [];
      return [
        outbound.pageOnCall({
          ticketId: this.state.ticketId,
          idempotencyKey: options.key,
          webhookUrl: action.webhookUrl,
          payload: {
            ticketId: this.state.ticketId,
            subject: this.state.subject,
            priority: this.state.priority,
            queue: this.state.queue?.key ?? null,
            target: options.target,
            level: options.step.level,
            dueAt: iso(options.dueAt),
            reason: options.reason,
          },
        }),
      ];
    });
  }

  private slaKey(target: SlaTarget, level: number, dueAt: number): string {
    return escalationKey({ ticketId: this.state.ticketId, target, level, dueAt });
  }

  private async remindOfPromise(): Promise<void> {
    const promise = this.state.promise!;
    this.record({ type: 'promiseReminded', at: Date.now() });
    await outbound.notifyAgent({
      agentId: promise.agentId,
      ticketId: this.state.ticketId,
      kind: 'promise',
      text: `You promised an update on ticket #${this.state.ticketId} by ${iso(promise.dueAt)}: ${promise.note}`,
      idempotencyKey: `ticket-${this.state.ticketId}:promise:${promise.madeAt}:reminder`,
    });
  }

  private async lapsePromise(): Promise<void> {
    const promise = this.state.promise!;
    const leadId = this.state.queue?.leadAgentId ?? null;
    this.record({ type: 'promiseLapsed', at: Date.now(), notifiedAgentId: leadId });
    log.info('ticket promise lapsed', { ticketId: this.state.ticketId, agentId: promise.agentId });
    if (leadId === null) return;

    await outbound.notifyAgent({
      agentId: leadId,
      ticketId: this.state.ticketId,
      kind: 'escalation',
      text: `Agent ${promise.agentId} promised an update on ticket #${this.state.ticketId} by ${iso(promise.dueAt)} and none was sent.`,
      idempotencyKey: `ticket-${this.state.ticketId}:promise:${promise.madeAt}:lapsed`,
    });
  }

  private checkPromise(action: PromiseAction): Refusal | null {
    if (!this.usesBusinessTime) {
      return {
        type: RefusalType.Invalid,
        message:
          'this ticket was opened before promises were tracked; add an internal note instead',
      };
    }
    return checkPromise(this.state, action, Date.now());
  }

  private async promise(action: PromiseAction): Promise<ActionResult> {
    const now = Date.now();
    this.record({
      type: 'promiseMade',
      at: now,
      agentId: action.agentId,
      dueAt: action.dueAt,
      note: action.note,
      remindAt: this.promiseReminderAt(now, action.dueAt),
    });
    await this.flush();
    return this.result();
  }

  // The reminder comes when the policy's warning time of business hours remains, moved into
  // working hours; a promise closer than that gets no reminder, only the lapse.
  private promiseReminderAt(madeAt: number, dueAt: number): number | null {
    const { terms, calendar } = this.setting();
    const available = businessMsBetween({ calendar, from: madeAt, to: dueAt });
    if (terms.warnBeforeMs <= 0 || available <= terms.warnBeforeMs) return null;
    const reached = addBusinessTime({ calendar, from: madeAt, ms: available - terms.warnBeforeMs });
    return nextOpening({ calendar, at: reached });
  }

  private async requestAssignment(): Promise<ActionResult> {
    if (this.state.assigneeId !== null || this.state.queue === null) return this.result();

    const context = await store.loadRoutingContext({
      ticketId: this.state.ticketId,
      queueKey: this.state.queue.key,
    });
    this.context = { ...context, terms: this.context!.terms, calendar: this.context!.calendar };
    if (this.state.assigneeId === null) this.assignByPolicy(context);
    await this.flush();
    return this.result();
  }

  private onSlaTermsChanged(change: SlaTermsChange): void {
    if (!this.usesBusinessTime || this.context === null) {
      log.warn('SLA terms change ignored: ticket counts wall-clock time', {
        ticketId: this.state.ticketId,
      });
      return;
    }
    this.context = { ...this.context, terms: change.terms, calendar: change.calendar };
    this.applySlaTerms('policy or calendar edited');
  }

  private async onCustomerMessageV2(message: CustomerMessage): Promise<void> {
    const wasResolved = this.state.status === TicketStatus.Resolved;
    this.onCustomerMessage(message);
    this.syncSla('customer message');
    if (!wasResolved || this.state.status !== TicketStatus.Open || message.automated) return;

    await this.rerouteOnReopen();
    await this.flush();
  }

  // A reopened ticket stays with its owner only when the owner can take it now; otherwise the
  // queue's policy picks someone who is online and below capacity.
  private async rerouteOnReopen(): Promise<void> {
    if (this.state.queue === null) return;
    const context = await store.loadRoutingContext({
      ticketId: this.state.ticketId,
      queueKey: this.state.queue.key,
    });
    this.context = { ...context, terms: this.context!.terms, calendar: this.context!.calendar };
    this.assignByPolicy(context, this.state.assigneeId);
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

function label(target: SlaTarget): string {
  return target.replace('_', ' ');
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

// The update id is unique per accepted update, so a retried activity stores the message once.
function updateIdempotencyKey(): string {
  return `${workflowInfo().workflowId}:update:${currentUpdateInfo()!.id}`;
}
