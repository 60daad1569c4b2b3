// Loads one page of the inbox view named in the URL, with its filters, plus the queues for
// the filter menu. The view counts load on the page itself, so the rows never wait for them.
// `app:tickets` lets the live stream ask for a reload when a ticket changes.
import { attempt, createApiClient } from '../lib/api.ts';
import { filtersFromUrl } from './queue-filters.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url, depends }) => {
  depends('app:tickets');

  const api = createApiClient(fetch);
  const filters = filtersFromUrl(url);
  const [tickets, queues] = await Promise.all([
    attempt('Could not load tickets', () => api.listInbox(filters)),
    attempt('Could not load the queues', () => api.listQueues()),
  ]);

  return { filters, tickets, queues };
};
