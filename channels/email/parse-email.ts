// Reads one raw email into the facts intake needs: who sent it, what it says, what it answers
// and whether a machine wrote it. mailparser does the MIME work; the headers it gets wrong
// (sender choice, split encoded words, lying charsets, encoded words in addresses) are read
// again from the raw header lines. Every repair is listed in `problems`. Tests:
// tests/channels/email/corpus.test.ts and tests/channels/email/cases.test.ts.
import { simpleParser, type Attachment, type ParsedMail } from 'mailparser';
import {
  headerValues,
  parseAddressList,
  pickSender,
  type HeaderLine,
  type Mailbox,
} from './addresses.ts';
import { createBodyDecoder } from './charset.ts';
import { EmailParseError } from './email-parse-error.ts';
import { decodeEncodedWords } from './encoded-words.ts';
import { renderHtmlAsText } from './html-text.ts';
import { normaliseContentId, referencedContentIds } from './inline-images.ts';

export { EmailParseError } from './email-parse-error.ts';
export type { Mailbox } from './addresses.ts';

/** One attachment; `inline` is true only when the HTML body shows it. */
export interface ParsedAttachment {
  filename: string;
  contentType: string;
  size: number;
  contentId: string | null;
  inline: boolean;
  content: Buffer;
}

/** The raw header values loop and bounce detection looks at; null when absent. */
export interface LoopHeaders {
  autoSubmitted: string | null;
  precedence: string | null;
  listId: string | null;
  returnPath: string | null;
  xAutoreply: string | null;
  xAutorespond: string | null;
  xAutoResponseSuppress: string | null;
  contentType: string | null;
}

/** An email as intake stores it. `subject` is as received; see subject.ts to normalise. */
export interface ParsedEmail {
  messageId: string | null;
  inReplyTo: string[];
  references: string[];
  from: Mailbox | null;
  to: Mailbox[];
  cc: Mailbox[];
  replyTo: Mailbox[];
  subject: string;
  date: string | null;
  bodyType: 'text/plain' | 'text/html';
  text: string;
  html: string | null;
  attachments: ParsedAttachment[];
  headers: LoopHeaders;
  problems: string[];
}

/** Parses raw email bytes; throws EmailParseError only when the bytes are not an email at all. */
export async function parseEmail(raw: Buffer): Promise<ParsedEmail> {
  if (raw.toString('latin1').trim() === '') throw EmailParseError.empty();

  const problems: string[] = [];
  const mail = await readMime(raw, problems);
  const lines: readonly HeaderLine[] = mail.headerLines;
  if (lines.length === 0) throw EmailParseError.noHeaders();

  const html = typeof mail.html === 'string' ? mail.html : null;
  const text = html === null ? (mail.text ?? '') : renderHtmlAsText(html);
  if (text.includes('\uFFFD')) problems.push('body: undecodable bytes in the text');

  return {
    messageId: firstMessageId(lines, problems),
    inReplyTo: messageIds(headerValues(lines, 'in-reply-to').join(' ')),
    references: messageIds(headerValues(lines, 'references').join(' ')),
    from: pickSender(lines, problems),
    to: parseAddressList(lines, 'to', problems),
    cc: parseAddressList(lines, 'cc', problems),
    replyTo: parseAddressList(lines, 'reply-to', problems),
    subject: readSubject(lines, problems),
    date: readDate(lines, problems),
    bodyType: html === null ? 'text/plain' : 'text/html',
    text,
    html,
    attachments: readAttachments(mail, html),
    headers: readLoopHeaders(lines),
    problems,
  };
}

/** Extracts Message-IDs (without angle brackets) from a header value, in order. */
export function messageIds(value: string): string[] {
  const bracketed = [...value.matchAll(/<([^<>\s]+)>/g)].map((match) => match[1] ?? '');
  if (bracketed.length > 0) return bracketed;

  // Some senders leave the brackets off; a bare token with an '@' is still an id.
  return value.split(/[\s,]+/).filter((token) => token.includes('@'));
}

