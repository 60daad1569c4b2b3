import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createMeili, type Meili } from '../../search/client.ts';
import { applySearchSettings } from '../../search/settings.ts';
import { startTicketIndexer, type TicketIndexer } from '../../search/ticket-indexer.ts';
import { searchTickets, searchUnavailableNotice } from '../../search/ticket-search.ts';
import {
  createTestDatabase,
  enqueueIndexJobs,
  eventually,
  pendingJobTicketIds,
  quietLog,
  requiredEnv,
  seedTicket,
  uniqueIndexUid,
} from './support.ts';

const indexUid = uniqueIndexUid();
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let meili: Meili;
let indexer: TicketIndexer;
const ids: Record<string, number> = {};

async function find(q: string, filters = {}): Promise<number[]> {
  const result = await searchTickets({ meili, indexUid, q, filters });
  return result.hits.map((hit) => hit.id);
}

beforeAll(async () => {
  database = await createTestDatabase();
  meili = createMeili({
    url: requiredEnv('MEILI_URL'),
    masterKey: requiredEnv('MEILI_MASTER_KEY'),
  });
  await applySearchSettings(meili, { indexUid });
  indexer = startTicketIndexer({ orm: database.orm, meili, log: quietLog, indexUid });

  const { orm } = database;
  ids.printing = await seedTicket(orm, { subject: "Problème d'impression après la mise à jour" });
  ids.printer = await seedTicket(orm, { subject: 'Drucker-Störung nach dem Update beheben' });
  ids.password = await seedTicket(orm, { subject: 'Reset your password', priority: 'high' });
  ids.dejaVu = await seedTicket(orm, { subject: 'Déjà vu: recurring sync errors' });
  ids.invoice = await seedTicket(orm, {
    subject: 'Question about my bill',
    status: 'pending',
    messages: [
      {
        kind: 'inbound',
        text: 'The invoice for November lists two seats we cancelled in October.',
      },
      { kind: 'internal_note', text: 'Finance confirmed the refund of the zebracorn licence.' },
    ],
  });
  await enqueueIndexJobs(orm, Object.values(ids));
  await eventually(async () => (await pendingJobTicketIds(orm)).length === 0);
});

afterAll(async () => {
  await indexer.stop();
  await meili.deleteIndex(indexUid).waitTask();
  await database.drop();
});

describe('searchTickets', () => {
  it.each([
    ['probleme', 'printing'],
    ['PROBLÈME', 'printing'],
    ['imprssion', 'printing'],
    ['storung', 'printer'],
    ['Störung', 'printer'],
    ['stoerung', 'printer'],
    ['pasword', 'password'],
    ['deja vu', 'dejaVu'],
  ])('finds a ticket by its subject for "%s" despite accents, case or a typo', async (q, key) => {
    const found = await find(q);

    expect(found).toContain(ids[key]);
  });

  it('finds a ticket by words in the customer conversation and shows them in the snippet', async () => {
    const result = await searchTickets({ meili, indexUid, q: 'cancelled seats' });

    const hit = result.hits.find((candidate) => candidate.id === ids.invoice);
    expect(hit?.snippet).toContain('cancelled');
    expect(hit?.subject).toBe('Question about my bill');
    expect(result.notice).toBeUndefined();
  });

  it('lets agents find a ticket by their internal notes', async () => {
    const result = await searchTickets({ meili, indexUid, q: 'zebracorn' });

    expect(result.hits.map((hit) => hit.id)).toEqual([ids.invoice]);
    expect(result.hits[0]?.snippet).toContain('zebracorn');
  });

  it('narrows hits to the filtered status', async () => {
    const pending = await find('bill', { status: 'pending' });
    const open = await find('bill', { status: 'open' });

    expect(pending).toEqual([ids.invoice]);
    expect(open).toEqual([]);
  });

  it('answers a plain notice instead of throwing when Meilisearch is unreachable', async () => {
    const unreachable = createMeili({ url: 'http://127.0.0.1:9', masterKey: 'irrelevant-key-123' });

    const result = await searchTickets({ meili: unreachable, indexUid, q: 'printer' });

    expect(result).toEqual({ query: 'printer', hits: [], notice: searchUnavailableNotice });
  });

  it('answers no hits, not an error, before the first ticket was ever indexed', async () => {
    const result = await searchTickets({ meili, indexUid: uniqueIndexUid(), q: 'printer' });

    expect(result).toEqual({ query: 'printer', hits: [] });
  });
});

describe('applySearchSettings', () => {
  it('changes nothing when the index already has our settings', async () => {
    const again = await applySearchSettings(meili, { indexUid });

    expect(again.changed).toBe(false);
  });
});
