import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createKbArticle,
  setKbArticleStatus,
  updateKbArticle,
  type KbArticleInput,
} from '../../db/repositories/knowledge-base.ts';
import express from 'express';
import request from 'supertest';
import { problemHandler } from '../../api/errors.ts';
import { requestLog } from '../../api/middleware/request-log.ts';
import { helpCenterRoutes } from '../../api/routes/kb.ts';
import { createMeili } from '../../search/client.ts';
import {
  helpCenterUnavailableNotice,
  kbSearchUnavailableNotice,
  searchKbArticles,
  suggestKbArticles,
} from '../../search/kb-search.ts';
import { prepareMeilisearch, quietLog, type DisposableMeilisearch } from '../search/support.ts';
import { createKbTestWorld, pendingKbJobs, type KbTestWorld } from './support.ts';

let meilisearch: DisposableMeilisearch;
let world: KbTestWorld;

const input: KbArticleInput = {
  title: 'Rechnung als PDF herunterladen',
  body: 'Unter **Abrechnung** finden Sie jede Rechnung.',
  tags: ['rechnung'],
  language: 'de',
  audience: 'public',
  ownerAgentId: null,
  teamId: null,
  reviewBy: null,
};

async function titlesFor(q: string): Promise<string[]> {
  const result = await searchKbArticles({ meili: world.meili, indexUid: world.articleIndexUid, q });
  return result.hits.map((hit) => hit.title.map((part) => part.text).join(''));
}

beforeAll(async () => {
  meilisearch = await prepareMeilisearch();
  await meilisearch.start();
  const meili = createMeili({ url: meilisearch.url, masterKey: meilisearch.masterKey });
  world = await createKbTestWorld({ meili });
}, 60_000);

afterAll(async () => {
  await world.drop();
  await meilisearch.remove();
});

describe('startKbIndexer', () => {
  it('keeps edits queued while Meilisearch is down and indexes them all when it returns', async () => {
    const em = world.orm.em.fork();
    const first = await createKbArticle(em, {
      input,
      agentId: world.agent.id,
      status: 'published',
    });
    await world.waitForIndexing();
    await meilisearch.stop();

    const second = await createKbArticle(em, {
      input: { ...input, title: 'Störung beim Login', body: 'Melden Sie sich neu an.', tags: [] },
      agentId: world.agent.id,
    });
    await setKbArticleStatus(em, { id: second.id, status: 'published', agentId: world.agent.id });
    await updateKbArticle(em, {
      id: first.id,
      expectedVersion: 1,
      changes: { title: 'Rechnungen als PDF herunterladen' },
      agentId: world.agent.id,
    });
    const duringOutage = await searchKbArticles({
      meili: world.meili,
      indexUid: world.articleIndexUid,
      q: 'rechnung',
    });
    const queued = await pendingKbJobs(world.orm);
    await meilisearch.start();
    await world.waitForIndexing();

    expect(duringOutage).toMatchObject({ hits: [], notice: kbSearchUnavailableNotice });
    expect(queued).toBe(3);
    expect(await titlesFor('storung')).toEqual(['Störung beim Login']);
    expect(await titlesFor('rechnungen pdf')).toEqual(['Rechnungen als PDF herunterladen']);
  }, 60_000);

  it('keeps the help center listing published KB articles from PostgreSQL while Meilisearch is down', async () => {
    const em = world.orm.em.fork();
    const published = await createKbArticle(em, {
      input: { ...input, title: 'Lieferadresse ändern', body: 'Unter Konto.', tags: [] },
      agentId: world.agent.id,
      status: 'published',
    });
    const app = express();
    app.use(requestLog(quietLog));
    const deps = { orm: world.orm, meili: world.meili, articleIndexUid: world.articleIndexUid };
    app.use('/api', helpCenterRoutes(deps), problemHandler);
    await meilisearch.stop();

    const help = await request(app).get('/api/help/articles?q=lieferadresse');
    const suggested = await suggestKbArticles({
      meili: world.meili,
      indexUid: world.articleIndexUid,
      ticket: { subject: 'Lieferadresse', tags: [], body: 'Wie ändere ich die Lieferadresse?' },
    });
    await meilisearch.start();

    expect(help.status).toBe(200);
    expect(help.body.notice).toBe(helpCenterUnavailableNotice);
    expect(help.body.hits.map((hit: { id: number }) => hit.id)).toContain(published.id);
    expect(suggested).toMatchObject({ suggestions: [], notice: kbSearchUnavailableNotice });
  }, 60_000);
});
