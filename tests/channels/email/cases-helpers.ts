// Shared helpers for the email case tests: where the shared cases live, and raw-message edits.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const casesDir = path.resolve(repoRoot, '../shared/cases');

/** Reads one shared case file as bytes, exactly as a mailbox would deliver it. */
export function readCase(file: string): Buffer {
  return readFileSync(path.join(casesDir, file));
}

/** Returns the message with its Subject header replaced by `subject`. */
export function withSubject(raw: Buffer, subject: string): Buffer {
  return Buffer.from(
    raw.toString('latin1').replace(/^Subject:.*$/m, `Subject: ${subject}`),
    'latin1',
  );
}

/** Returns the message with the first occurrence of `from` replaced by `to`. */
export function replacing(raw: Buffer, from: string | RegExp, to: string): Buffer {
  return Buffer.from(raw.toString('latin1').replace(from, to), 'latin1');
}
