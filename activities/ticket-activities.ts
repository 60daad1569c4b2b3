// Side effects of the ticket workflow: loading routing context (queue, SLA terms, business
// calendar, candidates), projecting timeline entries and the ticket snapshot into the read
// model, storing agents' messages, in-app notifications, and paging on-call through a webhook.
// Every write is idempotent — keyed by (ticket, seq), by an idempotency key, or guarded by the
// ticket version — so Temporal may retry any of them. Tests: tests/api/, tests/activities/.
import { ApplicationFailure, log } from '@temporalio/activity';
import type { EntityManager, Orm } from '../db/orm.ts';
import type { StoredEscalationStep } from '../db/entities/workgroup.ts';
import type { EscalationStep } from '../workflows/policies/escalation.ts';
import type { SlaTerms } from '../workflows/policies/sla.ts';
import type { BusinessCalendar } from '../workflows/shared/business-time.ts';
import type { TimelineEntry } from '../workflows/ticket/ticket-state.ts';
import { MessageKind, type Priority } from '../workflows/ticket/vocabulary.ts';
import type {
  NotifyAgentInput,
  NotifyAgentsInput,
  PageOnCallInput,
  ProjectTicketInput,
  RecordAgentMessageInput,
  RecordFollowUpReminderInput,
  RoutingContext,
} from './contracts.ts';
import { loadAssignmentCandidates, loadQueueRoutingSettings } from './routing.ts';
import { mailEmailTicketMessage } from '../channels/email/outbound/ticket-mail.ts';

const defaultQueueKey = 'support';
const minute = 60_000;

/** Channel on which read-model changes are announced to live views. */
export const ticketChangedChannel = 'ticket_changed';
/** Channel on which new in-app notifications are announced, so only the addressee's bell rings. */
export const agentNotificationChannel = 'agent_notification';
/** Channel that wakes the search indexer when index jobs are enqueued. */
export const searchIndexJobChannel = 'search_index_job';

export type TicketActivities = ReturnType<typeof createTicketActivities>;

