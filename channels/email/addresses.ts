// Address headers read from their raw lines. A display name is decoded by our own RFC 2047
// decoder; the addr-spec is never rebuilt from decoded text, so an encoded word cannot smuggle
// in another address or domain (the spoofing trick in corpus mail117).
import { parseAddressHeader } from 'mailparser';
import { decodeWordBytes, reencodeEncodedWords, unfold } from './encoded-words.ts';

/** One mailbox: its addr-spec and display name ('' when none). */
export interface Mailbox {
  address: string;
  name: string;
}

/** A raw header line as mailparser keeps it: lower-case key and the whole folded line. */
export interface HeaderLine {
  key: string;
  line: string;
}

// RFC 5322 atext plus dots: what a dot-atom local part may contain.
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/;
const ENCODED_LOCAL_PART = /=\?[^?\s]+\?([BbQq])\?(\S*?)\?=@/g;

/** Returns the raw values of every header named `key`, in order, unfolded. */
export function headerValues(lines: readonly HeaderLine[], key: string): string[] {
  return lines
    .filter((line) => line.key === key)
    .map((line) => unfold(line.line.slice(line.line.indexOf(':') + 1)).trim());
}

/** Parses one raw address header value into mailboxes that have an address, groups flattened. */
export function parseMailboxes(value: string, problems: string[] = []): Mailbox[] {
  const repaired = reencodeEncodedWords(decodeLocalParts(value, problems), problems);
  const parsed = parseAddressHeader(repaired, { flatten: true });

  return parsed.value
    .filter((entry) => (entry.address ?? '').includes('@'))
    .map((entry) => ({ address: entry.address ?? '', name: (entry.name ?? '').trim() }));
}

/** Parses every header named `key` (To, Cc) into one list of mailboxes. */
export function parseAddressList(
  lines: readonly HeaderLine[],
  key: string,
  problems: string[],
): Mailbox[] {
  return headerValues(lines, key).flatMap((value) => parseMailboxes(value, problems));
}

/**
 * Finds the sender: the first From header that names a real address, else Sender, else
 * Reply-To; each fallback is recorded in `problems` because threading and replies depend on it.
 */
export function pickSender(lines: readonly HeaderLine[], problems: string[]): Mailbox | null {
  const fromValues = headerValues(lines, 'from');
  if (fromValues.length > 1)
    problems.push(`from: ${fromValues.length} From headers; the first valid one is used`);

  for (const value of fromValues) {
    const mailbox = parseMailboxes(value, problems)[0];
    if (mailbox) return mailbox;
  }

  if (fromValues.length > 0) problems.push('from: no From header names a valid address');
  return pickFallbackSender(lines, problems);
}

function pickFallbackSender(lines: readonly HeaderLine[], problems: string[]): Mailbox | null {
  for (const key of ['sender', 'reply-to']) {
    const mailbox = headerValues(lines, key).flatMap((value) => parseMailboxes(value, problems))[0];
    if (mailbox) {
      problems.push(`from: sender taken from the ${key} header`);
      return mailbox;
    }
  }

  problems.push('from: the message names no sender');
  return null;
}

function decodeLocalParts(value: string, problems: string[]): string {
  // RFC 2047 forbids encoded words in an addr-spec. We accept the decoding only when it is a
  // plain local part, so nothing decoded can add an '@', a bracket or a second address.
  return value.replace(ENCODED_LOCAL_PART, (whole, encoding: string, text: string) => {
    const local = decodeWordBytes(encoding, text).toString('latin1');
    if (!LOCAL_PART.test(local)) {
      problems.push('address: an encoded word in an address was left undecoded');
      return whole;
    }

    problems.push('address: an encoded word in an address local part was decoded');
    return `${local}@`;
  });
}
