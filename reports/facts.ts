// reports: the per-ticket facts behind the duration metrics, defined here once as SQL over
// ticket_event and stored in report_fact (one row per first response, next response and final
// resolution), because deriving a year of them per request takes seconds. A ticket's facts are
// re-derived whenever its read-model row moved (report_dirty, marked by a trigger on ticket and
// on a team's calendar), its team calendar's revision or the definitions version moved
// (report_fact_state), before every report, so they are never stale when read; finding them
// costs a few index probes, not a pass over every ticket.
// The rules (see also reports/metrics.ts):
// - first response: the public reply the projection flags `firstResponse`; a reopen never
//   measures it again;
// - next response: from the oldest customer message no public reply has answered yet (after
//   the first response) to the public reply that answers it, so after a reopen it runs from the
//   customer's return; one fact per answered wait (`nth` counts the replies before it);
// - resolution: from creation to the ticket's last resolution (set resolved or closed, or
//   auto-closed from an unresolved status, straight from pending included), only while no
//   reopen followed it; the agent is the owner just before it; the closure of a merge into
//   another ticket is no resolution (the `merged_into` entry right before it tells);
// - resolved: every resolution, and whether a reopen (the customer's `reopened`, or an agent
//   moving it back) followed; who resolved (an agent or automation) does not matter;
// - reassignment: the ticket's chain of assignments, dated at its creation;
// - SLA verdicts: the workflow's own sla_met / sla_breached entries, each target decided once;
// - assignments: every assignment, to whom and when.
// - creations: each `created` entry, with the ticket's current owner.
// Tests: tests/reports/metrics-timelines.test.ts, tests/reports/metrics-workflow.test.ts.
import type { Logger } from 'pino';
import type { EntityManager } from '../db/orm.ts';
import {
  businessMsBetween,
  calendarOf,
  definitionsVersion,
  endsWork,
  joinTeam,
  ownerBefore,
  reopensWork,
  ticketColumns,
} from './metrics.ts';
import { businessWindowLayoutLock } from './business-windows.ts';
import { query, sql, type Sql } from './sql.ts';

const refreshLock = 727_106;
const batchSize = 5_000;

function firstResponseFacts(ids: Sql): Sql {
  return sql`
    select distinct on (t.id) t.id as ticket_id, 'first_response' as kind, 1 as nth,
           nullif(split_part(e.actor, ':', 2), '')::int as agent_id, ${ticketColumns}, e.at,
           ${businessMsBetween(calendarOf, sql`t.created_at`, sql`e.at`)} as business_ms,
           extract(epoch from (e.at - t.created_at)) * 1000 as calendar_ms,
           null::float8 as value, null::boolean as outcome, null::text as note
      from ticket t ${joinTeam}
      join ticket_event e on e.ticket_id = t.id and e.kind = 'public_reply'
     where t.id in (${ids}) and e.detail->>'firstResponse' = 'true'
     order by t.id, e.seq`;
}

function nextResponseFacts(ids: Sql): Sql {
  return sql`
    with conversation as (
      select e.ticket_id, e.seq, e.at, e.kind, e.actor,
             count(*) filter (where e.kind = 'public_reply')
               over (partition by e.ticket_id order by e.seq) as replies
        from ticket_event e
       where e.ticket_id in (${ids}) and e.kind in ('public_reply', 'customer_message')
    ), waits as (
      select ticket_id, replies, min(at) as since from conversation
       where kind = 'customer_message' and actor = 'requester' and replies >= 1
       group by ticket_id, replies
    ), answers as (
      select ticket_id, replies as nth, at, actor from conversation where kind = 'public_reply'
    )
    select t.id as ticket_id, 'next_response' as kind, w.replies as nth,
           nullif(split_part(a.actor, ':', 2), '')::int as agent_id, ${ticketColumns}, a.at,
           ${businessMsBetween(calendarOf, sql`w.since`, sql`a.at`)} as business_ms,
           extract(epoch from (a.at - w.since)) * 1000 as calendar_ms,
           null::float8 as value, null::boolean as outcome,
           'waiting since ' || to_char(w.since at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"') as note
      from waits w
      join answers a on a.ticket_id = w.ticket_id and a.nth = w.replies + 1
      join ticket t on t.id = w.ticket_id ${joinTeam}`;
}

