// Plain-text rendering of an HTML body: what we index, hash and compare. Headings keep their
// case (the converter's default upper-cases them) so quoted phrases still match the sender's words.
import { convert } from 'html-to-text';

const headingSelectors = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({
  selector,
  options: { uppercase: false },
}));

/** Renders HTML as readable plain text: no images, links as their text, headings as written. */
export function renderHtmlAsText(html: string): string {
  // A multipart/mixed body is several HTML documents joined, and the converter stops at the
  // first </html>; unwrapping each document keeps the later parts' text.
  const unwrapped = html
    .replace(/<head[\s\S]*?<\/head\s*>/gi, '')
    .replace(/<\/?(?:html|body)\b[^>]*>/gi, '');

  return convert(unwrapped, {
    wordwrap: false,
    selectors: [
      ...headingSelectors,
      { selector: 'img', format: 'skip' },
      { selector: 'a', options: { ignoreHref: true } },
    ],
  }).trim();
}
