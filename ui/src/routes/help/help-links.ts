// Addresses of help center result pages, so a search and its pages can be shared as links.

/** The help center search for `q` in `language` (all when empty) at `page`. */
export function helpSearchHref(options: {
  q: string;
  language: string;
  page: number;
}): `/help?${string}` {
  const query = new URLSearchParams({ q: options.q, page: String(options.page) });
  if (options.language) query.set('language', options.language);
  return `/help?${query}`;
}