function resolutionFacts(ids: Sql): Sql {
  return sql`
    with ended as (
      select distinct on (e.ticket_id) e.ticket_id, e.seq, e.at,
             e.detail->>'from' as from_status, ${ownerBefore} as agent_id
        from ticket_event e
       where e.ticket_id in (${ids}) and e.kind in ('status_changed', 'auto_closed')
         and ${endsWork}
       order by e.ticket_id, e.seq desc
    )
    select t.id as ticket_id, 'resolution' as kind, 1 as nth, r.agent_id, ${ticketColumns}, r.at,
           ${businessMsBetween(calendarOf, sql`t.created_at`, sql`r.at`)} as business_ms,
           extract(epoch from (r.at - t.created_at)) * 1000 as calendar_ms,
           null::float8 as value, null::boolean as outcome,
           'resolved from ' || coalesce(r.from_status, 'unknown') as note
      from ended r join ticket t on t.id = r.ticket_id ${joinTeam}
     where not exists (select 1 from ticket_event x
                        where x.ticket_id = r.ticket_id and x.seq > r.seq and ${reopensWork})`;
}

// Every resolution (not only the last), and whether the ticket was reopened after it.
function resolvedFacts(ids: Sql): Sql {
  return sql`
    select t.id as ticket_id, 'resolved' as kind, e.seq as nth, ${ownerBefore} as agent_id,
           ${ticketColumns}, e.at, null::float8 as business_ms, null::float8 as calendar_ms,
           null::float8 as value, o.reopened as outcome,
           case when o.reopened then 'reopened' else 'stayed resolved' end as note
      from ticket_event e join ticket t on t.id = e.ticket_id
      cross join lateral (select exists (select 1 from ticket_event x
                            where x.ticket_id = e.ticket_id and x.seq > e.seq and ${reopensWork})
                          as reopened) o
     where e.ticket_id in (${ids}) and e.kind in ('status_changed', 'auto_closed') and ${endsWork}`;
}

// A ticket's reassignments: assignments to an agent other than its previous one, unassigned
// spells between ignored (A→B→C is two). Dated at the ticket's creation.
function reassignmentFacts(ids: Sql): Sql {
  return sql`
    with assignments as (
      select e.ticket_id, (e.detail->>'agentId')::int as agent,
             lag((e.detail->>'agentId')::int) over (partition by e.ticket_id order by e.seq) as prev
        from ticket_event e
       where e.ticket_id in (${ids}) and e.kind = 'assigned'
    ), chains as (
      select ticket_id, count(*) filter (where prev is not null and prev <> agent) as moves
        from assignments group by ticket_id
    )
    select t.id as ticket_id, 'reassignment' as kind, 1 as nth, t.assignee_id as agent_id,
           ${ticketColumns}, t.created_at as at, null::float8 as business_ms,
           null::float8 as calendar_ms, c.moves::float8 as value, c.moves > 0 as outcome,
           c.moves || ' reassignment(s)' as note
      from chains c join ticket t on t.id = c.ticket_id`;
}

// SLA verdicts from the workflow's own entries, one per target decided: met or missed when
// met (sla_met), missed at its breach (sla_breached); a late met after a breach of the same due
// instant is that breach's verdict, not a second one. Kind `sla_<target>`, nth the entry's seq.
function slaFacts(ids: Sql): Sql {
  return sql`
    with breached as (
      select distinct b.ticket_id, b.detail->>'target' as target, b.detail->>'dueAt' as due
        from ticket_event b
       where b.ticket_id in (${ids}) and b.kind = 'sla_breached'
    ), verdicts as (
      select e.ticket_id, e.seq, e.at, e.detail->>'target' as target,
             (e.detail->>'met')::boolean as met, e.detail->>'dueAt' as due
        from ticket_event e
        left join breached b on b.ticket_id = e.ticket_id and b.target = e.detail->>'target'
             and b.due = e.detail->>'dueAt'
       where e.ticket_id in (${ids}) and e.kind = 'sla_met'
         and ((e.detail->>'met')::boolean or b.ticket_id is null)
      union all
      select e.ticket_id, e.seq, e.at, e.detail->>'target', false, e.detail->>'dueAt'
        from ticket_event e
       where e.ticket_id in (${ids}) and e.kind = 'sla_breached'
    )
    select t.id as ticket_id, 'sla_' || v.target as kind, v.seq as nth,
           t.assignee_id as agent_id, ${ticketColumns}, v.at, null::float8 as business_ms,
           null::float8 as calendar_ms, null::float8 as value, v.met as outcome,
           case when v.met then 'met' else 'missed' end || coalesce(' (due ' || v.due || ')', '')
             as note
      from verdicts v join ticket t on t.id = v.ticket_id
     where v.target in ('first_response', 'next_response', 'resolution')`;
}

