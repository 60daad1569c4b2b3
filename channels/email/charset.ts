// Turns bytes in a declared charset into text for email headers and bodies. Real mail lies
// about its charset (UTF-8 labelled us-ascii or iso-8859-1) and Japanese mail labels the
// Microsoft/NEC extensions (㈱, ①) plain ISO-2022-JP, so the label is a hint, not the truth.
import { Transform, type TransformCallback } from 'node:stream';
import Encoding from 'encoding-japanese';
import iconv from 'iconv-lite';

/** Text decoded from bytes, and what had to be repaired to get it (null when nothing). */
export interface DecodedText {
  text: string;
  repair: string | null;
}

const JIS_LABEL = /^(?:iso-?2022-?jp(?:-\d|-ms|-ext)?|cp5022[012]|csiso2022jp|jis)$/;
const LATIN_LABEL =
  /^(?:(?:us-?)?ascii|ansi_x3\.4-1968|iso-?8859-?(?:1|15)|latin-?1|l1|windows-?1252|cp-?1252)$/;
const UTF8_LABEL = /^utf-?8$/;
const ALIASES: Record<string, string> = {
  'ks_c_5601-1987': 'cp949',
  ks_c_5601: 'cp949',
  'x-unknown': 'utf-8',
  'unknown-8bit': 'utf-8',
  gb2312: 'gbk',
};

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes bytes declared in `label`, repairing lying labels; never throws. */
export function decodeCharset(bytes: Buffer, label: string | null | undefined): DecodedText {
  const name = normaliseLabel(label);

  if (JIS_LABEL.test(name)) {
    return { text: decodeJis(bytes), repair: null };
  }

  if (isAscii(bytes)) {
    return { text: bytes.toString('latin1'), repair: null };
  }

  if ((LATIN_LABEL.test(name) || UTF8_LABEL.test(name)) && isUtf8(bytes)) {
    const repair = UTF8_LABEL.test(name)
      ? null
      : `text labelled ${name} is UTF-8; decoded as UTF-8`;
    return { text: bytes.toString('utf8'), repair };
  }

  if (UTF8_LABEL.test(name) || LATIN_LABEL.test(name)) {
    const repair = UTF8_LABEL.test(name)
      ? 'text labelled utf-8 is not; decoded as windows-1252'
      : null;
    return { text: iconv.decode(bytes, 'windows-1252'), repair };
  }

  return decodeWithIconv(bytes, name);
}

/** Lower-cases a charset label, drops an RFC 2231 language tag and resolves known aliases. */
export function normaliseLabel(label: string | null | undefined): string {
  const name = (label ?? 'utf-8').trim().toLowerCase().replace(/\*.*$/, '');
  return ALIASES[name] ?? name;
}

/**
 * A stand-in for the `iconv` module's stream class, so mailparser hands us each text body's
 * bytes and its declared charset; problems found while decoding are pushed onto `problems`.
 */
export function createBodyDecoder(problems: string[]) {
  return class CharsetRepairingDecoder extends Transform {
    readonly label: string;
    readonly chunks: Buffer[] = [];

    constructor(fromCharset: string, _toCharset: string) {
      super();
      this.label = fromCharset;
    }

    override _transform(chunk: Buffer, _encoding: string, done: TransformCallback): void {
      this.chunks.push(chunk);
      done();
    }

    override _flush(done: TransformCallback): void {
      // Decoding once at the end keeps multibyte characters split across chunks intact.
      const decoded = decodeCharset(Buffer.concat(this.chunks), this.label);
      if (decoded.repair) problems.push(`body: ${decoded.repair}`);

      this.push(Buffer.from(decoded.text, 'utf8'));
      done();
    }
  };
}

function decodeJis(bytes: Buffer): string {
  // encoding-japanese reads JIS as the CP50221 superset: NEC row 13 and IBM extensions included.
  return Encoding.convert(bytes, { from: 'JIS', to: 'UNICODE', type: 'string' });
}

function decodeWithIconv(bytes: Buffer, name: string): DecodedText {
  if (iconv.encodingExists(name)) {
    return { text: iconv.decode(bytes, name), repair: null };
  }

  if (isUtf8(bytes)) {
    return { text: bytes.toString('utf8'), repair: `unknown charset ${name}; decoded as UTF-8` };
  }

  const text = iconv.decode(bytes, 'windows-1252');
  return { text, repair: `unknown charset ${name}; decoded as windows-1252` };
}

function isAscii(bytes: Buffer): boolean {
  return bytes.every((byte) => byte < 0x80);
}

function isUtf8(bytes: Buffer): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}