async function readMime(raw: Buffer, problems: string[]): Promise<ParsedMail> {
  try {
    return await simpleParser(raw, {
      keepCidLinks: true,
      keepDeliveryStatus: true,
      skipTextLinks: true,
      Iconv: createBodyDecoder(problems),
    });
  } catch (error) {
    throw EmailParseError.unreadable(error);
  }
}

function firstMessageId(lines: readonly HeaderLine[], problems: string[]): string | null {
  const value = headerValues(lines, 'message-id')[0];
  const id = value === undefined ? undefined : messageIds(value)[0];
  if (id) return id;

  problems.push(value === undefined ? 'message-id: missing' : 'message-id: empty or malformed');
  return null;
}

function readSubject(lines: readonly HeaderLine[], problems: string[]): string {
  const values = headerValues(lines, 'subject');
  if (values.length > 1) problems.push('subject: several Subject headers; the first is used');

  return decodeEncodedWords(values[0] ?? '', problems);
}

function readDate(lines: readonly HeaderLine[], problems: string[]): string | null {
  // Read from the raw header: mailparser substitutes the current time for a bad date, which
  // would file an old message as new.
  const value = headerValues(lines, 'date')[0];
  if (value === undefined) {
    problems.push('date: missing');
    return null;
  }

  const time = Date.parse(value);
  if (Number.isFinite(time)) return new Date(time).toISOString();

  // A missing line break can run the next header into the date (corpus mail107).
  const prefix = /^.*?\d{1,2}:\d{2}(?::\d{2})?\s*(?:[+-]\d{4}|UTC?|GMT|[ECMP][SD]T|Z)?/i.exec(
    value,
  );
  const salvaged = prefix ? Date.parse(prefix[0]) : NaN;
  problems.push(Number.isFinite(salvaged) ? 'date: trailing text ignored' : 'date: unparseable');

  return Number.isFinite(salvaged) ? new Date(salvaged).toISOString() : null;
}

function readLoopHeaders(lines: readonly HeaderLine[]): LoopHeaders {
  const first = (key: string) => headerValues(lines, key)[0] ?? null;

  return {
    autoSubmitted: first('auto-submitted'),
    precedence: first('precedence'),
    listId: first('list-id'),
    returnPath: first('return-path'),
    xAutoreply: first('x-autoreply'),
    xAutorespond: first('x-autorespond'),
    xAutoResponseSuppress: first('x-auto-response-suppress'),
    contentType: first('content-type'),
  };
}

function readAttachments(mail: ParsedMail, html: string | null): ParsedAttachment[] {
  const shownInHtml = referencedContentIds(html);

  return mail.attachments.map((attachment, index) => {
    const contentId = attachment.cid ? normaliseContentId(attachment.cid) : null;

    return {
      filename: attachment.filename || generatedFilename(attachment, index),
      contentType: attachment.contentType,
      size: attachment.size,
      contentId: attachment.cid ?? null,
      inline: contentId !== null && shownInHtml.has(contentId),
      content: attachment.content,
    };
  });
}

function generatedFilename(attachment: Attachment, index: number): string {
  if (attachment.contentType === 'message/rfc822') return `${embeddedSubject(attachment)}.eml`;
  if (attachment.contentType === 'message/delivery-status') return 'delivery-status.txt';

  const subtype = attachment.contentType.split('/')[1] ?? '';
  const extension = /^[a-z0-9]{1,5}$/.test(subtype) ? subtype : 'bin';
  return `attachment-${index + 1}.${extension}`;
}

function embeddedSubject(attachment: Attachment): string {
  // A returned message is named after its own subject, as mail programs show it.
  const head = attachment.content.toString('latin1').split(/\r?\n\r?\n/, 1)[0] ?? '';
  const match = /^subject:[ \t]*((?:.*)(?:\r?\n[ \t].*)*)/im.exec(head);
  const subject = match?.[1] ? decodeEncodedWords(match[1]).trim() : '';

  return subject.replace(/[\\/:*?"<>|\r\n]+/g, ' ').trim() || 'message';
}
