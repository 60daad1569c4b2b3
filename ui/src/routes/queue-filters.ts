// The queue page keeps its filters in the URL, so a filtered view can be bookmarked,
// shared and navigated with the back button. These two functions translate both ways.
import type { TicketFilters, TicketSort } from '../lib/api.ts';
import { ticketStatuses, type TicketStatus } from '../../../workflows/ticket/vocabulary.ts';

export const PAGE_SIZE = 50;

const sorts: TicketSort[] = ['sla_due', 'updated', 'created'];

/** Reads the filters from the page URL, ignoring values the API would refuse. */
export function filtersFromUrl(url: URL): TicketFilters {
  const params = url.searchParams;
  const status = params.get('status') as TicketStatus | null;
  const sort = params.get('sort') as TicketSort | null;
  const assignee = params.get('assigneeId');

  return {
    status: status && ticketStatuses.includes(status) ? status : undefined,
    queueId: positiveInt(params.get('queueId')),
    assigneeId: assignee === 'unassigned' ? 'unassigned' : positiveInt(assignee),
    sort: sort && sorts.includes(sort) ? sort : 'sla_due',
    page: positiveInt(params.get('page')) ?? 1,
    pageSize: PAGE_SIZE,
  };
}

/** The queue page's own URL for a set of filters; defaults are left out to keep it short. */
export function queueHref(filters: TicketFilters): `/?${string}` | '/' {
  const params = new URLSearchParams();
  if (filters.status) params.set('status', filters.status);
  if (filters.queueId) params.set('queueId', String(filters.queueId));
  if (filters.assigneeId) params.set('assigneeId', String(filters.assigneeId));
  if (filters.sort && filters.sort !== 'sla_due') params.set('sort', filters.sort);
  if (filters.page && filters.page > 1) params.set('page', String(filters.page));

  const query = params.toString();
  return query ? `/?${query}` : '/';
}

function positiveInt(value: string | null): number | undefined {
  const number = Number(value);
  return value && Number.isInteger(number) && number > 0 ? number : undefined;
}
