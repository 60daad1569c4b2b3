// Fake ticket activities for workflow tests: typed against the real `TicketActivities`, so a
// changed contract breaks the tests, and each call is kept so a test can assert what the
// workflow asked for. The real activities are tested against PostgreSQL elsewhere; these
// isolate the workflow's own decisions.
import type {
  NotifyAgentInput,
  ProjectTicketInput,
  RecordAgentMessageInput,
  RecordFollowUpReminderInput,
} from '../../../activities/contracts.ts';
import type { TicketActivities } from '../../../activities/ticket-activities.ts';
import { routingContextFor } from './ticket-fixtures.ts';

/** Everything the workflow asked its activities to do, in call order. */
export interface RecordedCalls {
  routingLookups: string[];
  projections: ProjectTicketInput[];
  agentMessages: RecordAgentMessageInput[];
  followUps: RecordFollowUpReminderInput[];
  notifications: NotifyAgentInput[];
}

/** Builds fresh fake activities and the record of their calls. */
export function createFakeTicketActivities(): {
  activities: TicketActivities;
  calls: RecordedCalls;
} {
  const calls: RecordedCalls = {
    routingLookups: [],
    projections: [],
    agentMessages: [],
    followUps: [],
    notifications: [],
  };
  let nextMessageId = 9_000;

  const activities: TicketActivities = {
    async loadRoutingContext(input) {
      calls.routingLookups.push(input.queueKey);
      return routingContextFor(input.queueKey);
    },

    async projectTicket(input) {
      calls.projections.push(input);
    },

    async recordAgentMessage(input) {
      calls.agentMessages.push(input);
      nextMessageId += 1;
      return { messageId: nextMessageId };
    },

    async recordFollowUpReminder(input) {
      calls.followUps.push(input);
      nextMessageId += 1;
      return { messageId: nextMessageId };
    },

    async notifyAgent(input) {
      calls.notifications.push(input);
    },
  };
  return { activities, calls };
}

/** The timeline entry kinds projected so far, in the order the workflow projected them. */
export function projectedKinds(calls: RecordedCalls): string[] {
  return calls.projections.flatMap((projection) => projection.entries.map((entry) => entry.kind));
}
