// Secrets the local services need across restarts (the PostgreSQL password, the
// Meilisearch master key), generated once and kept beside the data they protect.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Reads a secret kept in the data folder, creating it on first use so data survives restarts. */
export function readOrCreateSecret(file: string): string {
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();

  const secret = crypto.randomBytes(24).toString('base64url');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
