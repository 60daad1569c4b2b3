import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import request from 'supertest';
import { problemHandler } from '../../api/errors.ts';
import { requestLog } from '../../api/middleware/request-log.ts';
import { searchRoutes } from '../../api/routes/search.ts';
import { createMeili, waitForIndexJob, type Meili } from '../../search/client.ts';
import { applySearchSettings } from '../../search/settings.ts';
import { searchUnavailableNotice } from '../../search/ticket-search.ts';
import { quietLog, requiredEnv, uniqueIndexUid } from './support.ts';

const indexUid = uniqueIndexUid();
let meili: Meili;

function appWith(client: Meili) {
  const app = express();
  app.use(requestLog(quietLog));
  app.use('/api', searchRoutes({ meili: client, indexUid }));
  app.use(problemHandler);
  return app;
}

beforeAll(async () => {
  meili = createMeili({
    url: requiredEnv('MEILI_URL'),
    masterKey: requiredEnv('MEILI_MASTER_KEY'),
  });
  await applySearchSettings(meili, { indexUid });
  const ticket = {
    id: 5001,
    number: 5001,
    subject: 'Problème de connexion au portail',
    status: 'open',
    conversation: 'Impossible de me connecter depuis hier soir.',
    internalNotes: '',
    updatedAt: Date.now(),
  };
  await waitForIndexJob(meili, meili.index(indexUid).addDocuments([ticket]), 'seed');
});

afterAll(async () => {
  await meili.deleteIndex(indexUid).waitTask();
});

describe('GET /api/search', () => {
  it('answers matching tickets with a snippet', async () => {
    const response = await request(appWith(meili))
      .get('/api/search')
      .query({ q: 'probleme connexion' });

    expect(response.status).toBe(200);
    expect(response.body.query).toBe('probleme connexion');
    expect(response.body.hits).toEqual([
      expect.objectContaining({
        id: 5001,
        number: 5001,
        status: 'open',
        snippet: expect.any(String),
      }),
    ]);
  });

  it('refuses an empty query with a 422 problem naming the field', async () => {
    const response = await request(appWith(meili)).get('/api/search').query({ q: '   ' });

    expect(response.status).toBe(422);
    expect(response.type).toBe('application/problem+json');
    expect(response.body.errors).toEqual([expect.objectContaining({ field: 'query.q' })]);
  });

  it('refuses a query longer than 200 characters', async () => {
    const response = await request(appWith(meili))
      .get('/api/search')
      .query({ q: 'x'.repeat(201) });

    expect(response.status).toBe(422);
    expect(response.type).toBe('application/problem+json');
  });

  it('refuses an unknown status filter', async () => {
    const response = await request(appWith(meili))
      .get('/api/search')
      .query({ q: 'portail', status: 'lost' });

    expect(response.status).toBe(422);
    expect(response.body.errors).toEqual([expect.objectContaining({ field: 'query.status' })]);
  });

  it('answers 200 with a plain notice while Meilisearch is unreachable', async () => {
    const unreachable = createMeili({ url: 'http://127.0.0.1:9', masterKey: 'irrelevant-key-123' });

    const response = await request(appWith(unreachable)).get('/api/search').query({ q: 'portail' });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ query: 'portail', hits: [], notice: searchUnavailableNotice });
  });
});
