// Decides which related parts are shown inside the HTML. Outlook puts images in
// multipart/related with a Content-ID but no Content-Disposition (C12), so the disposition
// cannot decide; the HTML's own references do.

const SOURCE_ATTRIBUTE = /\b(?:src|background)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi;
const CID_URL = /\bcid:([^"'\s)>]+)/gi;

/** Returns the Content-IDs the HTML refers to, normalised as {@link normaliseContentId} does. */
export function referencedContentIds(html: string | null): Set<string> {
  const references = new Set<string>();
  if (!html) return references;

  for (const match of html.matchAll(SOURCE_ATTRIBUTE)) {
    // A bare content-id in src (no cid: scheme) is a known client quirk; accept it too.
    const value = match[1] ?? match[2] ?? match[3] ?? '';
    references.add(normaliseContentId(value.replace(/^cid:/i, '')));
  }

  for (const match of html.matchAll(CID_URL)) references.add(normaliseContentId(match[1] ?? ''));
  return references;
}

/** Strips angle brackets and percent-decodes a Content-ID or cid: URL, as RFC 2392 matches them. */
export function normaliseContentId(value: string): string {
  const bare = value.trim().replace(/^<|>$/g, '');

  try {
    return decodeURIComponent(bare).toLowerCase();
  } catch {
    return bare.toLowerCase();
  }
}
