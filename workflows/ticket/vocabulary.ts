// The ticket's vocabulary: statuses, priorities and channels. Shared by the workflow,
// the read model, the API and the UI so one word means one thing everywhere.
// Plain `as const` objects stand in for enums because Node runs our TypeScript by
// stripping types, and enums are not erasable syntax.

export const TicketStatus = {
  New: 'new',
  Open: 'open',
  /** Waiting on the customer: SLA clocks pause, follow-up reminders run. */
  Pending: 'pending',
  /** Waiting on a third party (a vendor, another team): SLA clocks pause, no reminders. */
  OnHold: 'on_hold',
  Resolved: 'resolved',
  Closed: 'closed',
} as const;
export type TicketStatus = (typeof TicketStatus)[keyof typeof TicketStatus];
export const ticketStatuses = Object.values(TicketStatus);

export const Priority = {
  Low: 'low',
  Normal: 'normal',
  High: 'high',
  Urgent: 'urgent',
} as const;
export type Priority = (typeof Priority)[keyof typeof Priority];
export const priorities = Object.values(Priority);

export const Channel = {
  Email: 'email',
  Web: 'web',
  Api: 'api',
  Chat: 'chat',
  Social: 'social',
  Phone: 'phone',
} as const;
export type Channel = (typeof Channel)[keyof typeof Channel];
export const channels = Object.values(Channel);

export const MessageKind = {
  Inbound: 'inbound',
  PublicReply: 'public_reply',
  InternalNote: 'internal_note',
  Automated: 'automated',
} as const;
export type MessageKind = (typeof MessageKind)[keyof typeof MessageKind];

/** What a timeline entry records; each is appended once to `ticket_event`. */
export const TimelineEntryKind = {
  Created: 'created',
  Triaged: 'triaged',
  Assigned: 'assigned',
  Unassigned: 'unassigned',
  CustomerMessage: 'customer_message',
  PublicReply: 'public_reply',
  InternalNote: 'internal_note',
  StatusChanged: 'status_changed',
  SlaArmed: 'sla_armed',
  SlaBreached: 'sla_breached',
  Escalated: 'escalated',
  FollowUpReminderSent: 'follow_up_reminder_sent',
  AutoClosed: 'auto_closed',
  Reopened: 'reopened',
  SlaTermsApplied: 'sla_terms_applied',
  SlaWarning: 'sla_warning',
  SlaMet: 'sla_met',
  Requeued: 'requeued',
  PromiseMade: 'promise_made',
  PromiseReminder: 'promise_reminder',
  PromiseKept: 'promise_kept',
  PromiseLapsed: 'promise_lapsed',
  HandedOff: 'handed_off',
  TagsChanged: 'tags_changed',
  PriorityChanged: 'priority_changed',
  FieldsChanged: 'fields_changed',
  MacroApplied: 'macro_applied',
  MergedInto: 'merged_into',
  MergedFrom: 'merged_from',
  SplitTo: 'split_to',
  SplitFrom: 'split_from',
} as const;
export type TimelineEntryKind = (typeof TimelineEntryKind)[keyof typeof TimelineEntryKind];

/** Higher priority one step up the ladder; urgent stays urgent. */
export function raisedPriority(priority: Priority): Priority {
  const order = priorities;
  const next = order[Math.min(order.indexOf(priority) + 1, order.length - 1)];
  return next ?? priority;
}
