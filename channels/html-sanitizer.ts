// Makes inbound HTML safe to show agents: a maintained sanitiser (sanitize-html) keeps
// formatting and drops scripts, handlers and styles that could leak; images may only come
// from our own attachment store — inline `cid:` images are rewritten to it (RFC 2392) and
// every remote image is blocked, so opening a ticket never tells a sender it was read.
import sanitizeHtml from 'sanitize-html';
import { normaliseContentId } from './email/inline-images.ts';

const ownAttachmentUrl = /^\/api\/attachments\/\d+$/;

/** Sanitises untrusted message HTML; `inlineImageUrl` maps a Content-ID to our URL or null. */
export function sanitizeMessageHtml(options: {
  html: string;
  inlineImageUrl: (contentId: string) => string | null;
}): string {
  return sanitizeHtml(options.html, {
    allowedTags: sanitizeHtml.defaults.allowedTags.concat(['img', 'span', 'font', 'center']),
    allowedAttributes: {
      a: ['href', 'title'],
      img: ['src', 'alt', 'title', 'width', 'height'],
      td: ['colspan', 'rowspan', 'align'],
      th: ['colspan', 'rowspan', 'align'],
      '*': ['dir', 'lang'],
    },
    allowedSchemes: ['http', 'https', 'mailto', 'tel'],
    allowedSchemesByTag: { img: [] },
    allowProtocolRelative: false,
    transformTags: {
      a: (tagName, attribs) => ({
        tagName,
        attribs: { ...attribs, rel: 'noopener noreferrer nofollow', target: '_blank' },
      }),
      img: (tagName, attribs) => ({
        tagName,
        attribs: { ...attribs, src: imageSource(attribs.src ?? '', options.inlineImageUrl) },
      }),
    },
    exclusiveFilter: (frame) =>
      frame.tag === 'img' && !ownAttachmentUrl.test(frame.attribs.src ?? ''),
  });
}

function imageSource(src: string, inlineImageUrl: (contentId: string) => string | null): string {
  const trimmed = src.trim();
  const contentId = /^cid:/i.test(trimmed) ? trimmed.slice(4) : trimmed;
  if (/^[a-z][a-z0-9+.-]*:/i.test(contentId) || contentId.startsWith('//')) return '';
  return inlineImageUrl(normaliseContentId(contentId)) ?? '';
}