// Each creation entry, owned by the ticket's current agent (for tickets created per period).
function createdFacts(ids: Sql): Sql {
  return sql`
    select t.id as ticket_id, 'created' as kind, e.seq as nth, t.assignee_id as agent_id,
           ${ticketColumns}, e.at, null::float8 as business_ms, null::float8 as calendar_ms,
           null::float8 as value, null::boolean as outcome, null::text as note
      from ticket_event e join ticket t on t.id = e.ticket_id
     where e.ticket_id in (${ids}) and e.kind = 'created'`;
}

// Every assignment, to whom and when (for tickets assigned per agent and team).
function assignmentFacts(ids: Sql): Sql {
  return sql`
    select t.id as ticket_id, 'assigned' as kind, e.seq as nth,
           (e.detail->>'agentId')::int as agent_id, ${ticketColumns}, e.at,
           null::float8 as business_ms, null::float8 as calendar_ms, null::float8 as value,
           null::boolean as outcome, null::text as note
      from ticket_event e join ticket t on t.id = e.ticket_id
     where e.ticket_id in (${ids}) and e.kind = 'assigned'`;
}

// The revision each calendar's business windows were laid out from (what facts count with).
const laidOutRevisions = sql`
  select distinct on (calendar_id) calendar_id as id, calendar_revision as revision
    from business_window order by calendar_id, starts_at`;

const factColumns = sql`(ticket_id, kind, nth, agent_id, team_id, queue_id, channel, priority, at,
    business_ms, calendar_ms, value, outcome, note)`;

/**
 * Re-derives the facts of every ticket whose version, calendar revision or definitions moved
 * since its facts were stored; one refresh at a time. Business windows must be laid out first.
 * Returns how many tickets were re-derived.
 */
export async function refreshFacts(em: EntityManager): Promise<number> {
  return em.fork().transactional(async (tx) => {
    await tx.execute('select pg_advisory_xact_lock(?)', [refreshLock]);
    // No calendar is laid out again while facts are derived from its windows (the layout takes
    // this lock exclusively), so the revision recorded is the one the facts were counted with.
    await tx.execute('select pg_advisory_xact_lock_shared(?, id) from business_calendar', [
      businessWindowLayoutLock,
    ]);

    // Usually only the tickets the projection touched since the last refresh (report_dirty,
    // kept by a trigger on ticket); every ticket is checked only when a calendar was laid out
    // again or the definitions moved, which the few stored combinations tell at once.
    const marks = await query<{ id: string; version: number; marked: string }>(
      tx,
      sql`select d.ticket_id as id, t.version, d.marked
            from report_dirty d left join ticket t on t.id = d.ticket_id`,
    );
    const stale = (await derivedWithOutdatedInputs(tx))
      ? await query<{ id: string; version: number }>(tx, everyStaleTicket)
      : marks.filter((m) => m.version !== null);
    for (let i = 0; i < stale.length; i += batchSize) {
      await rederive(tx, stale.slice(i, i + batchSize));
    }

    // Clears only the marks read above: a ticket marked again meanwhile has a new `marked`.
    const read = JSON.stringify(marks.map((m) => ({ id: Number(m.id), marked: Number(m.marked) })));
    await query(
      tx,
      sql`delete from report_dirty d
           using jsonb_to_recordset(${read}::jsonb) as x(id bigint, marked bigint)
           where d.ticket_id = x.id and d.marked = x.marked`,
    );

    // A large re-derivation changes what the planner should expect of the facts tables (it
    // would otherwise plan a year of facts as a handful of rows until autovacuum came by).
    if (stale.length >= analyzeAfter) await tx.execute('analyze report_fact, report_fact_state');
    return stale.length;
  });
}