/** Builds the ticket activities over one ORM; each call works in its own EntityManager fork. */
export function createTicketActivities(deps: { orm: Orm }) {
  const fork = (): EntityManager => deps.orm.em.fork();

  return {
    /** Loads the queue a triage decision names, its SLA terms and the agents who could take it. */
    async loadRoutingContext(input: {
      ticketId: number;
      queueKey: string;
    }): Promise<RoutingContext> {
      const em = fork();
      const queue = (await findQueue(em, input.queueKey)) ?? (await findQueue(em, defaultQueueKey));
      if (queue === null) {
        throw new Error(
          `no queue "${input.queueKey}" or "${defaultQueueKey}" is configured: create one so ticket ${input.ticketId} can be routed`,
        );
      }
      const candidates = await loadAssignmentCandidates(em, { skill: String(queue.skill) });
      const routing = await loadQueueRoutingSettings(em, { queueId: Number(queue.id) });
      const calendar = await loadTeamCalendar(em, Number(queue.team_id));
      return { queue: toQueueRef(queue), terms: toTerms(queue), candidates, calendar, routing };
    },

    /** Appends timeline entries and moves the ticket row forward, never backwards. */
    async projectTicket(input: ProjectTicketInput): Promise<void> {
      await fork().transactional(async (em) => {
        await insertEntries(em, input.ticketId, input.entries);
        await upsertTicketRow(em, input);
        await touchAssignedAgents(em, input.entries);
        await em.execute('insert into search_index_job (ticket_id) values (?)', [input.ticketId]);
        const payload = JSON.stringify({ ticketId: input.ticketId, version: input.snapshot.seq });
        await em.execute('select pg_notify(?, ?), pg_notify(?, ?)', [
          ticketChangedChannel,
          payload,
          searchIndexJobChannel,
          '',
        ]);
      });
      log.debug('ticket projected', { ticketId: input.ticketId, version: input.snapshot.seq });
    },

    /** Stores an agent's public reply or internal note once per idempotency key. */
    async recordAgentMessage(input: RecordAgentMessageInput): Promise<{ messageId: number }> {
      const messageId = await insertMessageOnce(fork(), {
        ticketId: input.ticketId,
        kind: input.kind,
        channel: input.channel,
        authorKind: 'agent',
        agentId: input.agentId,
        text: input.body,
        idempotencyKey: input.idempotencyKey,
        at: input.at,
      });
      log.info('agent message stored', { ticketId: input.ticketId, kind: input.kind, messageId });
      // Email tickets: the public reply goes out by mail (channels/email/outbound/ticket-mail.ts).
      if (input.kind === 'public_reply') {
        const reply = { ticketId: input.ticketId, messageId, kind: 'reply' } as const;
        await mailEmailTicketMessage(fork(), { ...reply, channel: input.channel });
      }
      return { messageId };
    },

    /** Stores the follow-up reminder asking a pending requester for their reply. */
    async recordFollowUpReminder(
      input: RecordFollowUpReminderInput,
    ): Promise<{ messageId: number }> {
      const messageId = await insertMessageOnce(fork(), {
        ticketId: input.ticketId,
        kind: MessageKind.Automated,
        channel: input.channel,
        authorKind: 'system',
        agentId: null,
        text:
          'We are still waiting for your reply on this ticket. ' +
          'If we do not hear from you, we will close it; answering reopens it at any time.',
        idempotencyKey: input.idempotencyKey,
        at: input.at,
      });
      log.info('follow-up reminder stored', { ticketId: input.ticketId, messageId });
      const reminder = { ticketId: input.ticketId, messageId, kind: 'reminder' } as const;
      await mailEmailTicketMessage(fork(), { ...reminder, channel: input.channel });
      return { messageId };
    },

    /**
     * POSTs an escalation page as JSON to the step's on-call webhook with its idempotency key,
     * so the receiver can drop a retried page; a 4xx answer is final, anything else is retried.
     */
    async pageOnCall(input: PageOnCallInput): Promise<void> {
      const url = parseWebhookUrl(input.webhookUrl);
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': input.idempotencyKey },
        body: JSON.stringify(input.payload),
        signal: AbortSignal.timeout(10_000),
      });
      await response.body?.cancel();
      if (response.ok) {
        log.info('on-call paged', { ticketId: input.ticketId, status: response.status });
        return;
      }
      const isFinal = response.status >= 400 && response.status < 500 && response.status !== 429;
      const message = `on-call webhook ${url.origin} answered ${response.status} for ticket ${input.ticketId}`;
      if (isFinal) {
        throw ApplicationFailure.nonRetryable(
          `${message}: fix the escalation ladder's webhook URL or the receiver`,
          'OnCallWebhookRejected',
        );
      }
      throw new Error(`${message}; retrying`);
    },

    /** Adds an in-app notification for an agent, once per idempotency key. */
    async notifyAgent(input: NotifyAgentInput): Promise<void> {
      const inserted: Row[] = await fork().execute(
        `insert into notification (agent_id, ticket_id, kind, text, idempotency_key)
         values (?, ?, ?, ?, ?) on conflict (idempotency_key) do nothing returning id`,
        [input.agentId, input.ticketId, input.kind, input.text, input.idempotencyKey],
      );
      await announceNotifications(fork(), inserted, input);
      log.info('agent notified', {
        ticketId: input.ticketId,
        agentId: input.agentId,
        kind: input.kind,
      });
    },

    /** Notifies each agent once per idempotency key (mentions, handoffs, assignments by macro). */
    async notifyAgents(input: NotifyAgentsInput): Promise<void> {
      const em = fork();
      const agentIds = [...new Set(input.agentIds)];
      if (agentIds.length === 0) return;
      const values = agentIds.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ');
      const params = agentIds.flatMap((agentId) => [
        agentId,
        input.ticketId,
        input.kind,
        input.text,
        input.byAgentId,
        input.excerpt.replaceAll('\u0000', ''),
        `${input.idempotencyKey}:agent-${agentId}`,
      ]);
      const inserted: Row[] = await em.execute(
        `insert into notification (agent_id, ticket_id, kind, text, by_agent_id, excerpt,
            idempotency_key)
         values ${values} on conflict (idempotency_key) do nothing returning id, agent_id`,
        params,
      );
      for (const row of inserted) {
        await announceNotifications(em, [row], { ...input, agentId: Number(row.agent_id) });
      }
      log.info('agents notified', {
        ticketId: input.ticketId,
        kind: input.kind,
        agentIds,
        added: inserted.length,
      });
    },
  };
}

// Wakes the addressee's live views; only rows inserted now are announced, so a retry is silent.
async function announceNotifications(
  em: EntityManager,
  inserted: Row[],
  input: { agentId: number; ticketId: number; kind: string },
): Promise<void> {
  for (const row of inserted) {
    const payload = { id: Number(row.id), agentId: input.agentId, ticketId: input.ticketId };
    await em.execute('select pg_notify(?, ?)', [
      agentNotificationChannel,
      JSON.stringify({ ...payload, kind: input.kind }),
    ]);
  }
}

