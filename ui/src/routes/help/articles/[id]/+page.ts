// One published public KB article for the help center; anything else is "not found".
import { error } from '@sveltejs/kit';
import { attempt } from '../../../../lib/api.ts';
import { createKbApi } from '../../../kb/kb-api.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, params }) => {
  const id = Number(params.id);
  if (!Number.isInteger(id) || id <= 0) error(404, 'There is no such help center article.');

  const api = createKbApi(fetch);
  return { article: await attempt('Could not open this article', () => api.getHelpArticle(id)) };
};
