// Identities: the addresses by which one requester reaches us — an email address, a phone
// number, a social platform's sender id — and how each is normalised before it is compared,
// so "Pat@Example.com" and "pat@example.com", or "+49 (30) 1234-567" and "0049301234567",
// name the same person. Pure functions; tests in tests/channels/identity-*.test.ts.

/** The kinds of identity a requester can have; social ones are `social:<platform>`. */
export const IdentityKind = {
  Email: 'email',
  Phone: 'phone',
} as const;

export interface Identity {
  /** `email`, `phone` or `social:<platform>` (stored as requester_identity.channel). */
  kind: string;
  address: string;
}

const minPhoneDigits = 5;
const maxPhoneDigits = 15;

/** Lower-cased and trimmed; the whole address is the identity. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Phone numbers to E.164-ish form: separators dropped, a leading `00` read as `+`, at most 15
 * digits. A number without a country prefix keeps its digits as given (we cannot guess the
 * country). Null when what is left is not a phone number.
 */
export function normalisePhone(phone: string): string | null {
  const compact = phone.trim().replace(/[\s().\-/]/g, '');
  const international = compact.startsWith('+') || compact.startsWith('00');
  const digits = compact.replace(/^\+|^00/, '');
  if (!/^\d+$/.test(digits)) return null;
  if (digits.length < minPhoneDigits || digits.length > maxPhoneDigits) return null;
  return international ? `+${digits}` : digits;
}

/** A social platform's sender id as an identity kind, e.g. `social:mastodon`. */
export function socialIdentityKind(platform: string): string {
  return `social:${platform.trim().toLowerCase()}`;
}

/** Normalises one identity, or null when its address is empty or not valid for its kind. */
export function normaliseIdentity(identity: Identity): Identity | null {
  const address = identity.address.trim();
  if (address.length === 0) return null;
  if (identity.kind === IdentityKind.Email)
    return { kind: identity.kind, address: normaliseEmail(address) };
  if (identity.kind === IdentityKind.Phone) {
    const phone = normalisePhone(address);
    return phone === null ? null : { kind: identity.kind, address: phone };
  }
  return { kind: identity.kind, address };
}

/** Normalised, without duplicates or invalid entries, in the order given. */
export function normaliseIdentities(identities: Identity[]): Identity[] {
  const seen = new Set<string>();
  const result: Identity[] = [];
  for (const identity of identities) {
    const normal = normaliseIdentity(identity);
    if (normal === null) continue;
    const key = `${normal.kind}\u0001${normal.address}`;
    if (seen.has(key)) continue;
    seen.add(key);
    result.push(normal);
  }
  return result;
}
