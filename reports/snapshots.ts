// reports: re-deriving a period. Recomputing stores the period's numbers as a snapshot
// (report_snapshot, append-only) and answers what changed against the last snapshot of the same
// period and filters, so after a calendar fix (business time moves) or a definition fix (the
// version moves) a lead sees exactly which numbers moved and by how much. Used by
// `npm run reports -- recompute` (reports/cli.ts) and POST /api/reports/recompute.
import type { EntityManager } from '../db/orm.ts';
import type { MetricValue, ReportQuery } from './contract.ts';
import { definitionsVersion } from './metrics.ts';
import { computeMetrics, scopeOf } from './report-service.ts';

/** One number's move between two computations of the same period. */
export interface MetricChange {
  metricId: string;
  field: 'value' | 'businessValue' | 'calendarValue' | 'sampleSize';
  before: number | null;
  after: number | null;
}

export interface Recomputation {
  snapshotId: number;
  previousSnapshotId: number | null;
  previousDefinitionsVersion: string | null;
  definitionsVersion: string;
  changes: MetricChange[];
  metrics: MetricValue[];
}

const comparedFields = ['value', 'businessValue', 'calendarValue', 'sampleSize'] as const;

/** Recomputes a period, stores it, and lists what moved since the last snapshot of it. */
export async function recomputePeriod(
  em: EntityManager,
  options: { query: ReportQuery; reason?: string; now?: Date },
): Promise<Recomputation> {
  const q = { ...options.query, compareFrom: undefined, compareTo: undefined };
  const scope = scopeOf(q, options.now);
  const filters = filtersOf(q);
  const previous: { id: string; definitions_version: string; metrics: MetricValue[] }[] =
    await em.execute(
      `select id, definitions_version, metrics from report_snapshot
        where period_from = ? and period_to = ? and filters = ?::jsonb
        order by id desc limit 1`,
      [scope.from, scope.to, JSON.stringify(filters)],
    );

  const metrics = await computeMetrics(em, q, options.now);
  const inserted: { id: string }[] = await em.execute(
    `insert into report_snapshot (definitions_version, period_from, period_to, filters, metrics,
        reason)
     values (?, ?, ?, ?::jsonb, ?::jsonb, ?) returning id`,
    [
      definitionsVersion,
      scope.from,
      scope.to,
      JSON.stringify(filters),
      JSON.stringify(metrics),
      options.reason ?? null,
    ],
  );

  const before = previous[0];
  return {
    snapshotId: Number(inserted[0]!.id),
    previousSnapshotId: before === undefined ? null : Number(before.id),
    previousDefinitionsVersion: before?.definitions_version ?? null,
    definitionsVersion,
    changes: before === undefined ? [] : changesBetween(before.metrics, metrics),
    metrics,
  };
}

/** Every field of every metric whose value differs between two computations. */
export function changesBetween(before: MetricValue[], after: MetricValue[]): MetricChange[] {
  const earlier = new Map(before.map((m) => [m.id, m]));
  const changes: MetricChange[] = [];
  for (const metric of after) {
    const old = earlier.get(metric.id);
    for (const field of comparedFields) {
      const a = old?.[field] ?? null;
      const b = metric[field] ?? null;
      if (a !== b) changes.push({ metricId: metric.id, field, before: a, after: b });
    }
  }
  return changes;
}

function filtersOf(q: ReportQuery): Record<string, unknown> {
  const entries = Object.entries({
    teamId: q.teamId,
    queueId: q.queueId,
    agentId: q.agentId,
    channel: q.channel,
    priority: q.priority,
  }).filter(([, v]) => v !== undefined);
  return Object.fromEntries(entries);
}

/** The stored snapshots, newest first. */
export async function listSnapshots(em: EntityManager, limit = 100) {
  const rows: Record<string, unknown>[] = await em.execute(
    `select id, definitions_version, period_from, period_to, reason, created_at
       from report_snapshot order by id desc limit ?`,
    [limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    definitionsVersion: String(r.definitions_version),
    period: {
      from: new Date(r.period_from as string).toISOString(),
      to: new Date(r.period_to as string).toISOString(),
    },
    createdAt: new Date(r.created_at as string).toISOString(),
    reason: (r.reason as string | null) ?? null,
  }));
}
