import { describe, expect, it } from '@jest/globals';
import { diffKbVersions, type KbVersionContent } from '../../search/kb-diff.ts';
import { detectLanguage, maxQueryWords, ticketQueryWords } from '../../search/kb-language.ts';
import { kbMarkdownToText, renderKbMarkdown } from '../../search/kb-markdown.ts';
import { toHighlighted } from '../../search/kb-search.ts';
import { expandSynonyms } from '../../search/kb-settings.ts';

const version: KbVersionContent = {
  version: 1,
  title: 'Reset your password',
  body: 'Line one\nLine two\n',
  tags: ['account'],
  language: 'en',
  audience: 'public',
  status: 'draft',
  reviewBy: null,
};

describe('diffKbVersions', () => {
  it('lists only the fields that changed, the body line by line', () => {
    const diff = diffKbVersions(version, {
      ...version,
      version: 2,
      body: 'Line one\nLine 2\n',
      status: 'published',
    });

    expect(diff.fields.map((field) => field.field)).toEqual(['body', 'status']);
    expect(diff.fields[0]!.parts).toEqual([
      { kind: 'same', text: 'Line one\n' },
      { kind: 'removed', text: 'Line two\n' },
      { kind: 'added', text: 'Line 2\n' },
    ]);
  });
});

describe('renderKbMarkdown', () => {
  it('keeps formatting and links but drops scripts, handlers and remote images', () => {
    const html = renderKbMarkdown(
      '## Steps\n\n1. Open [settings](https://example.test)\n\n<script>x()</script><a href="javascript:x()" onclick="x()">bad</a>\n\n![pixel](https://tracker.test/p.gif)',
    );

    expect(html).toContain('<h2>Steps</h2>');
    expect(html).toContain('href="https://example.test"');
    expect(html).not.toMatch(/script|onclick|javascript|tracker/);
  });

  it('gives the index the words of the body without markup', () => {
    expect(kbMarkdownToText('**Bold** and `code` & <em>more</em>')).toBe('Bold and code & more');
  });
});

describe('detectLanguage', () => {
  it.each([
    ['Seit dem Update druckt der Drucker nicht mehr', 'de'],
    ["J'ai oublié mon mot de passe", 'fr'],
    ['Olvidé mi contraseña y no puedo entrar', 'es'],
    ['Esqueci a senha e não consigo entrar na conta', 'pt'],
    ['My invoice is missing', 'en'],
  ])('recognises "%s" as %s', (text, language) => {
    expect(detectLanguage(text)).toBe(language);
  });
});

describe('ticketQueryWords', () => {
  it('searches the subject first, skips function words and stays within what Meilisearch reads', () => {
    const words = ticketQueryWords({
      subject: 'The printer is broken',
      tags: ['hardware'],
      body: 'After the update yesterday the office printer prints nothing and the queue grows and grows and grows',
    });

    expect(words.slice(0, 3)).toEqual(['printer', 'broken', 'hardware']);
    expect(words).not.toContain('the');
    expect(words.length).toBeLessThanOrEqual(maxQueryWords);
  });
});

describe('toHighlighted', () => {
  it('splits marked text into plain and matched segments', () => {
    expect(toHighlighted('Reset \u0001pass\u0002word now')).toEqual([
      { text: 'Reset ', isMatch: false },
      { text: 'pass', isMatch: true },
      { text: 'word now', isMatch: false },
    ]);
  });
});

describe('expandSynonyms', () => {
  it('maps every word of a group to the others, merging groups that share a word', () => {
    const table = expandSynonyms({
      es: [['reembolso', 'devolución']],
      pt: [['reembolso', 'estorno']],
    });

    expect(table.reembolso).toEqual(['devolución', 'estorno']);
    expect(table.estorno).toEqual(['reembolso']);
  });
});
