// Shared arrangements for the knowledge-base tests: a PostgreSQL database of the file's own
// (tests/search/support.ts), KB index uids no other file uses, a running KB indexer, and a
// small workgroup (a team, its lead and an agent) to author KB articles.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Orm } from '../../db/orm.ts';
import { createMeili, type Meili } from '../../search/client.ts';
import { startKbIndexer, type KbIndexer } from '../../search/kb-indexer.ts';
import { applyKbSearchSettings } from '../../search/kb-settings.ts';
import { createTestDatabase, eventually, quietLog, requiredEnv } from '../search/support.ts';

export interface KbTestWorld {
  orm: Orm;
  meili: Meili;
  indexer: KbIndexer;
  articleIndexUid: string;
  macroIndexUid: string;
  team: { id: number; name: string };
  lead: { id: number; name: string };
  agent: { id: number; name: string };
  /** Waits until the KB indexer has drained every queued index job. */
  waitForIndexing(): Promise<void>;
  drop(): Promise<void>;
}

/** Builds a private database, index uids, a running KB indexer and a small team for one test file. */
export async function createKbTestWorld(
  options: { meili?: Meili; log?: Logger } = {},
): Promise<KbTestWorld> {
  const database = await createTestDatabase();
  const meili =
    options.meili ??
    createMeili({ url: requiredEnv('MEILI_URL'), masterKey: requiredEnv('MEILI_MASTER_KEY') });
  const suffix = randomBytes(4).toString('hex');
  const articleIndexUid = `kb_articles_test_${suffix}`;
  const macroIndexUid = `macros_test_${suffix}`;

  const workgroup = await seedWorkgroup(database.orm);
  if (options.meili === undefined)
    await applyKbSearchSettings(meili, { articleIndexUid, macroIndexUid });
  const indexer = startKbIndexer({
    orm: database.orm,
    meili,
    log: options.log ?? quietLog,
    articleIndexUid,
    macroIndexUid,
    idleMs: 500,
  });

  return {
    orm: database.orm,
    meili,
    indexer,
    articleIndexUid,
    macroIndexUid,
    ...workgroup,
    async waitForIndexing() {
      const isDrained = await eventually(
        async () => (await pendingKbJobs(database.orm)) === 0,
        30_000,
      );
      if (!isDrained) throw new Error('the KB indexer did not drain its outbox within 30 s');
    },
    async drop() {
      await indexer.stop();
      await meili
        .deleteIndex(articleIndexUid)
        .waitTask()
        .catch(() => undefined);
      await meili
        .deleteIndex(macroIndexUid)
        .waitTask()
        .catch(() => undefined);
      await database.drop();
    },
  };
}

/** How many KB index jobs wait in the outbox. */
export async function pendingKbJobs(orm: Orm): Promise<number> {
  const [row] = await orm.em
    .getConnection()
    .execute<{ total: string }[]>('select count(*) as total from kb_index_job');
  return Number(row!.total);
}

async function seedWorkgroup(orm: Orm) {
  const connection = orm.em.getConnection();
  const [team] = await connection.execute<{ id: number }[]>(
    `insert into team (name) values ('Billing') returning id`,
  );
  const [lead] = await connection.execute<{ id: number }[]>(
    `insert into agent (name, email, team_id) values ('Lena Lead', 'lena@example.test', ?) returning id`,
    [team!.id],
  );
  const [agent] = await connection.execute<{ id: number }[]>(
    `insert into agent (name, email, team_id) values ('Omar Agent', 'omar@example.test', ?) returning id`,
    [team!.id],
  );
  await connection.execute('update team set lead_agent_id = ? where id = ?', [lead!.id, team!.id]);
  return {
    team: { id: team!.id, name: 'Billing' },
    lead: { id: lead!.id, name: 'Lena Lead' },
    agent: { id: agent!.id, name: 'Omar Agent' },
  };
}
