// The workgroup a lead defines: teams, the agents in them, the queues tickets wait in,
// business calendars and SLA policies' parameters. Workflows never read these directly;
// activities load them and hand the workflow plain values.
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { Priority } from '../../workflows/ticket/vocabulary.ts';
import type { EscalationAction } from '../../workflows/policies/escalation.ts';
import type { SlaTarget } from '../../workflows/policies/sla.ts';
import type { AgentStatus, AssignmentStrategy } from '../../workflows/policies/assignment.ts';

export interface WeeklyWindow {
  day: 1 | 2 | 3 | 4 | 5 | 6 | 7;
  open: string;
  close: string;
}

export const BusinessCalendar = defineEntity({
  name: 'BusinessCalendar',
  tableName: 'business_calendar',
  properties: {
    id: p.integer().primary(),
    name: p.text().unique(),
    timeZone: p.text(),
    weekly: p.json<WeeklyWindow[]>(),
    holidays: p.json<string[]>(),
    /** Raised by a database trigger on every edit; open tickets re-arm with the new revision. */
    revision: p.integer().default(1),
  },
});
export type BusinessCalendar = InferEntity<typeof BusinessCalendar>;

/**
 * One rung of a policy's escalation ladder as a lead writes it: business minutes after
 * (positive) or before (negative) the target's due instant, and what to do then.
 */
export interface StoredEscalationStep {
  level: number;
  target: SlaTarget;
  offsetMinutes: number;
  actions: EscalationAction[];
}

/** Minutes per priority, e.g. `{ urgent: 30, high: 60, normal: 240, low: 480 }`. */
export type MinutesByPriority = Record<Priority, number>;

export const SlaPolicy = defineEntity({
  name: 'SlaPolicy',
  tableName: 'sla_policy',
  properties: {
    id: p.integer().primary(),
    name: p.text().unique(),
    firstResponseMinutes: p.json<MinutesByPriority>(),
    resolutionMinutes: p.json<MinutesByPriority>(),
    followUpAfterMinutes: p.integer(),
    autoCloseAfterMinutes: p.integer(),
    /** Raised by a database trigger on every edit. */
    revision: p.integer().default(1),
    /** Null when the policy measures no next response. */
    nextResponseMinutes: p.json<MinutesByPriority>().nullable(),
    /** Business minutes before a due instant at which the owner is warned; 0 for none. */
    warnBeforeMinutes: p.integer().default(60),
    pauseStatuses: p.json<string[]>(),
    escalationLadder: p.json<StoredEscalationStep[]>(),
  },
});
export type SlaPolicy = InferEntity<typeof SlaPolicy>;

export const Team = defineEntity({
  name: 'Team',
  tableName: 'team',
  properties: {
    id: p.integer().primary(),
    name: p.text().unique(),
    calendarId: p.integer().nullable(),
    leadAgentId: p.integer().nullable(),
  },
});
export type Team = InferEntity<typeof Team>;

export const Agent = defineEntity({
  name: 'Agent',
  tableName: 'agent',
  properties: {
    id: p.integer().primary(),
    name: p.text(),
    email: p.text().unique(),
    teamId: p.integer().nullable(),
    skills: p.json<string[]>(),
    /** Kept equal to `status === 'online'` by a database trigger; `status` is the fact. */
    available: p.boolean().default(true),
    status: p.text().$type<AgentStatus>().default('online'),
    rosterOrder: p.integer().default(0),
    capacity: p.integer().default(25),
    lastAssignedAt: p.datetime().nullable(),
  },
});
export type Agent = InferEntity<typeof Agent>;

export const Queue = defineEntity({
  name: 'Queue',
  tableName: 'queue',
  properties: {
    id: p.integer().primary(),
    key: p.text().unique(),
    name: p.text(),
    teamId: p.integer(),
    skill: p.text(),
    slaPolicyId: p.integer(),
    assignmentStrategy: p.text().$type<AssignmentStrategy>().default('least_open'),
    reassignAfterMinutes: p.integer().nullable(),
    moveOpenTicketsWhenOffline: p.boolean().default(false),
  },
});
export type Queue = InferEntity<typeof Queue>;
