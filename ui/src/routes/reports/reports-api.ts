// The dashboard's calls: the metrics and drill-downs of the reports API (reports/contract.ts)
// and the lead's triage, load and rebalance (api/routes/lead.ts). Same terms as lib/api.ts:
// /api on the same origin, the CSRF token on state-changing requests, a problem+json refusal
// turned into an ApiError with the server's words.
import type { DrillDown, MetricId, MetricsReport } from '../../../../reports/contract.ts';
import type { LoadReport, RebalanceOutcome, RebalancePlan } from '../../../../reports/load.ts';
import type { WeeklyTriageOutcome } from '../../../../reports/triage-mail.ts';
import type { KnowledgeGapReport, StuckTicketReport } from '../../../../reports/triage.ts';
import { createApiRequest } from '../../lib/api.ts';

/** Builds the reports client on a given fetch: SvelteKit's in loaders, the browser's elsewhere. */
export function createReportsApi(fetchFn: typeof fetch = globalThis.fetch.bind(globalThis)) {
  const request = createApiRequest(fetchFn);

  const post = <T>(path: string, body: unknown) =>
    request<T>(path, { method: 'POST', body: JSON.stringify(body) });

  return {
    metrics: (query: URLSearchParams) => request<MetricsReport>(`/reports/metrics?${query}`),
    drillDown: (metricId: MetricId, query: URLSearchParams) =>
      request<DrillDown>(`/reports/metrics/${metricId}/tickets?${query}`),
    stuckTickets: (query: URLSearchParams) =>
      request<StuckTicketReport>(`/lead/stuck-tickets?${query}`),
    knowledgeGaps: (query: URLSearchParams) =>
      request<KnowledgeGapReport>(`/lead/knowledge-gaps?${query}`),
    load: (query: URLSearchParams) => request<LoadReport>(`/lead/load?${query}`),
    planRebalance: (query: URLSearchParams) => request<RebalancePlan>(`/lead/rebalance?${query}`),
    applyRebalance: (plan: { fromAgentId: number; toAgentId: number; ticketIds: number[] }) =>
      post<RebalanceOutcome>('/lead/rebalance', plan),
    sendTriageMail: () => post<WeeklyTriageOutcome>('/lead/triage-mail', {}),
  };
}

export type ReportsApi = ReturnType<typeof createReportsApi>;

/** The roles that may read the dashboard; agents get a page saying it is not for their role. */
export const dashboardRoles = ['lead', 'admin', 'auditor'] as const;

/** Whether the signed-in account may read reports, and whether it may act (send, rebalance). */
export function reportAccess(roles: readonly string[]): { canRead: boolean; canAct: boolean } {
  return {
    canRead: roles.some((role) => (dashboardRoles as readonly string[]).includes(role)),
    canAct: roles.includes('lead') || roles.includes('admin'),
  };
}

/** The dashboard's drill-down page for the filters the API's drill-down URL carries. */
export function drillHref(metric: {
  id: MetricId;
  drillDown: string;
}): `/reports/tickets?${string}` {
  const query = new URLSearchParams(metric.drillDown.split('?')[1] ?? '');
  query.set('metric', metric.id);
  return `/reports/tickets?${query}`;
}

/** The rebalance preview's query: team and queue narrow it, and how many tickets to move. */
export function rebalanceQuery(leadQuery: string, count: number): URLSearchParams {
  const query = new URLSearchParams(leadQuery);
  query.delete('agentId');
  query.set('count', String(count));
  return query;
}

/** An API path made into a link the browser can follow (CSV downloads, drill-down exports). */
export function apiHref(path: string): string {
  return path.startsWith('/api') ? path : `/api${path}`;
}

/** The same API path asking for CSV. */
export function csvHref(path: string): string {
  const href = apiHref(path);
  return `${href}${href.includes('?') ? '&' : '?'}format=csv`;
}
