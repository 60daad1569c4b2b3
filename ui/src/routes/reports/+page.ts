// The lead's dashboard: metrics of the period (and its baseline), tables, weekly triage and load
// per agent, all for the filters in the address. Each part loads on its own, so one failing
// endpoint shows its sentence and the rest of the page still works. Agents get no data at all:
// the page says the dashboard is not for their role.
import { attempt } from '../../lib/api.ts';
import { session } from '../../lib/session.svelte.ts';
import { createApiClient } from '../../lib/api.ts';
import { metricsQuery, narrowing, readReportFilters, utcToday } from './report-filters.ts';
import { createReportsApi, reportAccess } from './reports-api.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url, depends, parent }) => {
  depends('app:reports');
  // The layout loads the session; the role check must wait for it.
  await parent();
  const access = reportAccess(session.view?.agent.roles ?? []);
  const filters = readReportFilters(url);
  const today = utcToday();
  if (!access.canRead) return { access, filters, today, parts: null };

  const api = createReportsApi(fetch);
  const query = metricsQuery(filters, today);
  const lead = leadQuery(narrowing(filters));
  const [metrics, stuck, gaps, load, queues] = await Promise.all([
    attempt('Could not load the metrics', () => api.metrics(query)),
    attempt('Could not load the stuck tickets', () => api.stuckTickets(lead)),
    attempt('Could not load the knowledge gaps', () => api.knowledgeGaps(lead)),
    attempt('Could not load the load per agent', () => api.load(lead)),
    attempt('Could not load the queues', () => createApiClient(fetch).listQueues()),
  ]);
  return {
    access,
    filters,
    today,
    query: query.toString(),
    parts: { metrics, stuck, gaps, load, queues },
  };
};

// Triage and load are about now, so only team, queue and agent narrow them.
function leadQuery(values: Record<string, string | undefined>): URLSearchParams {
  const query = new URLSearchParams();
  for (const key of ['teamId', 'queueId', 'agentId']) {
    const value = values[key];
    if (value !== undefined) query.set(key, value);
  }
  return query;
}
