import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createMacro } from '../../db/repositories/knowledge-base.ts';
import { rebuildSearchIndexes } from '../../search/kb-reindex.ts';
import { searchKbArticles, searchMacros } from '../../search/kb-search.ts';
import { searchTickets } from '../../search/ticket-search.ts';
import { seedTicket, uniqueIndexUid } from '../search/support.ts';
import { createKbTestWorld, type KbTestWorld } from './support.ts';

let world: KbTestWorld;
const ticketIndexUid = uniqueIndexUid();

beforeAll(async () => {
  world = await createKbTestWorld();
});

afterAll(async () => {
  await world.meili.deleteIndex(ticketIndexUid).waitTask();
  await world.drop();
});

describe('rebuildSearchIndexes', () => {
  it('rebuilds KB articles, macros and tickets from PostgreSQL, even rows the indexer never saw', async () => {
    const connection = world.orm.em.getConnection();
    // Written behind the outbox's back, as after a lost Meilisearch volume.
    await connection.execute(
      `insert into kb_article (title, body, language, audience, status) values ('Réinitialiser le routeur', 'Débranchez-le.', 'fr', 'public', 'published')`,
    );
    await createMacro(world.orm.em.fork(), {
      title: 'Olá, obrigado pelo contato',
      body: 'Responderemos em breve.',
      tags: [],
      language: 'pt',
      teamId: null,
    });
    await seedTicket(world.orm, { subject: 'Zahlung fehlgeschlagen' });
    const progress: string[] = [];

    const written = await rebuildSearchIndexes({
      orm: world.orm,
      meili: world.meili,
      uids: {
        articles: world.articleIndexUid,
        macros: world.macroIndexUid,
        tickets: ticketIndexUid,
      },
      onProgress: ({ index, done, total }) => progress.push(`${index} ${done}/${total}`),
    });

    expect(written).toEqual({
      [world.articleIndexUid]: 1,
      [world.macroIndexUid]: 1,
      [ticketIndexUid]: 1,
    });
    expect(progress).toContain(`${world.articleIndexUid} 1/1`);
    const articles = await searchKbArticles({
      meili: world.meili,
      indexUid: world.articleIndexUid,
      q: 'routeur',
    });
    const macros = await searchMacros({
      meili: world.meili,
      indexUid: world.macroIndexUid,
      q: 'ola',
    });
    const tickets = await searchTickets({
      meili: world.meili,
      indexUid: ticketIndexUid,
      q: 'zahlung',
    });
    expect(articles.hits).toHaveLength(1);
    expect(macros.hits.map((hit) => hit.title)).toEqual(['Olá, obrigado pelo contato']);
    expect(tickets.hits).toHaveLength(1);
  });
});
