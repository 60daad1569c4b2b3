// Escalation ladders: the ordered steps a lead attaches to an SLA policy, each at a business-time
// offset before or after one target's due instant, each with actions (notify the lead or named
// agents, raise the priority, move the ticket to another queue, page on-call). Pure: the ticket
// workflow asks when each step falls due and what it does; activities carry out the side
// effects with the step's idempotency key, so one breach takes each step exactly once.
// Tests: tests/workflows/sla-policy.test.ts.
import { addBusinessTime } from '../shared/business-time.ts';
import type { SlaTarget, TargetFacts } from './sla.ts';
import { targetDue } from './sla.ts';

/** One thing an escalation step does. */
export type EscalationAction =
  | { kind: 'notify_lead' }
  | { kind: 'notify_agents'; agentIds: number[] }
  | { kind: 'raise_priority' }
  | { kind: 'reassign_queue'; queueKey: string }
  | { kind: 'page_on_call'; webhookUrl: string };

/** A rung of the ladder: `offsetMs` of business time after (positive) or before the due instant. */
export interface EscalationStep {
  level: number;
  target: SlaTarget;
  offsetMs: number;
  actions: EscalationAction[];
}

/** The steps of a ladder that watch `target`, lowest level first. */
export function stepsFor(ladder: readonly EscalationStep[], target: SlaTarget): EscalationStep[] {
  return ladder.filter((step) => step.target === target).sort((a, b) => a.level - b.level);
}

/**
 * The instant a step falls due for the target's current clock, or null while the target has no
 * due instant (paused, met or stopped): a step before the due instant lands inside business
 * hours, a step after it counts business time on from the due instant.
 */
export function stepInstant(options: {
  step: EscalationStep;
  facts: TargetFacts;
  dueAt: number | null;
}): number | null {
  const { step, facts, dueAt } = options;
  if (dueAt === null) return null;
  if (step.offsetMs === 0) return dueAt;
  if (step.offsetMs > 0) {
    return addBusinessTime({ calendar: facts.calendar, from: dueAt, ms: step.offsetMs });
  }

  const early = earlyInstant(facts, -step.offsetMs);
  return early ?? dueAt;
}

function earlyInstant(facts: TargetFacts, beforeMs: number): number | null {
  const due = targetDue({ ...facts, terms: { ...facts.terms, warnBeforeMs: beforeMs } });
  return due.warnAt;
}

/**
 * The key that makes a step's side effects happen once: the same ticket, target, level and due
 * instant always yield the same key, however often an activity is retried.
 */
export function escalationKey(options: {
  ticketId: number;
  target: SlaTarget;
  level: number;
  dueAt: number;
}): string {
  const due = new Date(options.dueAt).toISOString();
  return `ticket-${options.ticketId}:${options.target}:${options.level}:${due}`;
}

/** Agents to notify for one step, each once, whatever mix of actions named them. */
export function recipientsOf(options: {
  step: EscalationStep;
  leadAgentId: number | null;
}): number[] {
  const ids = options.step.actions.flatMap((action) => {
    if (action.kind === 'notify_lead')
      return options.leadAgentId === null ? [] : [options.leadAgentId];
    if (action.kind === 'notify_agents') return action.agentIds;
    return [];
  });
  return [...new Set(ids)];
}

/** Checks a ladder a lead wrote; lists each problem (empty when usable), never throws. */
export function validateLadder(ladder: readonly EscalationStep[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const step of ladder) {
    const key = `${step.target}:${step.level}`;
    if (seen.has(key)) problems.push(`level ${step.level} appears twice for ${step.target}`);
    seen.add(key);
    if (!Number.isInteger(step.level) || step.level < 1) {
      problems.push(`level ${step.level} must be a positive whole number`);
    }
    if (step.actions.length === 0) problems.push(`level ${step.level} has no action`);
  }
  return problems;
}
