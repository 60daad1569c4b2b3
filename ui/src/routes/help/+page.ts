// The public help center's search: published public KB articles only, for anyone, no session
// needed. Reads q, language and page from the address so a search can be shared as a link.
import { attempt } from '../../lib/api.ts';
import { createKbApi } from '../kb/kb-api.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url }) => {
  const query = new URLSearchParams();
  for (const name of ['q', 'language', 'page']) {
    const value = url.searchParams.get(name);
    if (value) query.set(name, value);
  }
  query.set('pageSize', '10');

  const api = createKbApi(fetch);
  const results = await attempt('Could not search the help center', () => api.searchHelp(query));
  return {
    q: url.searchParams.get('q') ?? '',
    language: url.searchParams.get('language') ?? '',
    results,
  };
};
