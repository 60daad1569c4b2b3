// Settings of the `kb_articles` and `macros` indexes, kept in code so every environment searches
// the same way, and applied at every start only when they differ (a settings change makes
// Meilisearch re-index everything). Meilisearch folds accents and case itself (compatibility
// decomposition, lower case, nonspacing marks removed), and the default typo tolerance is
// stated here so a change to it is a reviewed change (cases C19). Tests: tests/kb/kb-search.test.ts.
import type { Settings } from 'meilisearch';
import type { KbLanguage } from '../db/entities/knowledge-base.ts';
import { waitForFinishedTask, waitForIndexJob, type Meili } from './client.ts';
import { functionWords } from './kb-language.ts';

/** The uid of the KB article index in production; tests and the rebuild pass their own. */
export const kbArticleIndexUid = 'kb_articles';

/** The uid of the macro index in production. */
export const macroIndexUid = 'macros';

/**
 * Words our customers and agents use for the same thing, per language. Meilisearch keeps one
 * synonym table per index, so the languages are merged; a word two languages share (Spanish
 * and Portuguese "reembolso") takes both languages' synonyms.
 */
export const synonymGroups: Record<KbLanguage, string[][]> = {
  en: [
    ['password', 'passcode'],
    ['login', 'sign in', 'log in'],
    ['invoice', 'bill'],
    ['refund', 'money back'],
    ['2fa', 'two factor'],
  ],
  de: [
    ['passwort', 'kennwort'],
    ['rechnung', 'faktura'],
    ['anmelden', 'einloggen'],
    ['erstattung', 'rückerstattung'],
  ],
  fr: [
    ['mot de passe', 'mdp'],
    ['facture', 'note'],
    ['remboursement', 'rembourser'],
  ],
  es: [
    ['contraseña', 'clave'],
    ['factura', 'recibo'],
    ['reembolso', 'devolución'],
  ],
  pt: [
    ['senha', 'palavra-passe'],
    ['fatura', 'nota fiscal'],
    ['reembolso', 'estorno'],
  ],
};

/** Every word of a group maps to the other words of it, as Meilisearch expects. */
export function expandSynonyms(groups: Record<string, string[][]>): Record<string, string[]> {
  const table: Record<string, string[]> = {};
  for (const group of Object.values(groups).flat()) {
    for (const word of group) {
      const others = group.filter((other) => other !== word);
      table[word] = [...new Set([...(table[word] ?? []), ...others])].sort();
    }
  }
  return table;
}

// Function words of all five languages, so "mot de passe" and "Passwort zurücksetzen" match
// on what carries meaning. Sorted, because Meilisearch answers stop words as a sorted set.
const stopWords = [...new Set(Object.values(functionWords).flat())].sort();

const typoTolerance = {
  enabled: true,
  minWordSizeForTypos: { oneTypo: 5, twoTypos: 9 },
};

/** What the KB article index searches, filters, facets and ranks by. */
export const kbArticleIndexSettings = {
  // A match in the title outranks one in the tags, which outranks one in the body.
  searchableAttributes: ['title', 'tags', 'body'],
  filterableAttributes: ['status', 'language', 'audience', 'teamName', 'tags', 'teamId'],
  sortableAttributes: ['updatedAt', 'ticketCount'],
  rankingRules: [
    'words',
    'typo',
    'proximity',
    'attribute',
    'sort',
    'exactness',
    'ticketCount:desc',
  ],
  synonyms: expandSynonyms(synonymGroups),
  stopWords,
  typoTolerance,
  faceting: { maxValuesPerFacet: 100 },
  pagination: { maxTotalHits: 10_000 },
  displayedAttributes: ['*'],
} satisfies Settings;

/** What the macro index searches and filters by. */
export const macroIndexSettings = {
  searchableAttributes: ['title', 'tags', 'body'],
  filterableAttributes: ['language', 'teamId'],
  rankingRules: ['words', 'typo', 'proximity', 'attribute', 'exactness'],
  synonyms: expandSynonyms(synonymGroups),
  stopWords,
  typoTolerance,
  displayedAttributes: ['*'],
} satisfies Settings;

/** Creates the KB article and macro indexes if missing and brings their settings up to date; safe at every start. */
export async function applyKbSearchSettings(
  meili: Meili,
  options: { articleIndexUid?: string; macroIndexUid?: string } = {},
): Promise<{ changed: string[] }> {
  const wanted: [string, Settings][] = [
    [options.articleIndexUid ?? kbArticleIndexUid, kbArticleIndexSettings],
    [options.macroIndexUid ?? macroIndexUid, macroIndexSettings],
  ];

  const changed: string[] = [];
  for (const [indexUid, settings] of wanted) {
    if (await applyIndexSettings(meili, indexUid, settings)) changed.push(indexUid);
  }
  return { changed };
}

/** Creates one index if missing and updates its settings when they differ; true if it wrote them. */
export async function applyIndexSettings(
  meili: Meili,
  indexUid: string,
  settings: Settings,
): Promise<boolean> {
  await createIndexIfMissing(meili, indexUid);

  const index = meili.index(indexUid);
  const current = await index.getSettings();
  if (hasSettings(current, settings)) return false;

  await waitForIndexJob(meili, index.updateSettings(settings), `update ${indexUid} settings`);
  return true;
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
const unorderedSettings = new Set(['filterableAttributes', 'sortableAttributes', 'stopWords']);

function hasSettings(current: Settings, wanted: Settings): boolean {
  return Object.entries(wanted).every(([key, value]) => {
    const actual = current[key as keyof Settings];
    if (!unorderedSettings.has(key)) return matches(value, actual);
    return matches(asSet(value), asSet(actual));
  });
}

// Meilisearch may answer accented words in another Unicode normal form than we sent them.
function asSet(words: unknown): string[] {
  return ((words ?? []) as string[]).map((word) => word.normalize('NFC')).sort();
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
