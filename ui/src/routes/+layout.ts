// The workspace renders in the browser: loaders call /api on the same origin with
// SvelteKit's fetch, and the server only hands out the app shell. The agents list is
// loaded once here because the header's "acting as" picker and the ticket sidebar share it.
import { attempt, createApiClient } from '../lib/api.ts';
import type { LayoutLoad } from './$types';

export const ssr = false;
export const prerender = false;

export const load: LayoutLoad = async ({ fetch }) => {
  const api = createApiClient(fetch);
  return { agents: await attempt('Could not load the agents', () => api.listAgents()) };
};
