// Turns a KB article's Markdown into what readers and the index see. The HTML goes through
// the same sanitiser as inbound mail (channels/html-sanitizer.ts), so an article author can
// never place a script, handler or tracking image in front of a customer. Pure; tests in
// tests/kb/kb-pure.test.ts.
import { Marked } from 'marked';
import { sanitizeMessageHtml } from '../channels/html-sanitizer.ts';

// A parser of our own, so no other module's marked options can change what we render.
const markdown = new Marked({ gfm: true, breaks: false, async: false });

/** Renders Markdown to sanitised HTML, safe to show in the workspace and the help center. */
export function renderKbMarkdown(source: string): string {
  const html = markdown.parse(source, { async: false });
  return sanitizeMessageHtml({ html, inlineImageUrl: () => null });
}

/** The words of a Markdown text without its markup, for the search index and snippets. */
export function kbMarkdownToText(source: string): string {
  const html = markdown.parse(source, { async: false });
  return decodeEntities(html.replace(/<[^>]*>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
}

const entities: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
};

function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (entity) => entities[entity] ?? entity);
}
