// Fake ticket activities for workflow tests: typed against the real `TicketActivities`, so a
// changed contract breaks the tests, and each call is kept so a test can assert what the
// workflow asked for. The real activities are tested against PostgreSQL elsewhere; these
// isolate the workflow's own decisions.
import type {
  NotifyAgentInput,
  NotifyAgentsInput,
  PageOnCallInput,
  ProjectTicketInput,
  RecordAgentMessageInput,
  RecordFollowUpReminderInput,
  RoutingContext,
} from '../../../activities/contracts.ts';
import type { TicketActivities } from '../../../activities/ticket-activities.ts';
import { routingContextFor } from './ticket-fixtures.ts';

/** Everything the workflow asked its activities to do, in call order. */
export interface RecordedCalls {
  routingLookups: string[];
  projections: ProjectTicketInput[];
  agentMessages: RecordAgentMessageInput[];
  followUps: RecordFollowUpReminderInput[];
  /** Notifications delivered, once per idempotency key, as the notification table keeps them. */
  notifications: NotifyAgentInput[];
  /** Every call of `notifyAgent`, retries included. */
  notificationAttempts: NotifyAgentInput[];
  pages: PageOnCallInput[];
  /** Mention, handoff and macro-assignment notifications, one call per update. */
  agentGroupNotifications: NotifyAgentsInput[];
}

/** Ways a test holds a fake activity back, to catch the workflow while it is in flight. */
export interface FakeActivityHooks {
  /** Awaited by `recordAgentMessage` after the call is recorded and before it answers. */
  beforeAgentMessageStored?: () => Promise<void>;
  /** Answers `loadRoutingContext` instead of the standard support and billing queues. */
  routingContextFor?: (queueKey: string) => RoutingContext;
  /** Makes the first `notifyAgent` call fail after delivering, as a worker dying mid-call would. */
  failFirstNotificationAfterDelivery?: boolean;
}

/** Builds fresh fake activities and the record of their calls. */
export function createFakeTicketActivities(hooks: FakeActivityHooks = {}): {
  activities: TicketActivities;
  calls: RecordedCalls;
} {
  const calls: RecordedCalls = {
    routingLookups: [],
    projections: [],
    agentMessages: [],
    followUps: [],
    notifications: [],
    notificationAttempts: [],
    pages: [],
    agentGroupNotifications: [],
  };
  let nextMessageId = 9_000;
  let notificationShouldFail = hooks.failFirstNotificationAfterDelivery ?? false;

  const activities: TicketActivities = {
    async loadRoutingContext(input) {
      calls.routingLookups.push(input.queueKey);
      return (hooks.routingContextFor ?? routingContextFor)(input.queueKey);
    },

    async projectTicket(input) {
      calls.projections.push(input);
    },

    async recordAgentMessage(input) {
      calls.agentMessages.push(input);
      await hooks.beforeAgentMessageStored?.();
      nextMessageId += 1;
      return { messageId: nextMessageId };
    },

    async recordFollowUpReminder(input) {
      calls.followUps.push(input);
      nextMessageId += 1;
      return { messageId: nextMessageId };
    },

    async notifyAgent(input) {
      calls.notificationAttempts.push(input);
      const isNew = !calls.notifications.some((n) => n.idempotencyKey === input.idempotencyKey);
      if (isNew) calls.notifications.push(input);
      if (notificationShouldFail) {
        notificationShouldFail = false;
        throw new Error('worker lost after the notification was stored');
      }
    },

    async pageOnCall(input) {
      calls.pages.push(input);
    },

    async notifyAgents(input) {
      calls.agentGroupNotifications.push(input);
    },
  };
  return { activities, calls };
}

/** The timeline entry kinds projected so far, in the order the workflow projected them. */
export function projectedKinds(calls: RecordedCalls): string[] {
  return calls.projections.flatMap((projection) => projection.entries.map((entry) => entry.kind));
}
