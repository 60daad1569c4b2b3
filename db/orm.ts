// MikroORM bootstrap for every process: one ORM per process, a fresh EntityManager fork per
// request or activity, named migrations run at start. Entities are defined without
// decorators (defineEntity) because Node runs our TypeScript by stripping types.
import { MikroORM, type EntityManager, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { Logger } from 'pino';
import { Agent, BusinessCalendar, Queue, SlaPolicy, Team } from './entities/workgroup.ts';
import { Ticket, TicketEvent } from './entities/ticket.ts';
import { Attachment, Message, Requester, RequesterIdentity } from './entities/conversation.ts';
import {
  IntakeRequest,
  Notification,
  RejectedInput,
  SearchIndexJob,
} from './entities/bookkeeping.ts';
import { knowledgeBaseEntities } from './entities/knowledge-base.ts';
import { CreateWorkgroupAndTicketTables } from './migrations/2026-12-04-create-workgroup-and-ticket-tables.ts';
import { BusinessTimeSlaPolicies } from './migrations/2026-12-04b-business-time-sla-policies.ts';
import { AgentAvailabilityAndQueueRouting } from './migrations/2026-12-04c-agent-availability-and-queue-routing.ts';
import { KnowledgeBase } from './migrations/2026-12-04d-knowledge-base.ts';
import { AgentAccountsAndPresence } from './migrations/2026-12-04e-agent-accounts-and-presence.ts';
import { IntakeRequestFingerprint } from './migrations/2026-12-04f-intake-request-fingerprint.ts';
import { MacroSuggestionUse } from './migrations/2026-12-04g-macro-suggestion-use.ts';
import { ChatSocialPhoneAndIdentities } from './migrations/2026-12-05d-chat-social-phone-and-identities.ts';
import { RecentChatRepliesIndex } from './migrations/2026-12-05d2-recent-chat-replies-index.ts';
import { SocialPostsForReplies } from './migrations/2026-12-05d3-social-posts-for-replies.ts';
import { RecentWebFormRepliesIndex } from './migrations/2026-12-05d4-recent-web-form-replies-index.ts';
import { ReportsTimeLogSurveys } from './migrations/2026-12-05e-reports-time-log-surveys.ts';
import { ReportFacts } from './migrations/2026-12-05e-report-facts.ts';
import { InboxSlaOrderIndex } from './migrations/2026-12-05b-inbox-sla-order-index.ts';
import { ReportDirtyTickets } from './migrations/2026-12-05g-report-dirty-tickets.ts';
import { ReportCreatedFacts } from './migrations/2026-12-05g2-report-created-facts.ts';
import { ReportFactSlaAndAssignments } from './migrations/2026-12-05e-report-fact-sla-and-assignments.ts';
import { MailboxesAndOutboundMail } from './migrations/2026-12-05c-mailboxes-and-outbound-mail.ts';
import { TicketCollaboration } from './migrations/2026-12-05a-ticket-collaboration.ts';

export const entities = [
  BusinessCalendar,
  SlaPolicy,
  Team,
  Agent,
  Queue,
  Requester,
  RequesterIdentity,
  Ticket,
  TicketEvent,
  Message,
  Attachment,
  IntakeRequest,
  RejectedInput,
  Notification,
  SearchIndexJob,
  ...knowledgeBaseEntities,
];

/** Migrations in the order they run; each name says what it changes. */
export const migrations = [
  { name: '2026-12-04-create-workgroup-and-ticket-tables', class: CreateWorkgroupAndTicketTables },
  { name: '2026-12-04b-business-time-sla-policies', class: BusinessTimeSlaPolicies },
  {
    name: '2026-12-04c-agent-availability-and-queue-routing',
    class: AgentAvailabilityAndQueueRouting,
  },
  { name: '2026-12-04d-knowledge-base', class: KnowledgeBase },
  { name: '2026-12-04e-agent-accounts-and-presence', class: AgentAccountsAndPresence },
  { name: '2026-12-04f-intake-request-fingerprint', class: IntakeRequestFingerprint },
  { name: '2026-12-04g-macro-suggestion-use', class: MacroSuggestionUse },
  { name: '2026-12-05d-chat-social-phone-and-identities', class: ChatSocialPhoneAndIdentities },
  { name: '2026-12-05e-reports-time-log-surveys', class: ReportsTimeLogSurveys },
  { name: '2026-12-05e-report-facts', class: ReportFacts },
  { name: '2026-12-05c-mailboxes-and-outbound-mail', class: MailboxesAndOutboundMail },
  { name: '2026-12-05a-ticket-collaboration', class: TicketCollaboration },
  { name: '2026-12-05d2-recent-chat-replies-index', class: RecentChatRepliesIndex },
  { name: '2026-12-05d3-social-posts-for-replies', class: SocialPostsForReplies },
  { name: '2026-12-05d4-recent-web-form-replies-index', class: RecentWebFormRepliesIndex },
  {
    name: '2026-12-05e-report-fact-sla-and-assignments',
    class: ReportFactSlaAndAssignments,
  },
  { name: '2026-12-05b-inbox-sla-order-index', class: InboxSlaOrderIndex },
  { name: '2026-12-05g-report-dirty-tickets', class: ReportDirtyTickets },
  { name: '2026-12-05g2-report-created-facts', class: ReportCreatedFacts },
];

export type Orm = MikroORM;
export type { EntityManager };

/** Connects the ORM to PostgreSQL; the caller closes it. */
export async function openOrm(options: {
  databaseUrl: string;
  poolMax?: number;
  log?: Logger;
}): Promise<Orm> {
  const config: Options = {
    clientUrl: options.databaseUrl,
    entities,
    extensions: [Migrator],
    migrations: {
      migrationsList: migrations,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      snapshotOnMigrate: false,
    },
    pool: { min: 0, max: options.poolMax ?? 10 },
    debug: false,
    // The ORM's own output (e.g. the migrator's progress) goes to our log at debug level.
    logger: (message: string) => options.log?.debug({ component: 'mikro-orm' }, message),
  };
  return MikroORM.init(config);
}

/** Brings the schema up to date with the named migrations; safe to run at every start. */
export async function migrateDatabase(options: {
  databaseUrl: string;
  log: Logger;
}): Promise<void> {
  const orm = await openOrm({ databaseUrl: options.databaseUrl, poolMax: 2, log: options.log });
  try {
    const applied = await orm.migrator.up();
    options.log.info({ applied: applied.map((m) => m.name) }, 'database migrated');
  } finally {
    await orm.close();
  }
}
