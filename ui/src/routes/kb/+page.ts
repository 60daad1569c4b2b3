// The agents' knowledge base: search KB articles (drafts too) with facets by team, tag,
// language and audience. The filters live in the address.
import { attempt } from '../../lib/api.ts';
import { createKbApi } from './kb-api.ts';
import { kbSearchHref, readKbFilters } from './kb-links.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url }) => {
  const filters = readKbFilters(url);
  const query = new URLSearchParams(kbSearchHref(filters).slice('/kb?'.length));
  const api = createKbApi(fetch);
  const results = await attempt('Could not search the knowledge base', () =>
    api.searchArticles(query),
  );
  return { filters, results };
};
