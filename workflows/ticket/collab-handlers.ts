// The ticket workflow's handlers for agents working together: handoff, tags, priority, custom
// fields, macros, merge and split. Each is a Temporal Update whose validator runs the pure checks
// of collab-actions.ts, so a refusal never reaches history; each accepted update records its
// facts through the ticket's state machine and projects them in one flush, so a macro's changes
// land together or not at all. Deterministic: no I/O here; notifications go through a local
// activity keyed by the update id, so a retry notifies once.
// Tests: tests/api/collab-*.test.ts (on the real stack), tests/replay/ (unchanged histories).
import {
  ApplicationFailure,
  condition,
  currentUpdateInfo,
  log,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { TicketActivities } from '../../activities/ticket-activities.ts';
import type { RoutingContext } from '../../activities/contracts.ts';
import { chooseAssignee } from '../policies/assignment.ts';
import type { Refusal } from './agent-actions.ts';
import {
  checkFields,
  checkHandoff,
  checkMacro,
  checkMergedFrom,
  checkMergeInto,
  checkPriority,
  checkTags,
  normalizeTags,
  tagsAfterMacro,
  type ApplyMacroAction,
  type HandoffAction,
  type TeamTarget,
} from './collab-actions.ts';
import {
  applyMacroUpdate,
  handoffUpdate,
  mergedFromUpdate,
  mergeIntoUpdate,
  setFieldsUpdate,
  setPriorityUpdate,
  setTagsUpdate,
  splitFromUpdate,
  splitToUpdate,
  type ActionResult,
} from './messages.ts';
import type { TicketFact, TicketState } from './ticket-state.ts';
import { TicketStatus } from './vocabulary.ts';

/** What the collaboration handlers may do to the running ticket. */
export interface CollabHost {
  state(): TicketState;
  record(fact: TicketFact): void;
  flush(): Promise<void>;
  result(): ActionResult;
  syncSla(reason: string): void;
  /** Records the resolution target met when `status` ends the ticket's work, as setStatus does. */
  meetResolutionIfEnding(status: TicketStatus): void;
  /** Loads a queue's routing context and makes it the ticket's, keeping its SLA terms. */
  enterQueue(queueKey: string): Promise<RoutingContext>;
}

const store = proxyLocalActivities<TicketActivities>({
  startToCloseTimeout: '30 seconds',
  localRetryThreshold: '10 seconds',
  retry: { initialInterval: '200 ms', maximumInterval: '10 seconds' },
});

const excerptLength = 200;

/** Registers the collaboration updates on the running ticket. */
export function registerCollabHandlers(host: CollabHost): void {
  const state = () => host.state();

  setHandler(handoffUpdate, (action) => handOff(host, action), {
    validator: (action) => refuse(checkHandoff(state(), action)),
  });
  setHandler(setTagsUpdate, (action) => setTags(host, action.byAgentId, action.tags), {
    validator: (action) => refuse(checkTags(state(), action)),
  });
  setHandler(setPriorityUpdate, (action) => recordAndFlush(host, priorityFact(action)), {
    validator: (action) => refuse(checkPriority(state(), action)),
  });
  setHandler(
    setFieldsUpdate,
    (action) => recordAndFlush(host, { type: 'fieldsChanged', at: Date.now(), ...action }),
    { validator: (action) => refuse(checkFields(state(), action)) },
  );
  setHandler(applyMacroUpdate, (action) => applyMacro(host, action), {
    validator: (action) => refuse(checkMacro(state(), action)),
  });
  setHandler(mergeIntoUpdate, (action) => mergeInto(host, action.byAgentId, action.intoTicketId), {
    validator: (action) => refuse(checkMergeInto(state(), action)),
  });
  setHandler(
    mergedFromUpdate,
    (action) => recordAndFlush(host, { type: 'mergedFrom', at: Date.now(), ...action }),
    { validator: (action) => refuse(checkMergedFrom(state(), action)) },
  );
  setHandler(splitToUpdate, (action) =>
    recordAndFlush(host, {
      type: 'splitTo',
      at: Date.now(),
      byAgentId: action.byAgentId,
      toTicketId: action.otherTicketId,
      messageId: action.messageId,
    }),
  );
  setHandler(splitFromUpdate, async (action) => {
    // Sent right after the split ticket starts: wait for its `created` entry to come first.
    await condition(() => host.state().seq > 0);
    return recordAndFlush(host, {
      type: 'splitFrom',
      at: Date.now(),
      byAgentId: action.byAgentId,
      fromTicketId: action.otherTicketId,
      messageId: action.messageId,
    });
  });
}

async function recordAndFlush(host: CollabHost, fact: TicketFact): Promise<ActionResult> {
  host.record(fact);
  await host.flush();
  return host.result();
}

function priorityFact(action: { byAgentId: number; priority: TicketState['priority'] }) {
  const fact: TicketFact = {
    type: 'priorityChanged',
    at: Date.now(),
    byAgentId: action.byAgentId,
    to: action.priority,
  };
  return fact;
}

async function setTags(host: CollabHost, byAgentId: number, tags: string[]): Promise<ActionResult> {
  const normalised = normalizeTags(tags);
  if (sameList(normalised, host.state().tags)) return host.result();
  return recordAndFlush(host, { type: 'tagsChanged', at: Date.now(), byAgentId, tags: normalised });
}

/** Records the handoff with its note, moves ownership, and tells the new owner. */
async function handOff(host: CollabHost, action: HandoffAction): Promise<ActionResult> {
  const team = action.toTeam;
  const context = team === undefined ? null : await host.enterQueue(team.queueKey);
  const at = Date.now();
  host.record({
    type: 'handedOff',
    at,
    byAgentId: action.byAgentId,
    toAgentId: action.toAgentId ?? null,
    toTeam: team === undefined ? null : { id: team.id, name: team.name },
    note: action.note.trim(),
  });

  const reason = team === undefined ? 'handed off' : `handed off to team ${team.name}`;
  const owner =
    action.toAgentId !== undefined
      ? assignTo(host, action.toAgentId, action.byAgentId, reason, action.note.trim())
      : routeIntoTeam(host, context!, team!, reason);
  await host.flush();

  log.info('ticket handed off', {
    ticketId: host.state().ticketId,
    byAgentId: action.byAgentId,
    toAgentId: owner,
    toTeamId: team?.id ?? null,
  });
  if (owner !== null && owner !== action.byAgentId) {
    await notify(host, {
      agentIds: [owner],
      kind: 'handoff',
      byAgentId: action.byAgentId,
      excerpt: action.note.trim(),
      text: `Ticket #${host.state().ticketId} was handed off to you: ${host.state().subject}`,
    });
  }
  return host.result();
}

function assignTo(
  host: CollabHost,
  agentId: number,
  byAgentId: number,
  reason: string,
  note: string | null,
): number {
  host.record({
    type: 'assigned',
    at: Date.now(),
    agentId,
    byAgentId,
    reason,
    note,
    policyVersion: null,
  });
  return agentId;
}

// Into a team's queue: the queue's policy picks someone other than the agent handing it off,
// or the ticket waits in the queue unassigned.
function routeIntoTeam(
  host: CollabHost,
  context: RoutingContext,
  team: TeamTarget,
  reason: string,
): number | null {
  const previous = host.state().assigneeId;
  if (host.state().queue?.key !== context.queue.key) {
    host.record({ type: 'requeued', at: Date.now(), queue: context.queue, reason });
  }
  const decision = chooseAssignee({
    strategy: context.routing?.strategy,
    skill: context.queue.skill,
    candidates: context.candidates.filter((candidate) => candidate.agentId !== previous),
  });
  if (decision.agentId === null) {
    host.record({
      type: 'unassigned',
      at: Date.now(),
      reason: `${reason}: ${decision.reason}; waits in queue ${team.name}`,
    });
    return null;
  }
  host.record({
    type: 'assigned',
    at: Date.now(),
    agentId: decision.agentId,
    byAgentId: null,
    reason: `${reason}: ${decision.reason}`,
    note: null,
    policyVersion: decision.policyVersion,
  });
  return decision.agentId;
}

/**
 * Applies a macro as one update: a `macro_applied` entry naming the macro and what it changes,
 * then each change as its own entry tagged with the macro, so reports that count status changes
 * or reassignments see them; the status comes last, since closing ends the ticket's run.
 */
async function applyMacro(host: CollabHost, action: ApplyMacroAction): Promise<ActionResult> {
  const a = action.actions;
  const context = a.assignTeam === undefined ? null : await host.enterQueue(a.assignTeam.queueKey);
  const s = host.state();
  const by = action.byAgentId;
  const reason = `macro "${action.title}"`;
  host.record({
    type: 'macroApplied',
    at: Date.now(),
    byAgentId: by,
    macroId: action.macroId,
    title: action.title,
    changes: describeMacro(action),
  });

  if (a.priority !== undefined && a.priority !== s.priority) {
    host.record({
      type: 'priorityChanged',
      at: Date.now(),
      byAgentId: by,
      to: a.priority,
      macroId: action.macroId,
    });
  }
  const tags = tagsAfterMacro(s.tags, a);
  if (!sameList(tags, s.tags)) {
    host.record({
      type: 'tagsChanged',
      at: Date.now(),
      byAgentId: by,
      tags,
      macroId: action.macroId,
    });
  }
  let owner: number | null = null;
  if (a.assignAgentId !== undefined && a.assignAgentId !== s.assigneeId) {
    owner = assignTo(host, a.assignAgentId, by, reason, null);
  }
  // A macro sending the ticket to the team it is already with leaves its owner alone.
  const isWithTeam = host.state().queue?.key === context?.queue.key;
  if (context !== null && !(isWithTeam && host.state().assigneeId !== null)) {
    owner = routeIntoTeam(host, context, a.assignTeam!, reason);
  }
  if (a.status !== undefined && a.status !== host.state().status) {
    host.meetResolutionIfEnding(a.status);
    host.record({ type: 'statusChanged', at: Date.now(), to: a.status, byAgentId: by, reason });
  }
  host.syncSla(reason);
  await host.flush();

  if (owner !== null && owner !== by) {
    await notify(host, {
      agentIds: [owner],
      kind: 'assignment',
      byAgentId: by,
      excerpt: action.title,
      text: `Ticket #${s.ticketId} was assigned to you by ${reason}: ${s.subject}`,
    });
  }
  return host.result();
}

function describeMacro(action: ApplyMacroAction): Record<string, unknown> {
  const a = action.actions;
  const changes: Record<string, unknown> = {};
  if (a.status !== undefined) changes.status = a.status;
  if (a.priority !== undefined) changes.priority = a.priority;
  if (a.addTags !== undefined && a.addTags.length > 0) changes.addTags = normalizeTags(a.addTags);
  if (a.removeTags !== undefined && a.removeTags.length > 0) {
    changes.removeTags = normalizeTags(a.removeTags);
  }
  if (a.assignAgentId !== undefined) changes.assignAgentId = a.assignAgentId;
  if (a.assignTeam !== undefined) changes.assignTeamId = a.assignTeam.id;
  return changes;
}

async function mergeInto(
  host: CollabHost,
  byAgentId: number,
  intoTicketId: number,
): Promise<ActionResult> {
  // Closing is its own status change, so whatever counts closures from status changes sees it.
  host.record({ type: 'mergedInto', at: Date.now(), byAgentId, intoTicketId });
  host.record({
    type: 'statusChanged',
    at: Date.now(),
    to: TicketStatus.Closed,
    byAgentId,
    reason: `merged into ticket #${intoTicketId}`,
  });
  host.syncSla('merged into another ticket');
  await host.flush();
  log.info('ticket merged', { ticketId: host.state().ticketId, intoTicketId, byAgentId });
  return host.result();
}

async function notify(
  host: CollabHost,
  options: {
    agentIds: number[];
    kind: 'handoff' | 'assignment' | 'mention';
    byAgentId: number;
    excerpt: string;
    text: string;
  },
): Promise<void> {
  await store.notifyAgents({
    ...options,
    ticketId: host.state().ticketId,
    excerpt: options.excerpt.slice(0, excerptLength),
    idempotencyKey: `${workflowInfo().workflowId}:update:${currentUpdateInfo()!.id}:${options.kind}`,
  });
}

/** The patch id gating the new owner's notification on the assign update; in temporal/patches.ts. */
export const assignmentNotificationPatch = '2026-12-assignment-notification';

/** Tells the agent a colleague or lead assigned the ticket to; called by the assign handler. */
export async function notifyAssignment(
  host: CollabHost,
  options: { agentId: number; byAgentId: number; note: string | null },
): Promise<void> {
  await notify(host, {
    agentIds: [options.agentId],
    kind: 'assignment',
    byAgentId: options.byAgentId,
    excerpt: options.note ?? '',
    text: `Ticket #${host.state().ticketId} was assigned to you: ${host.state().subject}`,
  });
}

/** Tells mentioned agents about an internal note; called by the note handler after it is stored. */
export async function notifyMentions(
  host: CollabHost,
  options: { agentIds: number[]; byAgentId: number; body: string },
): Promise<void> {
  const agentIds = options.agentIds.filter((id) => id !== options.byAgentId);
  if (agentIds.length === 0) return;
  await notify(host, {
    agentIds,
    kind: 'mention',
    byAgentId: options.byAgentId,
    excerpt: options.body.trim(),
    text: `You were mentioned in an internal note on ticket #${host.state().ticketId}: ${host.state().subject}`,
  });
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

function refuse(refusal: Refusal | null): void {
  if (refusal === null) return;
  throw ApplicationFailure.create({
    type: refusal.type,
    message: refusal.message,
    nonRetryable: true,
  });
}
