// Browser-side protection for every page and API answer: no MIME sniffing, no referrer
// leaking ticket URLs to other sites, and no framing of the agent workspace, so another
// site cannot overlay it and trick a signed-in agent into clicking (clickjacking). The
// customer-facing pages (help center, chat widget, contact form) are meant to be embedded
// in a customer's own site, so they may be framed by anyone.
import type { RequestHandler } from 'express';

/** Path prefixes of pages a customer's website may show in an iframe. */
const embeddablePrefixes = ['/help', '/chat', '/contact', '/survey'];

function isEmbeddable(path: string): boolean {
  return embeddablePrefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

export const pageSecurityHeaders: RequestHandler = (req, res, next) => {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'same-origin');

  if (!isEmbeddable(req.path)) {
    res.setHeader('Content-Security-Policy', "frame-ancestors 'none'");
    res.setHeader('X-Frame-Options', 'DENY');
  }
  next();
};
