// SLA policy: the targets a ticket must meet, from its queue's policy and its priority,
// and the one escalation step taken when the first-response target is breached.
// Version 1 counts wall-clock time; business calendars arrive with a patched change.
import { raisedPriority, type Priority } from '../ticket/vocabulary.ts';

export const slaPolicyVersion = 'sla-2026-12-v1';

/** What the workflow needs of a queue's SLA policy, in milliseconds. */
export interface SlaTerms {
  policyName: string;
  firstResponseMs: Record<Priority, number>;
  resolutionMs: Record<Priority, number>;
  followUpAfterMs: number;
  autoCloseAfterMs: number;
}

/** The instant the first public reply is due, counted from when the ticket arrived. */
export function firstResponseDue(options: {
  terms: SlaTerms;
  priority: Priority;
  receivedAt: number;
}): number {
  return options.receivedAt + options.terms.firstResponseMs[options.priority];
}

export interface EscalationStep {
  level: number;
  toPriority: Priority;
  notify: 'queue-lead';
}

/** The step to take on a first-response breach: raise the priority and tell the queue's lead. */
export function escalationOnBreach(options: {
  priority: Priority;
  escalationLevel: number;
}): EscalationStep {
  return {
    level: options.escalationLevel + 1,
    toPriority: raisedPriority(options.priority),
    notify: 'queue-lead',
  };
}
