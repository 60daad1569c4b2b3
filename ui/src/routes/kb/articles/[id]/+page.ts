// One KB article for editing, with its versions. `app:kb-article` lets the page reload both
// after a save, publish or restore.
import { error } from '@sveltejs/kit';
import { attempt } from '../../../../lib/api.ts';
import { createKbApi } from '../../kb-api.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, params, depends }) => {
  depends('app:kb-article');
  const id = Number(params.id);
  if (!Number.isInteger(id) || id <= 0) error(404, `“${params.id}” is not a KB article number.`);

  const api = createKbApi(fetch);
  const [article, versions] = await Promise.all([
    attempt(`Could not load KB article ${id}`, () => api.getArticle(id)),
    attempt('Could not load its versions', () => api.listVersions(id)),
  ]);
  return { id, article, versions };
};
