// A lead's review list: published KB articles past their review date, and searches that
// keep finding nothing (a KB article someone should write).
import { attempt } from '../../../lib/api.ts';
import { createKbApi } from '../kb-api.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch }) => {
  const api = createKbApi(fetch);
  return { review: await attempt('Could not load the review list', () => api.review()) };
};
