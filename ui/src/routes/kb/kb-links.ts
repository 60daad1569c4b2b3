// Addresses of the agents' KB search, so a search with its facets can be shared as a link.

/** The KB search filters that live in the address. */
export interface KbSearchFilters {
  q?: string;
  team?: string;
  tag?: string;
  language?: string;
  audience?: string;
  status?: string;
  page?: number;
}

/** The names of the filters, in the order the address lists them. */
export const kbFilterNames = [
  'q',
  'team',
  'tag',
  'language',
  'audience',
  'status',
  'page',
] as const;

/** The KB search page for these filters; empty ones are left out. */
export function kbSearchHref(filters: KbSearchFilters): `/kb?${string}` {
  const query = new URLSearchParams();
  for (const name of kbFilterNames) {
    const value = filters[name];
    if (value !== undefined && value !== '') query.set(name, String(value));
  }
  return `/kb?${query}`;
}

/** Reads the filters from an address. */
export function readKbFilters(url: URL): KbSearchFilters {
  const filters: Record<string, string> = {};
  for (const name of kbFilterNames) {
    const value = url.searchParams.get(name);
    if (value) filters[name] = value;
  }
  const page = Number(filters.page ?? 1);
  return { ...filters, page: Number.isInteger(page) && page > 0 ? page : 1 };
}
