// Loads one page of the ticket list for the filters in the URL, plus the queues for the
// filter menu. `app:tickets` lets the live stream ask for a reload when a ticket changes.
import { attempt, createApiClient } from '../lib/api.ts';
import { filtersFromUrl } from './queue-filters.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, url, depends }) => {
  depends('app:tickets');

  const api = createApiClient(fetch);
  const filters = filtersFromUrl(url);
  const [tickets, queues] = await Promise.all([
    attempt('Could not load tickets', () => api.listTickets(filters)),
    attempt('Could not load the queues', () => api.listQueues()),
  ]);

  return { filters, tickets, queues };
};
