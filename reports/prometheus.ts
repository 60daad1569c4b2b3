// reports: the operations metrics behind GET /metrics, in Prometheus' text exposition format
// (version 0.0.4). Two sources:
// - counted in this process: HTTP requests and their latency per route, which for the ticket
//   action routes is the latency of a workflow Update round trip (validator, workflow task,
//   activities, answer), and search errors seen by the API;
// - read from PostgreSQL at scrape time: totals that must survive restarts and agree across
//   server replicas (tickets and customer messages accepted, SLA breaches, failed mail, the
//   search index-job backlog). They only ever grow (or are gauges), so they are valid counters.
// Temporal's own worker metrics (workflow task schedule-to-start and execution latency) are
// appended when the worker exports them (CASEWORK_TEMPORAL_METRICS_URL, see README).
// A small hand-written registry rather than a client library: four metric shapes are all we
// need, and the format is plain text. Tests: tests/reports/metrics-endpoint.test.ts.
import type { EntityManager } from '../db/orm.ts';

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Labels = Record<string, string>;

interface Series {
  labels: Labels;
  count: number;
  sum: number;
  buckets: number[];
}

/** In-process counters and histograms, keyed by their label values. */
export class ProcessMetrics {
  private readonly requests = new Map<string, Series>();
  private readonly counters = new Map<string, { labels: Labels; value: number }>();

  /** Records one HTTP request's duration under its route pattern (never the raw path). */
  observeRequest(labels: { method: string; route: string; status: string }, seconds: number) {
    const key = JSON.stringify(labels);
    const series = this.requests.get(key) ?? {
      labels,
      count: 0,
      sum: 0,
      buckets: latencyBuckets.map(() => 0),
    };
    series.count += 1;
    series.sum += seconds;
    latencyBuckets.forEach((le, i) => {
      if (seconds <= le) series.buckets[i]! += 1;
    });
    this.requests.set(key, series);
  }

  /** Adds one to a named counter (e.g. search errors by kind). */
  increment(name: string, labels: Labels = {}): void {
    const key = `${name}${JSON.stringify(labels)}`;
    const counter = this.counters.get(key) ?? { labels, value: 0 };
    counter.value += 1;
    this.counters.set(key, counter);
  }

  /** The process's metrics as exposition text. */
  render(): string {
    const lines: string[] = [
      '# HELP casework_http_request_duration_seconds HTTP request latency by route; ' +
        'ticket action routes include the workflow Update round trip.',
      '# TYPE casework_http_request_duration_seconds histogram',
    ];
    for (const s of this.requests.values()) {
      latencyBuckets.forEach((le, i) =>
        lines.push(
          sample(
            'casework_http_request_duration_seconds_bucket',
            { ...s.labels, le: String(le) },
            s.buckets[i]!,
          ),
        ),
      );
      lines.push(
        sample(
          'casework_http_request_duration_seconds_bucket',
          { ...s.labels, le: '+Inf' },
          s.count,
        ),
      );
      lines.push(sample('casework_http_request_duration_seconds_sum', s.labels, s.sum));
      lines.push(sample('casework_http_request_duration_seconds_count', s.labels, s.count));
    }
    lines.push(
      '# HELP casework_search_errors_total Search requests the API answered with a server error.',
      '# TYPE casework_search_errors_total counter',
    );
    const searchErrors = [...this.counters.entries()].filter(([k]) =>
      k.startsWith('casework_search_errors_total'),
    );
    if (searchErrors.length === 0) lines.push(sample('casework_search_errors_total', {}, 0));
    for (const [, c] of searchErrors)
      lines.push(sample('casework_search_errors_total', c.labels, c.value));
    return lines.join('\n') + '\n';
  }
}

interface DatabaseFigure {
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  sql: string;
}

// Each is one indexed count; labels come from a `label` column when the query has one.
const databaseFigures: DatabaseFigure[] = [
  {
    name: 'casework_tickets_created_total',
    type: 'counter',
    help: 'Tickets accepted by intake (one per new ticket, any channel).',
    sql: `select count(*)::float8 as value from ticket_event where kind = 'created'`,
  },
  {
    name: 'casework_customer_messages_total',
    type: 'counter',
    help: 'Customer messages accepted onto existing tickets, by channel.',
    sql: `select channel as label, count(*)::float8 as value from message
           where kind = 'inbound' group by channel`,
  },
  {
    name: 'casework_sla_breaches_total',
    type: 'counter',
    help: 'SLA targets breached, by target (first_response, next_response, resolution).',
    sql: `select detail->>'target' as label, count(*)::float8 as value from ticket_event
           where kind = 'sla_breached' group by 1`,
  },
  {
    name: 'casework_mail_errors_total',
    type: 'counter',
    help: 'Outbound mail that failed for good or bounced, by status.',
    sql: `select status as label, count(*)::float8 as value from outbound_mail
           where status in ('failed', 'bounced') group by status`,
  },
  {
    name: 'casework_mail_retrying',
    type: 'gauge',
    help: 'Outbound mail waiting for a retry after a failed attempt.',
    sql: `select count(*)::float8 as value from outbound_mail
           where status = 'pending' and attempts > 0`,
  },
  {
    name: 'casework_search_index_jobs_pending',
    type: 'gauge',
    help: 'Ticket index jobs not yet written to Meilisearch (grows during a search outage).',
    sql: 'select count(*)::float8 as value from search_index_job',
  },
  {
    name: 'casework_search_index_lag_seconds',
    type: 'gauge',
    help: 'Age of the oldest ticket index job waiting for Meilisearch.',
    sql: `select coalesce(extract(epoch from now() - min(enqueued_at)), 0)::float8 as value
            from search_index_job`,
  },
];

const labelNames: Record<string, string> = {
  casework_customer_messages_total: 'channel',
  casework_sla_breaches_total: 'target',
  casework_mail_errors_total: 'status',
};

/** The database-backed figures as exposition text; a figure whose table is missing is skipped. */
export async function renderDatabaseFigures(em: EntityManager): Promise<string> {
  const lines: string[] = [];
  for (const figure of databaseFigures) {
    let rows: { label?: string | null; value: number }[];
    try {
      rows = await em.execute(figure.sql);
    } catch {
      // outbound_mail arrives with the mail channel; before that there is nothing to report.
      continue;
    }
    lines.push(`# HELP ${figure.name} ${figure.help}`, `# TYPE ${figure.name} ${figure.type}`);
    const label = labelNames[figure.name];
    if (rows.length === 0 && label === undefined) lines.push(sample(figure.name, {}, 0));
    for (const row of rows) {
      const labels: Labels = label === undefined ? {} : { [label]: String(row.label ?? 'unknown') };
      lines.push(sample(figure.name, labels, Number(row.value)));
    }
  }
  return lines.join('\n') + '\n';
}

function sample(name: string, labels: Labels, value: number): string {
  const entries = Object.entries(labels);
  const text = entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',');
  return `${name}${entries.length === 0 ? '' : `{${text}}`} ${formatValue(value)}`;
}

function escapeLabel(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('"', '\\"');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  return String(value);
}
