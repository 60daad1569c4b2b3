import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import request from 'supertest';
import { problemHandler } from '../../api/errors.ts';
import { requestLog } from '../../api/middleware/request-log.ts';
import { kbRoutes, type KbRouteDeps } from '../../api/routes/kb.ts';
import { createMacro } from '../../db/repositories/knowledge-base.ts';
import type { Meili } from '../../search/client.ts';
import { kbSearchUnavailableNotice } from '../../search/kb-search.ts';
import { quietLog, seedTicket } from '../search/support.ts';
import { createKbTestWorld, type KbTestWorld } from './support.ts';

let world: KbTestWorld;
let refundMacroId: number;

function appWith(deps: KbRouteDeps): express.Express {
  const app = express();
  app.use(requestLog(quietLog));
  app.use(express.json());
  app.use('/api', kbRoutes(deps), problemHandler);
  return app;
}

function worldApp(): express.Express {
  return appWith({
    orm: world.orm,
    meili: world.meili,
    articleIndexUid: world.articleIndexUid,
    macroIndexUid: world.macroIndexUid,
  });
}

// A Meilisearch that never answers, as when its process is down.
const downMeili = {
  index: () => ({ search: () => Promise.reject(unreachable()) }),
  multiSearch: () => Promise.reject(unreachable()),
} as unknown as Meili;

function unreachable(): Error {
  const error = new Error('connect ECONNREFUSED');
  error.name = 'MeilisearchRequestError';
  return error;
}

function billingTicket(): Promise<number> {
  return seedTicket(world.orm, {
    subject: 'Charged twice, please refund',
    messages: [{ kind: 'inbound', text: 'My card was charged twice this month. I need a refund.' }],
  });
}

beforeAll(async () => {
  world = await createKbTestWorld();
  const em = world.orm.em.fork();
  refundMacroId = await createMacro(em, {
    title: 'Refund confirmed',
    body: 'Hi {{requester.name}}, we refunded the duplicate charge on ticket #{{ticket.number}}. {{refund.eta}}\n{{agent.name}}',
    tags: ['refund'],
    language: 'en',
    teamId: world.team.id,
  });
  await createMacro(em, {
    title: 'Password reset steps',
    body: 'Hi {{requester.name}}, choose "Forgot password" on the sign-in page.',
    tags: ['password'],
    language: 'en',
    teamId: null,
  });
  await createMacro(em, {
    title: 'Rückerstattung bestätigt',
    body: 'Hallo {{requester.name}}, wir haben die doppelte Abbuchung erstattet.',
    tags: ['erstattung', 'refund'],
    language: 'de',
    teamId: world.team.id,
  });
  await world.waitForIndexing();
});

afterAll(async () => {
  await world.drop();
});

describe('GET /api/tickets/:id/macro-suggestions', () => {
  it('suggests the refund macro for a billing ticket, filled with requester, ticket number and agent', async () => {
    const ticketId = await billingTicket();

    const response = await request(worldApp())
      .get(`/api/tickets/${ticketId}/macro-suggestions?agentId=${world.agent.id}`)
      .expect(200);

    expect(response.body.language).toBe('en');
    expect(response.body.suggestions[0]).toEqual({
      id: refundMacroId,
      title: 'Refund confirmed',
      body: `Hi Ada Customer, we refunded the duplicate charge on ticket #${ticketId}. {{refund.eta}}\nOmar Agent`,
      rank: 1,
    });
    const titles = response.body.suggestions.map((s: { title: string }) => s.title);
    expect(titles).not.toContain('Rückerstattung bestätigt');
    expect(response.body.notice).toBeUndefined();
  });

  it('answers an empty list with a notice while Meilisearch is down', async () => {
    const ticketId = await billingTicket();
    const app = appWith({ orm: world.orm, meili: downMeili });

    const response = await request(app)
      .get(`/api/tickets/${ticketId}/macro-suggestions?agentId=${world.agent.id}`)
      .expect(200);

    expect(response.body).toMatchObject({
      ticketId,
      suggestions: [],
      notice: kbSearchUnavailableNotice,
    });
  });

  it('refuses an unknown ticket with 404', async () => {
    const response = await request(worldApp()).get(
      `/api/tickets/999999/macro-suggestions?agentId=${world.agent.id}`,
    );

    expect(response.status).toBe(404);
  });
});

describe('POST /api/tickets/:id/macro-suggestions/:macroId/use', () => {
  it('records that an agent inserted a suggested macro, so deflection can be counted', async () => {
    const ticketId = await billingTicket();

    await request(worldApp())
      .post(`/api/tickets/${ticketId}/macro-suggestions/${refundMacroId}/use`)
      .send({ agentId: world.agent.id, rank: 1 })
      .expect(204);

    const uses = await world.orm.em
      .fork()
      .getConnection()
      .execute<{ macro_id: number; agent_id: number; rank: number }[]>(
        'select macro_id, agent_id, rank from macro_suggestion_use where ticket_id = ?',
        [ticketId],
      );
    expect(uses).toEqual([{ macro_id: refundMacroId, agent_id: world.agent.id, rank: 1 }]);
  });

  it('refuses an unknown macro with 404 and records nothing', async () => {
    const ticketId = await billingTicket();

    const response = await request(worldApp())
      .post(`/api/tickets/${ticketId}/macro-suggestions/999999/use`)
      .send({ agentId: world.agent.id, rank: 1 });

    expect(response.status).toBe(404);
    expect(response.body.detail).toBe('macro 999999 does not exist');
  });
});
