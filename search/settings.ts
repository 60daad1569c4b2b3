// The `tickets` index settings, kept in code so every environment searches the same way.
// Accents and case are folded by Meilisearch's own normaliser for every attribute, and the
// default typo tolerance (1 typo from 5 letters, 2 from 9) is stated here so a change to it is
// a reviewed code change (see cases C19). Tests: tests/search/ticket-search.test.ts.
import type { Settings } from 'meilisearch';
import { waitForFinishedTask, waitForIndexJob, type Meili } from './client.ts';

/** The uid of the ticket index in production; tests pass their own. */
export const ticketIndexUid = 'tickets';

/** What agents can search, filter and sort tickets by. */
export const ticketIndexSettings = {
  // Order matters: a match in the subject outranks one in the requester, then the conversation.
  searchableAttributes: [
    'subject',
    'number',
    'requesterName',
    'requesterEmail',
    'conversation',
    'internalNotes',
    'tags',
    'assigneeName',
    'queueName',
    'teamName',
  ],
  filterableAttributes: ['status', 'priority', 'queueId', 'teamId', 'assigneeId', 'channel'],
  sortableAttributes: ['updatedAt', 'createdAt'],
  rankingRules: ['words', 'typo', 'proximity', 'attribute', 'sort', 'exactness', 'updatedAt:desc'],
  typoTolerance: {
    enabled: true,
    minWordSizeForTypos: { oneTypo: 5, twoTypos: 9 },
  },
  displayedAttributes: ['*'],
} satisfies Settings;

/** Creates the ticket index if missing and brings its settings to `ticketIndexSettings`; safe at every start. */
export async function applySearchSettings(
  meili: Meili,
  options: { indexUid?: string } = {},
): Promise<{ changed: boolean }> {
  const indexUid = options.indexUid ?? ticketIndexUid;
  await createIndexIfMissing(meili, indexUid);

  // Updating settings makes Meilisearch re-index every document, so only do it on a change.
  const index = meili.index(indexUid);
  const current = await index.getSettings();
  if (hasSettings(current)) return { changed: false };

  await waitForIndexJob(
    meili,
    index.updateSettings(ticketIndexSettings),
    `update ${indexUid} settings`,
  );
  return { changed: true };
}

async function createIndexIfMissing(meili: Meili, indexUid: string): Promise<void> {
  const created = meili.createIndex(indexUid, { primaryKey: 'id' });
  const task = await waitForFinishedTask(meili, created, `create index ${indexUid}`);
  if (task.status === 'succeeded' || task.error?.code === 'index_already_exists') return;

  throw new Error(
    `Meilisearch could not create index ${indexUid}: ${task.error?.message ?? task.status}`,
  );
}

// Meilisearch answers these as sets, in its own order.
const unorderedSettings = new Set(['filterableAttributes', 'sortableAttributes']);

function hasSettings(current: Settings): boolean {
  return Object.entries(ticketIndexSettings).every(([key, wanted]) => {
    const actual = current[key as keyof Settings];
    if (!unorderedSettings.has(key)) return matches(wanted, actual);
    return matches([...(wanted as string[])].sort(), [...((actual ?? []) as string[])].sort());
  });
}

/** True when every value in `wanted` is present in `actual`; arrays must be equal in order. */
function matches(wanted: unknown, actual: unknown): boolean {
  if (isPlainObject(wanted) && isPlainObject(actual)) {
    return Object.entries(wanted).every(([key, value]) => matches(value, actual[key]));
  }
  return JSON.stringify(wanted) === JSON.stringify(actual);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
