// The workspace renders in the browser: loaders call /api on the same origin with
// SvelteKit's fetch, and the server only hands out the app shell. The session is loaded
// first: without one every page but the sign-in page sends the agent to sign in, and comes
// back to the page they asked for afterwards. The agents list is loaded once here because
// the ticket sidebar and the queue filters share it.
import { redirect } from '@sveltejs/kit';
import { resolve } from '$app/paths';
import { ApiError, attempt, createApiClient } from '../lib/api.ts';
import { session } from '../lib/session.svelte.ts';
import type { LayoutLoad } from './$types';

export const ssr = false;
export const prerender = false;

export const load: LayoutLoad = async ({ fetch, url, depends }) => {
  depends('app:session');
  const api = createApiClient(fetch);

  session.set(await api.getSession().catch(nullWhenSignedOut));
  const isSignInPage = url.pathname === resolve('/sign-in');
  // The help center, the chat and the contact form are for customers, who have no session.
  const customerPages = [resolve('/help'), resolve('/chat'), resolve('/contact')];
  const isPublicPage = isSignInPage || customerPages.some((p) => url.pathname.startsWith(p));
  if (session.agent === null && !isPublicPage) {
    const next = new URLSearchParams({ next: url.pathname + url.search });
    redirect(307, `${resolve('/sign-in')}?${next}`);
  }
  if (session.agent === null) return { agents: { ok: true as const, value: [] } };

  return { agents: await attempt('Could not load the agents', () => api.listAgents()) };
};

function nullWhenSignedOut(error: unknown): null {
  if (error instanceof ApiError && error.status === 401) return null;
  throw error;
}
