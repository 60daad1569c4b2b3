// The tickets behind one number of the dashboard: the metric and the filters arrive in the
// address exactly as the reports API's drill-down URL carries them.
import { attempt } from '../../../lib/api.ts';
import { session } from '../../../lib/session.svelte.ts';
import type { MetricId } from '../../../../../reports/contract.ts';
import { createReportsApi, reportAccess } from '../reports-api.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url, parent }) => {
  // The layout loads the session; the role check must wait for it.
  await parent();
  const access = reportAccess(session.view?.agent.roles ?? []);
  const query = new URLSearchParams(url.searchParams);
  const metricId = (query.get('metric') ?? '') as MetricId;
  query.delete('metric');
  if (!access.canRead) return { access, metricId, query: query.toString(), drill: null };

  const drill = await attempt('Could not load the tickets behind this number', () =>
    createReportsApi(fetch).drillDown(metricId, query),
  );
  return { access, metricId, query: query.toString(), drill };
};
