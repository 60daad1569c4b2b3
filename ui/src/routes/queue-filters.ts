// The queue page keeps its view, filters and sort in the URL, so a filtered view can be
// bookmarked, shared and navigated with the back button. These two functions translate both
// ways; values the API would refuse are dropped rather than sent.
import {
  inboxViews,
  type InboxFilters,
  type InboxSort,
  type InboxView,
} from '../../../api/inbox-contract.ts';
import {
  channels,
  priorities,
  ticketStatuses,
  type Channel,
  type Priority,
  type TicketStatus,
} from '../../../workflows/ticket/vocabulary.ts';

export const PAGE_SIZE = 50;

/** The view an agent lands on: their own tickets. */
export const DEFAULT_VIEW: InboxView = 'mine';

const sorts: InboxSort[] = ['sla_due', 'updated', 'created'];

/** Reads the view and filters from the page URL, ignoring values the API would refuse. */
export function filtersFromUrl(url: URL): InboxFilters {
  const params = url.searchParams;
  const view = params.get('view') as InboxView | null;
  const sort = params.get('sort') as InboxSort | null;
  const assignee = params.get('assigneeId');
  const tag = params.get('tag')?.trim().toLowerCase();

  return {
    view: view && inboxViews.includes(view) ? view : DEFAULT_VIEW,
    status: listParam<TicketStatus>(params.get('status'), ticketStatuses),
    priority: listParam<Priority>(params.get('priority'), priorities),
    channel: listParam<Channel>(params.get('channel'), channels),
    tag: tag ? tag : undefined,
    queueId: positiveInt(params.get('queueId')),
    assigneeId: assignee === 'unassigned' ? 'unassigned' : positiveInt(assignee),
    sort: sort && sorts.includes(sort) ? sort : 'sla_due',
    page: positiveInt(params.get('page')) ?? 1,
    pageSize: PAGE_SIZE,
  };
}

/** The queue page's own URL for a view and filters; defaults are left out to keep it short. */
export function queueHref(filters: Partial<InboxFilters>): `/?${string}` | '/' {
  const params = new URLSearchParams();
  if (filters.view && filters.view !== DEFAULT_VIEW) params.set('view', filters.view);
  if (filters.status?.length) params.set('status', filters.status.join(','));
  if (filters.priority?.length) params.set('priority', filters.priority.join(','));
  if (filters.channel?.length) params.set('channel', filters.channel.join(','));
  if (filters.tag) params.set('tag', filters.tag);
  if (filters.queueId) params.set('queueId', String(filters.queueId));
  if (filters.assigneeId) params.set('assigneeId', String(filters.assigneeId));
  if (filters.sort && filters.sort !== 'sla_due') params.set('sort', filters.sort);
  if (filters.page && filters.page > 1) params.set('page', String(filters.page));

  const query = params.toString();
  return query ? `/?${query}` : '/';
}

function listParam<T extends string>(value: string | null, allowed: readonly T[]): T[] {
  if (!value) return [];
  return value.split(',').filter((item): item is T => allowed.includes(item as T));
}

function positiveInt(value: string | null): number | undefined {
  const number = Number(value);
  return value && Number.isInteger(number) && number > 0 ? number : undefined;
}
