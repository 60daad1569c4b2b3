// `npm run reindex`: rebuilds every Meilisearch index (KB articles, macros, tickets) from
// PostgreSQL, with a progress bar per index. Search keeps answering from the old indexes until
// each new one is swapped in (search/kb-reindex.ts). Services come from the same launcher as
// `npm start`, or from DATABASE_URL, MEILI_URL and MEILI_MASTER_KEY. Exit 0 rebuilt, 1 failed.
import { MultiBar, Presets } from 'cli-progress';
import pino from 'pino';
import { migrateDatabase, openOrm } from '../../db/orm.ts';
import { createMeili } from '../../search/client.ts';
import { rebuildSearchIndexes } from '../../search/kb-reindex.ts';
import { loadConfig } from '../config.ts';
import { startLocalServices, type RunningServices } from '../local/index.ts';

process.exitCode = await main();

async function main(): Promise<number> {
  const config = loadConfig();
  // Logs go to stderr and stay quiet unless LOG_LEVEL asks, so the bars are readable.
  const log = pino(
    { level: process.env.LOG_LEVEL ? config.logLevel : 'warn' },
    pino.destination(2),
  );

  let services: RunningServices;
  try {
    services = await startLocalServices(config, { log, temporalUi: false });
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    console.error(
      '\nIf `npm start` is running, point the reindex at its services with DATABASE_URL, ' +
        'MEILI_URL and MEILI_MASTER_KEY, or stop it and run `npm run reindex` again.',
    );
    return 1;
  }

  try {
    await migrateDatabase({ databaseUrl: services.databaseUrl, log });
    await rebuild(services);
    return 0;
  } catch (error) {
    console.error(
      `\nThe reindex failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    console.error('The live indexes were left as they were; run `npm run reindex` again.');
    return 1;
  } finally {
    await services.stop();
  }
}

async function rebuild(services: RunningServices): Promise<void> {
  const orm = await openOrm({ databaseUrl: services.databaseUrl, poolMax: 4 });
  const meili = createMeili({ url: services.meiliUrl, masterKey: services.meiliMasterKey });
  const bars = new MultiBar(
    {
      format: ' {index} |{bar}| {value}/{total} documents',
      hideCursor: true,
      clearOnComplete: false,
    },
    Presets.shades_classic,
  );
  const barsByIndex = new Map<string, ReturnType<MultiBar['create']>>();
  const began = performance.now();

  try {
    const written = await rebuildSearchIndexes({
      orm,
      meili,
      onProgress: ({ index, done, total }) => {
        const bar = barsByIndex.get(index) ?? bars.create(total, 0, { index: index.padEnd(12) });
        barsByIndex.set(index, bar);
        bar.setTotal(total);
        bar.update(done, { index: index.padEnd(12) });
      },
    });
    bars.stop();
    const seconds = (performance.now() - began) / 1000;
    const summary = Object.entries(written).map(([index, count]) => `${index} ${count}`);
    console.log(`\nRebuilt ${summary.join(', ')} in ${seconds.toFixed(1)} s.`);
  } finally {
    bars.stop();
    await orm.close();
  }
}