const analyzeAfter = 10_000;

// The full check: every ticket whose stored facts are missing or were derived from another
// version, calendar or calendar revision, or under other definitions.
const everyStaleTicket = sql`
  with c as (${laidOutRevisions})
  select t.id, t.version from ticket t
    left join team tm on tm.id = t.team_id
    left join c on c.id = tm.calendar_id
    left join report_fact_state f on f.ticket_id = t.id
   where f.ticket_id is null or f.version <> t.version
      or f.definitions_version <> ${definitionsVersion}
      or f.calendar_id is distinct from tm.calendar_id
      or f.calendar_revision is distinct from c.revision`;

// Whether any stored facts were derived under other definitions or from a calendar revision
// that is no longer the laid-out one. The distinct (calendar, revision, definitions) of
// report_fact_state are walked on their index, one probe each (a loose index scan).
async function derivedWithOutdatedInputs(tx: EntityManager): Promise<boolean> {
  const outdated = await query(
    tx,
    sql`
    with recursive combos as (
      (select coalesce(calendar_id, -1) as cal, coalesce(calendar_revision, -1) as rev,
              definitions_version as defs
         from report_fact_state order by 1, 2, 3 limit 1)
      union all
      select n.cal, n.rev, n.defs from combos c cross join lateral (
        select coalesce(f.calendar_id, -1) as cal, coalesce(f.calendar_revision, -1) as rev,
               f.definitions_version as defs
          from report_fact_state f
         where (coalesce(f.calendar_id, -1), coalesce(f.calendar_revision, -1),
                f.definitions_version) > (c.cal, c.rev, c.defs)
         order by 1, 2, 3 limit 1) n
    ), laid_out as (${laidOutRevisions})
    select 1 from combos c left join laid_out l on l.id = c.cal
     where c.defs <> ${definitionsVersion}
        or (c.cal <> -1 and coalesce(l.revision, -1) <> c.rev)
     limit 1`,
  );
  return outdated.length > 0;
}

// The versions recorded are those read before deriving: a ticket changed meanwhile is stale
// again at the next refresh, never marked fresh with older facts.
async function rederive(tx: EntityManager, tickets: { id: string; version: number }[]) {
  const json = JSON.stringify(tickets.map((t) => ({ id: Number(t.id), version: t.version })));
  const ids = sql`select x.id from jsonb_to_recordset(${json}::jsonb) as x(id bigint)`;
  await query(tx, sql`delete from report_fact where ticket_id in (${ids})`);
  const derivations = [
    firstResponseFacts(ids),
    nextResponseFacts(ids),
    resolutionFacts(ids),
    resolvedFacts(ids),
    reassignmentFacts(ids),
    slaFacts(ids),
    assignmentFacts(ids),
    createdFacts(ids),
  ];
  for (const facts of derivations) {
    await query(tx, sql`insert into report_fact ${factColumns} ${facts}`);
  }
  await query(
    tx,
    sql`
    insert into report_fact_state (ticket_id, version, calendar_id, calendar_revision,
        definitions_version)
    with c as (${laidOutRevisions})
    select x.id, x.version, tm.calendar_id, c.revision, ${definitionsVersion}
      from jsonb_to_recordset(${json}::jsonb) as x(id bigint, version integer)
      join ticket t on t.id = x.id
      left join team tm on tm.id = t.team_id
      left join c on c.id = tm.calendar_id
    on conflict (ticket_id) do update set version = excluded.version,
       calendar_id = excluded.calendar_id, calendar_revision = excluded.calendar_revision,
       definitions_version = excluded.definitions_version`,
  );
}

/**
 * Keeps the facts fresh in the background (every minute by default), so a report request finds
 * at most a minute of tickets to re-derive, and the first one after a deploy does not pay for
 * deriving every ticket's facts. `stop` ends it.
 */
export function startFactRefresher(options: {
  prepare: () => Promise<unknown>;
  log: Logger;
  intervalMs?: number;
}): { stop(): void } {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await options.prepare();
    } catch (error) {
      options.log.warn({ err: error }, 'report facts not refreshed; retrying at the next tick');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), options.intervalMs ?? 60_000);
  timer.unref();
  void tick();
  return { stop: () => clearInterval(timer) };
}
