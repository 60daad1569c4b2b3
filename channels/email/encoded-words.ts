// RFC 2047 encoded words, decoded the way split words need: each word to bytes, the bytes of
// neighbouring words in one charset joined, then the charset decoded once. Senders fold long
// headers by bytes, so one character is often split across two words (C09).
import { decodeCharset, normaliseLabel } from './charset.ts';

interface EncodedRun {
  charset: string;
  bytes: Buffer[];
}

type Segment = { literal: string } | EncodedRun;

const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?]*)\?=/g;

/** Decodes every encoded word in a raw header value; repairs found go onto `problems`. */
export function decodeEncodedWords(value: string, problems: string[] = []): string {
  const segments = splitSegments(unfold(value));

  return segments.map((segment) => decodeSegment(segment, problems)).join('');
}

/**
 * Rewrites each run of encoded words as one UTF-8 base64 word holding our own decoding, so an
 * address parser keeps the header's structure while the display name comes out right.
 */
export function reencodeEncodedWords(value: string, problems: string[] = []): string {
  const segments = splitSegments(unfold(value));

  return segments
    .map((segment) => {
      if ('literal' in segment) return segment.literal;
      const text = decodeSegment(segment, problems);
      return `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
    })
    .join('');
}

/** Decodes the text of one Q or B encoded word to its bytes. */
export function decodeWordBytes(encoding: string, text: string): Buffer {
  if (encoding.toUpperCase() === 'B') {
    return Buffer.from(text.replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
  }

  const bytes: number[] = [];
  const source = Buffer.from(text.replace(/_/g, ' '), 'latin1');
  for (let i = 0; i < source.length; i++) {
    const hex = source.subarray(i + 1, i + 3).toString('latin1');
    if (source[i] === 0x3d && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(source[i] ?? 0);
    }
  }
  return Buffer.from(bytes);
}

/** Removes header folding (a line break followed by white space) as RFC 5322 unfolding does. */
export function unfold(value: string): string {
  return value.replace(/\r?\n(?=[ \t])/g, '');
}

function splitSegments(value: string): Segment[] {
  const segments: Segment[] = [];
  let cursor = 0;

  for (const match of value.matchAll(ENCODED_WORD)) {
    const [whole, charset = '', encoding = '', text = ''] = match;
    const between = value.slice(cursor, match.index);
    const previous = segments.at(-1);
    const followsWord = previous !== undefined && !('literal' in previous);

    // White space between two encoded words is not part of the text (RFC 2047 section 6.2).
    if (between && !(followsWord && /^\s+$/.test(between))) segments.push({ literal: between });

    appendWord(segments, normaliseLabel(charset), decodeWordBytes(encoding, text));
    cursor = match.index + whole.length;
  }

  if (cursor < value.length) segments.push({ literal: value.slice(cursor) });
  return segments;
}

function appendWord(segments: Segment[], charset: string, bytes: Buffer): void {
  const previous = segments.at(-1);

  if (previous && !('literal' in previous) && previous.charset === charset) {
    previous.bytes.push(bytes);
    return;
  }

  segments.push({ charset, bytes: [bytes] });
}

function decodeSegment(segment: Segment, problems: string[]): string {
  if ('literal' in segment) return repairRawLiteral(segment.literal, problems);

  const decoded = decodeCharset(Buffer.concat(segment.bytes), segment.charset);
  if (decoded.repair) problems.push(`header: ${decoded.repair}`);
  if (decoded.text.includes('\uFFFD'))
    problems.push('header: undecodable bytes in an encoded word');

  return decoded.text;
}

function repairRawLiteral(literal: string, problems: string[]): string {
  // Raw 8-bit header bytes can reach us as Latin-1 characters; UTF-8 is by far the likelier truth.
  if (!/[\u0080-\u00ff]/.test(literal) || /[\u0100-\uffff]/.test(literal)) return literal;

  const decoded = decodeCharset(Buffer.from(literal, 'latin1'), 'iso-8859-1');
  if (decoded.repair) problems.push('header: raw 8-bit text decoded as UTF-8');
  return decoded.text;
}
