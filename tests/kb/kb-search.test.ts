import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createKbArticle,
  createMacro,
  type KbArticleInput,
} from '../../db/repositories/knowledge-base.ts';
import type { KbLanguage } from '../../db/entities/knowledge-base.ts';
import { searchKbArticles, searchMacros } from '../../search/kb-search.ts';
import { applyKbSearchSettings } from '../../search/kb-settings.ts';
import { createKbTestWorld, type KbTestWorld } from './support.ts';

let world: KbTestWorld;
const ids: Record<string, number> = {};

// The minimal input of cases C19, as published KB articles.
const c19Articles: [string, string, KbLanguage][] = [
  ['kb-101', "Problème d'impression après la mise à jour", 'fr'],
  ['kb-102', 'Drucker-Störung nach dem Update beheben', 'de'],
  ['kb-103', 'Réinitialiser votre mot de passe', 'fr'],
  ['kb-104', 'Reset your password', 'en'],
  ['kb-105', 'Configurer la signature e-mail', 'fr'],
  ['kb-106', 'Déjà vu: recurring sync errors', 'en'],
];

function article(
  title: string,
  language: KbLanguage,
  extra: Partial<KbArticleInput> = {},
): KbArticleInput {
  return {
    title,
    body: '',
    tags: [],
    language,
    audience: 'public',
    ownerAgentId: null,
    teamId: null,
    reviewBy: null,
    ...extra,
  };
}

async function find(q: string, filters = {}): Promise<number[]> {
  const result = await searchKbArticles({
    meili: world.meili,
    indexUid: world.articleIndexUid,
    q,
    filters,
  });
  return result.hits.map((hit) => hit.id);
}

beforeAll(async () => {
  world = await createKbTestWorld();
  const em = world.orm.em.fork();
  for (const [key, title, language] of c19Articles) {
    const created = await createKbArticle(em, {
      input: article(title, language),
      agentId: world.agent.id,
      status: 'published',
    });
    ids[key] = created.id;
  }
  const extras: [string, KbArticleInput][] = [
    [
      'vat',
      article('VAT on invoices for EU customers', 'en', {
        tags: ['billing', 'vat'],
        teamId: world.team.id,
        audience: 'internal',
        body: 'Reverse charge applies to **business** customers with a valid VAT number.',
      }),
    ],
    [
      'vatDe',
      article('Umsatzsteuer auf Rechnungen', 'de', {
        tags: ['billing'],
        teamId: world.team.id,
        body: 'Die Rechnung zeigt die Umsatzsteuer getrennt.',
      }),
    ],
    ['senha', article('Como redefinir a sua senha', 'pt', { tags: ['account'] })],
    ['olvido', article('¿Olvidó su contraseña? Restablézcala así', 'es', { tags: ['account'] })],
    ['passwortDe', article('Passwort vergessen', 'de')],
  ];
  for (const [key, input] of extras) {
    ids[key] = (
      await createKbArticle(em, { input, agentId: world.agent.id, status: 'published' })
    ).id;
  }
  await createMacro(em, {
    title: 'Olá! Obrigado pelo contato',
    body: 'Respondemos em breve.',
    tags: [],
    language: 'pt',
    teamId: null,
  });
  await world.waitForIndexing();
});

afterAll(async () => {
  await world.drop();
});

describe('searchKbArticles (cases C19)', () => {
  it.each([
    ['probleme impression', 'kb-101'],
    ['PROBLÈME', 'kb-101'],
    ['storung', 'kb-102'],
    ['Störung', 'kb-102'],
    ['stoerung', 'kb-102'],
    ['reinitialiser mot de passe', 'kb-103'],
    ['pasword', 'kb-104'],
    ['imprssion', 'kb-101'],
    ['deja vu', 'kb-106'],
  ])('finds the KB article for "%s" despite accents, case or a small typo', async (q, key) => {
    const found = await find(q);

    expect(found).toContain(ids[key]);
  });

  it.each([
    ['ola senha', 'senha'],
    ['contrasena', 'olvido'],
    ['olvido contrasena', 'olvido'],
  ])('finds Portuguese and Spanish KB articles typed without accents: "%s"', async (q, key) => {
    const found = await find(q);

    expect(found).toContain(ids[key]);
  });

  it('finds a KB article through a synonym of its words', async () => {
    const found = await find('Kennwort');

    expect(found).toContain(ids.passwortDe);
  });
});

describe('searchMacros (cases C19, canned responses)', () => {
  it.each(['ola', 'OLÁ', 'obrigado contato'])(
    'finds the macro "Olá! Obrigado pelo contato" for "%s"',
    async (q) => {
      const result = await searchMacros({ meili: world.meili, indexUid: world.macroIndexUid, q });

      expect(result.hits.map((hit) => hit.title)).toContain('Olá! Obrigado pelo contato');
    },
  );
});

describe('searchKbArticles', () => {
  it('marks the matched words of the title and snippet as segments, never as HTML', async () => {
    const result = await searchKbArticles({
      meili: world.meili,
      indexUid: world.articleIndexUid,
      q: 'reverse charge',
    });

    const hit = result.hits.find((candidate) => candidate.id === ids.vat)!;
    expect(
      hit.snippet.filter((part) => part.isMatch).map((part) => part.text.toLowerCase()),
    ).toEqual(['reverse', 'charge']);
    expect(hit.snippet.map((part) => part.text).join('')).not.toContain('<');
  });

  it('counts matches per team, tag, language and audience, and narrows by them', async () => {
    const all = await searchKbArticles({
      meili: world.meili,
      indexUid: world.articleIndexUid,
      q: '',
    });
    const germanBilling = await find('', { language: 'de', tag: 'billing' });

    expect(all.facets.tags?.billing).toBe(2);
    expect(all.facets.teamName?.Billing).toBe(2);
    expect(all.facets.audience?.internal).toBe(1);
    expect(all.facets.language?.fr).toBe(3);
    expect(germanBilling).toEqual([ids.vatDe]);
  });

  it('pages through results and reports how many there are', async () => {
    const first = await searchKbArticles({
      meili: world.meili,
      indexUid: world.articleIndexUid,
      q: '',
      page: 1,
      pageSize: 4,
    });
    const last = await searchKbArticles({
      meili: world.meili,
      indexUid: world.articleIndexUid,
      q: '',
      page: 3,
      pageSize: 4,
    });

    expect(first.total).toBe(11);
    expect(first.totalPages).toBe(3);
    expect(first.hits).toHaveLength(4);
    expect(last.hits).toHaveLength(3);
  });
});

describe('applyKbSearchSettings', () => {
  it('writes nothing when the indexes already have our settings', async () => {
    const result = await applyKbSearchSettings(world.meili, {
      articleIndexUid: world.articleIndexUid,
      macroIndexUid: world.macroIndexUid,
    });

    expect(result.changed).toEqual([]);
  });
});
