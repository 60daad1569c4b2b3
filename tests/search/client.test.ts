import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createMeili, waitForIndexJob, type Meili } from '../../search/client.ts';
import { requiredEnv, uniqueIndexUid } from './support.ts';

const indexUid = uniqueIndexUid();
let meili: Meili;

const words = ['printer', 'invoice', 'password', 'refund', 'shipping', 'screen', 'login'];

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

beforeAll(async () => {
  meili = createMeili({
    url: requiredEnv('MEILI_URL'),
    masterKey: requiredEnv('MEILI_MASTER_KEY'),
  });
  const documents = Array.from({ length: 40 }, (_, id) => ({
    id,
    subject: `Ticket ${id} about ${words[id % words.length]}`,
    conversation: Array.from({ length: 200 }, (_, n) => words[(id + n) % words.length]).join(' '),
  }));
  await waitForIndexJob(meili, meili.index(indexUid).addDocuments(documents), 'seed');
});

afterAll(async () => {
  await meili.deleteIndex(indexUid).waitTask();
});

describe('createMeili', () => {
  it('answers searches with responses over 1 KB in a few milliseconds on a kept-alive connection', async () => {
    const index = meili.index(indexUid);
    const params = { limit: 3, attributesToCrop: ['conversation'], cropLength: 60 };
    await index.search('printer', params);

    const samples: number[] = [];
    let responseBytes = 0;
    for (let n = 0; n < 200; n++) {
      const started = performance.now();
      const response = await index.search(words[n % words.length], params);
      samples.push(performance.now() - started);
      responseBytes = JSON.stringify(response).length;
    }

    expect(responseBytes).toBeGreaterThan(1_024);
    expect(median(samples)).toBeLessThan(20);
  });
});
