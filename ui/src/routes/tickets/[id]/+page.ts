// Loads one ticket with its conversation and timeline. `app:ticket` lets the live stream
// and the page's own actions ask for a reload after the ticket changes.
import { error } from '@sveltejs/kit';
import { attempt, createApiClient } from '../../../lib/api.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, params, depends }) => {
  depends('app:ticket');

  const ticketId = Number(params.id);
  if (!Number.isInteger(ticketId) || ticketId <= 0) {
    error(404, `“${params.id}” is not a ticket number; open the ticket from the queue.`);
  }

  const api = createApiClient(fetch);
  const detail = await attempt(`Could not load ticket ${ticketId}`, () => api.getTicket(ticketId));
  return { ticketId, detail };
};
