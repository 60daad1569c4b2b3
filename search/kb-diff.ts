// Field-by-field differences between two versions of a KB article, for the version history
// view: words for short fields, lines for the Markdown body. Pure (uses the maintained `diff`
// package); tests in tests/kb/kb-pure.test.ts.
import { diffLines, diffWords } from 'diff';
import type { KbDiffPart, KbVersionDiff } from '../api/kb-contract.ts';

/** The fields of a version that the diff compares. */
export interface KbVersionContent {
  version: number;
  title: string;
  body: string;
  tags: string[];
  language: string;
  audience: string;
  status: string;
  reviewBy: string | null;
}

type DiffField = KbVersionDiff['fields'][number]['field'];

/** Compares two versions and lists only the fields that changed, each as same/added/removed parts. */
export function diffKbVersions(from: KbVersionContent, to: KbVersionContent): KbVersionDiff {
  const compared: [DiffField, string, string][] = [
    ['title', from.title, to.title],
    ['body', from.body, to.body],
    ['tags', from.tags.join(', '), to.tags.join(', ')],
    ['language', from.language, to.language],
    ['audience', from.audience, to.audience],
    ['status', from.status, to.status],
    ['reviewBy', from.reviewBy ?? '', to.reviewBy ?? ''],
  ];

  // The body is Markdown, where a line is the unit an author thinks in; elsewhere, words.
  const fields = compared
    .filter(([, before, after]) => before !== after)
    .map(([field, before, after]) => {
      const changes = field === 'body' ? diffLines(before, after) : diffWords(before, after);
      return { field, parts: toParts(changes) };
    });

  return { from: from.version, to: to.version, fields };
}

function toParts(changes: { value: string; added: boolean; removed: boolean }[]): KbDiffPart[] {
  return changes.map((change) => ({
    kind: change.added ? 'added' : change.removed ? 'removed' : 'same',
    text: change.value,
  }));
}
