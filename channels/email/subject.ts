// Subject normalisation for matching and display only; the stored subject stays as received.
// Reply and forward prefixes differ by language and client, and one word can mean reply in one
// language and forward in another (VS:), so prefixes never decide threading (C07).

// Reply: Re RE AW Aw SV Sv VS Antw Antwort Odp R RIF RES Réf; forward: Fwd FW Fw WG TR RV I VL
// VB Doorst ENC PD. Matched case-insensitively, with an optional count (Re[2], Re(2), Re^2).
const PREFIX_WORDS = [
  're',
  'aw',
  'sv',
  'vs',
  'antw',
  'antwort',
  'odp',
  'r',
  'rif',
  'res',
  'réf',
  'ref',
  'ynt',
  'fwd',
  'fw',
  'wg',
  'tr',
  'rv',
  'i',
  'vl',
  'vb',
  'doorst',
  'enc',
  'pd',
  'fs',
  '回复',
  '答复',
  '转发',
];
const PREFIX = new RegExp(
  `^\\s*(?:${PREFIX_WORDS.join('|')})\\s*(?:\\[(\\d+)\\]|\\((\\d+)\\)|\\^(\\d+))?\\s*[:：]\\s*`,
  'iu',
);
const TICKET_TAG = /\[#(\d{1,12})\]/;
const LEADING_TAG = /^\s*\[#\d{1,12}\]\s*/;

/** Strips leading reply/forward prefixes (stacked, any language) and our `[#n]` ticket tag. */
export function normaliseSubject(subject: string): string {
  return stripLeading(subject).rest.replace(/\s+/g, ' ').trim();
}

/** Counts the leading reply/forward prefixes, `Re[3]:` counting three. */
export function subjectPrefixDepth(subject: string): number {
  return stripLeading(subject).depth;
}

/** Returns the ticket number of the first `[#n]` tag in the subject, or null. */
export function extractTicketTag(subject: string): number | null {
  const match = TICKET_TAG.exec(subject);
  return match?.[1] ? Number(match[1]) : null;
}

function stripLeading(subject: string): { rest: string; depth: number } {
  let rest = subject;
  let depth = 0;

  for (;;) {
    const tag = LEADING_TAG.exec(rest);
    const prefix = PREFIX.exec(rest);
    const match = tag ?? prefix;
    if (!match) return { rest, depth };

    if (match === prefix) depth += Number(prefix[1] ?? prefix[2] ?? prefix[3] ?? 1);
    rest = rest.slice(match[0].length);
  }
}
