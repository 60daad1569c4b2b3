// Requesters across channels: finding the one person behind an inbound message's identities,
// merging requesters automatically when one message proves two are the same person (the same
// email or phone arrives beside another identity), and the agents' manual merge. Every merge
// is recorded in requester_merge; the merged requester keeps its row (merged_into_id) so old
// links still resolve, and its identities, tickets, messages and chats follow the survivor.
// Runs inside the caller's transaction (intake's, or the merge route's). Tests:
// tests/channels/identity-*.test.ts.
import type { EntityManager } from '../../db/orm.ts';
import { IdentityKind, normaliseIdentities, type Identity } from './identities.ts';

type Row = Record<string, unknown>;

export interface RequesterMergeRecord {
  fromRequesterId: number;
  intoRequesterId: number;
  byAgentId: number | null;
  reason: string;
}

/** Why a merge was refused: the ids are the same, or one side was merged away already. */
export class RequesterMergeRefused extends Error {
  readonly status: 404 | 409 | 422;

  constructor(message: string, status: 404 | 409 | 422) {
    super(message);
    this.name = 'RequesterMergeRefused';
    this.status = status;
  }

  static unknown(id: number): RequesterMergeRefused {
    return new RequesterMergeRefused(`requester ${id} does not exist`, 404);
  }

  static alreadyMerged(id: number, intoId: number): RequesterMergeRefused {
    return new RequesterMergeRefused(
      `requester ${id} was already merged into requester ${intoId}; merge that one instead`,
      409,
    );
  }

  static sameRequester(id: number): RequesterMergeRefused {
    return new RequesterMergeRefused(`requester ${id} cannot be merged into itself`, 422);
  }
}

/**
 * Finds the requester any of these identities belongs to, or creates one. When the identities
 * belong to several requesters, they are one person: the younger ones are merged into the
 * oldest, recorded with the identity that proved it. Identities not yet known are added.
 */
export async function resolveRequesterByIdentities(
  em: EntityManager,
  options: { name: string | null; identities: Identity[] },
): Promise<number> {
  const identities = normaliseIdentities(options.identities);
  const owners = await ownersOf(em, identities);

  const requesterId =
    owners.length === 0 ? await createRequester(em, options.name, identities) : owners[0]!.id;

  for (const younger of owners.slice(1)) {
    await mergeRequesters(em, {
      fromRequesterId: younger.id,
      intoRequesterId: requesterId,
      byAgentId: null,
      reason: `same ${younger.matchedKind} ${younger.matchedAddress}`,
    });
  }

  await addIdentities(em, requesterId, identities);
  await fillMissingContact(em, requesterId, options.name, identities);
  return requesterId;
}

/**
 * Moves everything of one requester to another and records why and by whom. Refuses to merge a
 * requester into itself or to touch one merged already; the caller runs it in a transaction.
 */
export async function mergeRequesters(
  em: EntityManager,
  merge: RequesterMergeRecord,
): Promise<void> {
  if (merge.fromRequesterId === merge.intoRequesterId) {
    throw RequesterMergeRefused.sameRequester(merge.fromRequesterId);
  }
  await lockLive(em, merge.fromRequesterId);
  await lockLive(em, merge.intoRequesterId);

  const from = merge.fromRequesterId;
  const into = merge.intoRequesterId;
  await em.execute(`update requester_identity set requester_id = ? where requester_id = ?`, [
    into,
    from,
  ]);
  await em.execute('update ticket set requester_id = ? where requester_id = ?', [into, from]);
  await em.execute('update message set requester_id = ? where requester_id = ?', [into, from]);
  await em.execute('update chat_conversation set requester_id = ? where requester_id = ?', [
    into,
    from,
  ]);
  await em.execute(
    `update requester r set name = coalesce(r.name, f.name), email = coalesce(r.email, f.email)
     from requester f where r.id = ? and f.id = ?`,
    [into, from],
  );
  await em.execute('update requester set merged_into_id = ? where id = ?', [into, from]);
  await em.execute(
    `insert into requester_merge (from_requester_id, into_requester_id, by_agent_id, reason)
     values (?, ?, ?, ?)`,
    [from, into, merge.byAgentId, merge.reason],
  );
}

/** Follows merges to the requester that survives today (a merged id still resolves). */
export async function survivingRequesterId(
  em: EntityManager,
  requesterId: number,
): Promise<number | null> {
  const rows: Row[] = await em.execute(
    `with recursive chain(id, merged_into_id, depth) as (
       select id, merged_into_id, 0 from requester where id = ?
       union all
       select r.id, r.merged_into_id, c.depth + 1 from requester r
       join chain c on r.id = c.merged_into_id where c.depth < 50
     )
     select id from chain where merged_into_id is null limit 1`,
    [requesterId],
  );
  return rows[0] === undefined ? null : Number(rows[0].id);
}

interface Owner {
  id: number;
  matchedKind: string;
  matchedAddress: string;
}

/** The distinct live requesters owning any of the identities, oldest first. */
async function ownersOf(em: EntityManager, identities: Identity[]): Promise<Owner[]> {
  if (identities.length === 0) return [];
  const pairs = identities.map(() => '(?, ?)').join(', ');
  const rows: Row[] = await em.execute(
    `select distinct on (i.requester_id) i.requester_id, i.channel, i.address
     from requester_identity i
     where (i.channel, i.address) in (${pairs})
     order by i.requester_id, i.channel`,
    identities.flatMap((i) => [i.kind, i.address]),
  );
  return rows.map((row) => ({
    id: Number(row.requester_id),
    matchedKind: String(row.channel),
    matchedAddress: String(row.address),
  }));
}

async function createRequester(
  em: EntityManager,
  name: string | null,
  identities: Identity[],
): Promise<number> {
  const email = identities.find((i) => i.kind === IdentityKind.Email)?.address ?? null;
  const rows: Row[] = await em.execute(
    'insert into requester (name, email) values (?, ?) returning id',
    [name, email],
  );
  return Number(rows[0]!.id);
}

// A concurrent intake may have added the same identity a moment ago: the unique (channel,
// address) keeps one row, and the merge above already moved any other owner's rows here.
async function addIdentities(
  em: EntityManager,
  requesterId: number,
  identities: Identity[],
): Promise<void> {
  for (const identity of identities) {
    await em.execute(
      `insert into requester_identity (requester_id, channel, address) values (?, ?, ?)
       on conflict (channel, address) do nothing`,
      [requesterId, identity.kind, identity.address],
    );
  }
}

async function fillMissingContact(
  em: EntityManager,
  requesterId: number,
  name: string | null,
  identities: Identity[],
): Promise<void> {
  const email = identities.find((i) => i.kind === IdentityKind.Email)?.address ?? null;
  if (name === null && email === null) return;
  await em.execute(
    'update requester set name = coalesce(name, ?), email = coalesce(email, ?) where id = ?',
    [name, email, requesterId],
  );
}

async function lockLive(em: EntityManager, requesterId: number): Promise<void> {
  const rows: Row[] = await em.execute(
    'select merged_into_id from requester where id = ? for update',
    [requesterId],
  );
  if (rows[0] === undefined) throw RequesterMergeRefused.unknown(requesterId);
  const mergedInto = rows[0].merged_into_id;
  if (mergedInto !== null && mergedInto !== undefined) {
    throw RequesterMergeRefused.alreadyMerged(requesterId, Number(mergedInto));
  }
}
