import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createKbArticle } from '../../db/repositories/knowledge-base.ts';
import { seedArticles } from '../fixtures/kb/articles.ts';
import { evaluationTickets } from '../fixtures/kb/evaluation.ts';
import { scoreSuggestions } from './suggestion-evaluation.ts';
import { createKbTestWorld, type KbTestWorld } from './support.ts';

let world: KbTestWorld;
const idsByKey = new Map<string, number>();

beforeAll(async () => {
  world = await createKbTestWorld();
  const em = world.orm.em.fork();
  for (const seed of seedArticles) {
    const input = { ...seed, ownerAgentId: null, teamId: null, reviewBy: null };
    const created = await createKbArticle(em, {
      input,
      agentId: world.agent.id,
      status: 'published',
    });
    idsByKey.set(seed.key, created.id);
  }
  await world.waitForIndexing();
});

afterAll(async () => {
  await world.drop();
});

describe('suggestKbArticles over the labelled evaluation set', () => {
  it('labels at least 50 tickets, each with a seeded KB article', () => {
    const unknown = evaluationTickets.filter((ticket) => !idsByKey.has(ticket.answer));

    expect(evaluationTickets.length).toBeGreaterThanOrEqual(50);
    expect(unknown).toEqual([]);
  });

  it('puts the answering KB article among the first three suggestions for at least 80 % of tickets', async () => {
    const score = await scoreSuggestions({
      meili: world.meili,
      indexUid: world.articleIndexUid,
      idsByKey,
    });

    expect(score.precisionAt3).toBeGreaterThanOrEqual(0.8);
    expect(score.meanReciprocalRank).toBeGreaterThanOrEqual(0.8);
  });
});
