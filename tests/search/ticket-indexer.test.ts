import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { createMeili, type Meili } from '../../search/client.ts';
import { applySearchSettings } from '../../search/settings.ts';
import { startTicketIndexer, type TicketIndexer } from '../../search/ticket-indexer.ts';
import { searchTickets, searchUnavailableNotice } from '../../search/ticket-search.ts';
import {
  createTestDatabase,
  enqueueIndexJobs,
  eventually,
  pendingJobTicketIds,
  prepareMeilisearch,
  quietLog,
  seedTicket,
  uniqueIndexUid,
  type DisposableMeilisearch,
} from './support.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let server: DisposableMeilisearch;
let meili: Meili;
let indexer: TicketIndexer | null = null;

interface LogLine {
  level: number;
  msg: string;
}

function capturingLog() {
  const lines: LogLine[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

async function isFound(indexUid: string, q: string, id: number): Promise<boolean> {
  const result = await searchTickets({ meili, indexUid, q });
  return result.hits.some((hit) => hit.id === id);
}

async function indexedCount(indexUid: string): Promise<number> {
  const stats = await meili.index(indexUid).getStats();
  return stats.numberOfDocuments;
}

beforeAll(async () => {
  database = await createTestDatabase();
  server = await prepareMeilisearch();
  await server.start();
  meili = createMeili({ url: server.url, masterKey: server.masterKey });
}, 60_000);

afterEach(async () => {
  await indexer?.stop();
  indexer = null;
});

afterAll(async () => {
  await server?.remove();
  await database?.drop();
});

describe('startTicketIndexer', () => {
  it('indexes a ticket as soon as the projection notifies, without waiting for the poll', async () => {
    const indexUid = uniqueIndexUid();
    await applySearchSettings(meili, { indexUid });
    indexer = startTicketIndexer({
      orm: database.orm,
      meili,
      log: quietLog,
      indexUid,
      idleMs: 120_000,
    });
    const id = await seedTicket(database.orm, { subject: 'Kaffeemaschine tropft' });
    await new Promise((resolve) => setTimeout(resolve, 300));

    // The poll would take two minutes; only the notification can make this pass in time.
    const started = Date.now();
    await enqueueIndexJobs(database.orm, [id]);
    const isIndexed = await eventually(() => isFound(indexUid, 'kaffeemaschine', id), 20_000);

    expect(isIndexed).toBe(true);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('writes a ticket enqueued many times once and empties the outbox', async () => {
    const indexUid = uniqueIndexUid();
    await applySearchSettings(meili, { indexUid });
    const id = await seedTicket(database.orm, { subject: 'Duplicate jobs for one ticket' });
    await enqueueIndexJobs(database.orm, [id, id, id, id]);
    indexer = startTicketIndexer({ orm: database.orm, meili, log: quietLog, indexUid });

    const drained = await eventually(
      async () => (await pendingJobTicketIds(database.orm)).length === 0,
    );

    expect(drained).toBe(true);
    expect(await indexedCount(indexUid)).toBe(1);
  });

  it('lets two indexers drain one outbox side by side without losing or repeating a job', async () => {
    const indexUid = uniqueIndexUid();
    await applySearchSettings(meili, { indexUid });
    const ids = [];
    for (let n = 0; n < 30; n++) ids.push(await seedTicket(database.orm, { subject: `Bulk ${n}` }));
    await enqueueIndexJobs(database.orm, ids);
    const first = startTicketIndexer({
      orm: database.orm,
      meili,
      log: quietLog,
      indexUid,
      batchSize: 4,
    });
    const second = startTicketIndexer({
      orm: database.orm,
      meili,
      log: quietLog,
      indexUid,
      batchSize: 4,
    });

    const [a, b] = await Promise.all([first.drainOnce(), second.drainOnce()]);
    await eventually(async () => (await pendingJobTicketIds(database.orm)).length === 0);
    await Promise.all([first.stop(), second.stop()]);

    expect(a + b).toBeLessThanOrEqual(30);
    expect(await pendingJobTicketIds(database.orm)).toEqual([]);
    expect(await indexedCount(indexUid)).toBe(30);
  });

  it('removes a ticket from the index when its job finds no ticket row', async () => {
    const indexUid = uniqueIndexUid();
    await applySearchSettings(meili, { indexUid });
    const id = await seedTicket(database.orm, { subject: 'Soon forgotten ticket' });
    indexer = startTicketIndexer({ orm: database.orm, meili, log: quietLog, indexUid });
    await enqueueIndexJobs(database.orm, [id]);
    await eventually(() => isFound(indexUid, 'forgotten', id));

    await database.orm.em.getConnection().execute('delete from ticket where id = ?', [id]);
    await enqueueIndexJobs(database.orm, [id]);
    const isGone = await eventually(async () => !(await isFound(indexUid, 'forgotten', id)));

    expect(isGone).toBe(true);
  });

  it('gives the index its settings before the first write, so filtered searches work', async () => {
    const indexUid = uniqueIndexUid();
    const id = await seedTicket(database.orm, { subject: 'Monitor flickers', status: 'pending' });
    await enqueueIndexJobs(database.orm, [id]);
    indexer = startTicketIndexer({ orm: database.orm, meili, log: quietLog, indexUid });
    await eventually(async () => (await pendingJobTicketIds(database.orm)).length === 0);

    const result = await searchTickets({
      meili,
      indexUid,
      q: 'monitor',
      filters: { status: 'pending' },
    });

    expect(result.hits.map((hit) => hit.id)).toEqual([id]);
  });

  it('keeps jobs through a Meilisearch outage, never blocks intake, and catches up afterwards', async () => {
    const indexUid = uniqueIndexUid();
    await applySearchSettings(meili, { indexUid });
    const { log, lines } = capturingLog();
    indexer = startTicketIndexer({ orm: database.orm, meili, log, indexUid, idleMs: 200 });
    const before = await seedTicket(database.orm, { subject: 'Before the outage' });
    await enqueueIndexJobs(database.orm, [before]);
    await eventually(async () => (await pendingJobTicketIds(database.orm)).length === 0);

    await server.stop();
    const enqueueStarted = Date.now();
    const during = [
      await seedTicket(database.orm, { subject: 'Scanner outage one' }),
      await seedTicket(database.orm, { subject: 'Scanner outage two' }),
    ];
    await enqueueIndexJobs(database.orm, during);
    const enqueueMs = Date.now() - enqueueStarted;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const waitingDuringOutage = await pendingJobTicketIds(database.orm);
    const answerDuringOutage = await searchTickets({ meili, indexUid, q: 'scanner' });

    await server.start();
    // The outbox empties only after Meilisearch confirmed the write, so wait for both.
    const caughtUp = await eventually(async () => {
      const result = await searchTickets({ meili, indexUid, q: 'scanner outage' });
      const isSearchable = during.every((id) => result.hits.some((hit) => hit.id === id));
      // The indexer logs its recovery just after its commit, which a poll can see first.
      const hasResumed = lines.some((line) => line.msg === 'ticket indexing resumed');
      return isSearchable && hasResumed && (await pendingJobTicketIds(database.orm)).length === 0;
    }, 45_000);

    expect(enqueueMs).toBeLessThan(1_000);
    expect(waitingDuringOutage).toEqual(during);
    expect(answerDuringOutage.notice).toBe(searchUnavailableNotice);
    expect(caughtUp).toBe(true);
    expect(await isFound(indexUid, 'before outage', before)).toBe(true);
    expect(lines.filter((line) => line.msg === 'ticket indexing paused')).toHaveLength(1);
    expect(lines.filter((line) => line.msg === 'ticket indexing resumed')).toHaveLength(1);
  }, 90_000);
});