type Row = Record<string, unknown>;

/** The SLA terms and team calendar a queue's tickets count with now, or null for no such queue. */
export async function loadQueueSla(
  em: EntityManager,
  queueKey: string,
): Promise<{ terms: SlaTerms; calendar: BusinessCalendar | null } | null> {
  const queue = await findQueue(em, queueKey);
  if (queue === null) return null;
  return { terms: toTerms(queue), calendar: await loadTeamCalendar(em, Number(queue.team_id)) };
}

async function findQueue(em: EntityManager, key: string): Promise<Row | null> {
  const rows: Row[] = await em.execute(
    `select q.id, q.key, q.name, q.team_id, q.skill, t.lead_agent_id,
            p.id as policy_id, p.revision as policy_revision,
            p.name as policy_name, p.first_response_minutes, p.resolution_minutes,
            p.follow_up_after_minutes, p.auto_close_after_minutes, p.next_response_minutes,
            p.warn_before_minutes, p.pause_statuses, p.escalation_ladder
       from queue q
       join team t on t.id = q.team_id
       join sla_policy p on p.id = q.sla_policy_id
      where q.key = ?`,
    [key],
  );
  return rows[0] ?? null;
}

function toQueueRef(row: Row): RoutingContext['queue'] {
  return {
    id: Number(row.id),
    key: String(row.key),
    name: String(row.name),
    teamId: Number(row.team_id),
    leadAgentId: row.lead_agent_id === null ? null : Number(row.lead_agent_id),
    skill: String(row.skill),
  };
}

function toTerms(row: Row): SlaTerms {
  const toMs = (minutes: Record<Priority, number>) =>
    Object.fromEntries(Object.entries(minutes).map(([k, v]) => [k, v * minute])) as Record<
      Priority,
      number
    >;
  const ladder = (row.escalation_ladder ?? []) as StoredEscalationStep[];
  const nextResponse = row.next_response_minutes as Record<Priority, number> | null;
  return {
    policyName: String(row.policy_name),
    firstResponseMs: toMs(row.first_response_minutes as Record<Priority, number>),
    resolutionMs: toMs(row.resolution_minutes as Record<Priority, number>),
    followUpAfterMs: Number(row.follow_up_after_minutes) * minute,
    autoCloseAfterMs: Number(row.auto_close_after_minutes) * minute,
    policyId: Number(row.policy_id),
    policyRevision: Number(row.policy_revision),
    nextResponseMs: nextResponse === null ? null : toMs(nextResponse),
    warnBeforeMs: Number(row.warn_before_minutes) * minute,
    pauseStatuses: row.pause_statuses as string[],
    ...(ladder.length === 0 ? {} : { escalationLadder: ladder.map(toStep) }),
  };
}

function toStep(stored: StoredEscalationStep): EscalationStep {
  return {
    level: stored.level,
    target: stored.target,
    offsetMs: stored.offsetMinutes * minute,
    actions: stored.actions,
  };
}

/** The team's business calendar as the pure module wants it (string id), or null for 24x7. */
async function loadTeamCalendar(
  em: EntityManager,
  teamId: number,
): Promise<BusinessCalendar | null> {
  const rows: Row[] = await em.execute(
    `select c.id, c.name, c.time_zone, c.weekly, c.holidays, c.revision
       from team t join business_calendar c on c.id = t.calendar_id
      where t.id = ?`,
    [teamId],
  );
  const row = rows[0];
  if (row === undefined) return null;
  return {
    id: `${row.id}r${row.revision}`,
    name: String(row.name),
    timeZone: String(row.time_zone),
    weekly: row.weekly as BusinessCalendar['weekly'],
    holidays: row.holidays as string[],
  };
}

function parseWebhookUrl(raw: string): URL {
  const url = URL.canParse(raw) ? new URL(raw) : null;
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw ApplicationFailure.nonRetryable(
      `on-call webhook "${raw}" is not an http(s) URL: fix the escalation ladder`,
      'OnCallWebhookRejected',
    );
  }
  return url;
}

