// Password hashing for sign-in accounts: argon2id through @node-rs/argon2 (a prebuilt
// binary shipped as an npm package), with the library's defaults (19 MiB, 2 passes), which
// follow the OWASP recommendation for argon2id.
import { hash, verify } from '@node-rs/argon2';

// A real hash of a random password, checked when the email is unknown, so a failed sign-in
// takes as long whether or not the account exists.
const unknownAccountHash =
  '$argon2id$v=19$m=19456,t=2,p=1$f5r/z/joyu8P/DJYcIweKg$8N5oa+/Gf9Ihs4CYmfWn7WRCXbJhouyDAhFVKuYzHJo';

/** Hashes a password for storage in `agent_account.password_hash`. */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

/** True when the password matches the stored hash; a missing hash never matches. */
export async function isPasswordCorrect(
  storedHash: string | null,
  password: string,
): Promise<boolean> {
  const matches = await verify(storedHash ?? unknownAccountHash, password);
  return storedHash !== null && matches;
}