async function insertEntries(
  em: EntityManager,
  ticketId: number,
  entries: TimelineEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  const values = entries.map(() => '(?, ?, ?, ?, ?, ?::jsonb)').join(', ');
  const params = entries.flatMap((e) => [
    ticketId,
    e.seq,
    e.kind,
    new Date(e.at),
    e.actor,
    JSON.stringify(e.detail),
  ]);
  await em.execute(
    `insert into ticket_event (ticket_id, seq, kind, at, actor, detail) values ${values}
     on conflict (ticket_id, seq) do nothing`,
    params,
  );
}

async function upsertTicketRow(em: EntityManager, input: ProjectTicketInput): Promise<void> {
  const s = input.snapshot;
  const at = (ms: number | null) => (ms === null ? null : new Date(ms));
  await em.execute(
    `insert into ticket (id, subject, status, priority, channel, queue_id, team_id, assignee_id,
        requester_id, mailbox, tags, first_response_due_at, first_responded_at, resolved_at,
        breached, escalation_level, reassignment_count, created_at, updated_at, last_activity_at,
        version, next_response_due_at, resolution_due_at, promise_due_at, custom_fields,
        merged_into_ticket_id)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
        ?::jsonb, ?)
     on conflict (id) do update set
        subject = excluded.subject, status = excluded.status, priority = excluded.priority,
        queue_id = excluded.queue_id, team_id = excluded.team_id,
        assignee_id = excluded.assignee_id, tags = excluded.tags,
        first_response_due_at = excluded.first_response_due_at,
        first_responded_at = excluded.first_responded_at, resolved_at = excluded.resolved_at,
        breached = excluded.breached, escalation_level = excluded.escalation_level,
        reassignment_count = excluded.reassignment_count, updated_at = excluded.updated_at,
        last_activity_at = excluded.last_activity_at, version = excluded.version,
        next_response_due_at = excluded.next_response_due_at,
        resolution_due_at = excluded.resolution_due_at, promise_due_at = excluded.promise_due_at,
        custom_fields = excluded.custom_fields,
        merged_into_ticket_id = excluded.merged_into_ticket_id
      where ticket.version < excluded.version`,
    [
      s.ticketId,
      s.subject,
      s.status,
      s.priority,
      s.channel,
      s.queue?.id ?? null,
      s.queue?.teamId ?? null,
      s.assigneeId,
      s.requesterId,
      s.mailbox,
      JSON.stringify(s.tags),
      at(s.firstResponseDueAt),
      at(s.firstRespondedAt),
      at(s.resolvedAt),
      s.breached,
      s.escalationLevel,
      s.reassignmentCount,
      at(s.createdAt),
      at(s.updatedAt),
      at(s.lastActivityAt),
      s.seq,
      at(s.sla?.targets.next_response.dueAt ?? null),
      at(s.sla?.targets.resolution.dueAt ?? null),
      at(s.promise?.dueAt ?? null),
      JSON.stringify(s.fields ?? {}),
      s.mergedIntoTicketId ?? null,
    ],
  );
}

async function touchAssignedAgents(em: EntityManager, entries: TimelineEntry[]): Promise<void> {
  for (const entry of entries) {
    if (entry.kind !== 'assigned') continue;
    await em.execute(
      'update agent set last_assigned_at = greatest(coalesce(last_assigned_at, ?), ?) where id = ?',
      [new Date(entry.at), new Date(entry.at), entry.detail.agentId],
    );
  }
}

async function insertMessageOnce(
  em: EntityManager,
  m: {
    ticketId: number;
    kind: string;
    channel: string;
    authorKind: 'agent' | 'system';
    agentId: number | null;
    text: string;
    idempotencyKey: string;
    at: number;
  },
): Promise<number> {
  const inserted: Row[] = await em.execute(
    `insert into message (ticket_id, kind, channel, author_kind, agent_id, text, idempotency_key,
        created_at)
     values (?, ?, ?, ?, ?, ?, ?, ?)
     on conflict (idempotency_key) do nothing
     returning id`,
    [
      m.ticketId,
      m.kind,
      m.channel,
      m.authorKind,
      m.agentId,
      // PostgreSQL text cannot hold U+0000; the API refuses it, and a stray one must never
      // turn this write into a retry that can never succeed.
      m.text.replaceAll('\u0000', ''),
      m.idempotencyKey,
      new Date(m.at),
    ],
  );
  if (inserted[0] !== undefined) return Number(inserted[0].id);

  const existing: Row[] = await em.execute('select id from message where idempotency_key = ?', [
    m.idempotencyKey,
  ]);
  return Number(existing[0]!.id);
}
