// `npm run reports -- recompute --from <date> --to <date> [--team <id>] [--reason <text>]`:
// recomputes a period's metrics with today's definitions and calendars, stores them as a
// snapshot, and prints what changed against the last snapshot of the same period, so a
// calendar or definition fix shows exactly which numbers moved (reports/snapshots.ts).
// `npm run reports -- snapshots` lists the stored snapshots. Uses DATABASE_URL when set, else
// starts the local PostgreSQL of `npm start` (stop `npm start` first, or set DATABASE_URL).
// Exit 0 done, 1 failed, 2 bad arguments.
import { parseArgs } from 'node:util';
import pino from 'pino';
import { migrateDatabase, openOrm } from '../db/orm.ts';
import { loadConfig } from '../temporal/config.ts';
import { startPostgres } from '../temporal/local/postgres.ts';
import { listSnapshots, recomputePeriod, type Recomputation } from './snapshots.ts';

const usage = `usage:
  npm run reports -- recompute --from 2026-11-01 --to 2026-12-01 [--team 1] [--reason "holiday fix"]
  npm run reports -- snapshots`;

process.exitCode = await main(process.argv.slice(2));

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'recompute' && command !== 'snapshots') {
    console.error(usage);
    return 2;
  }
  const args = parseArguments(rest);
  if (args === null) return 2;

  const log = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
  const config = loadConfig();
  let databaseUrl = process.env.DATABASE_URL;
  const local = databaseUrl === undefined ? await startPostgres({ config, log }) : null;
  databaseUrl ??= local!.databaseUrl;
  try {
    await migrateDatabase({ databaseUrl, log });
    const orm = await openOrm({ databaseUrl, poolMax: 4 });
    try {
      if (command === 'snapshots') printSnapshots(await listSnapshots(orm.em.fork()));
      else printRecomputation(await recomputePeriod(orm.em.fork(), args));
      return 0;
    } finally {
      await orm.close();
    }
  } catch (error) {
    console.error(`reports ${command} failed: ${error instanceof Error ? error.message : error}`);
    return 1;
  } finally {
    await local?.stop();
  }
}

function parseArguments(argv: string[]) {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        team: { type: 'string' },
        reason: { type: 'string' },
      },
    });
    const from = values.from === undefined ? undefined : instant(values.from, '--from');
    const to = values.to === undefined ? undefined : instant(values.to, '--to');
    return {
      query: {
        from: from ?? new Date(Date.now() - 30 * 86_400_000).toISOString(),
        to: to ?? new Date().toISOString(),
        teamId: values.team === undefined ? undefined : Number(values.team),
      },
      reason: values.reason,
    };
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : error}\n\n${usage}`);
    return null;
  }
}

function instant(raw: string, flag: string): string {
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T00:00:00Z` : raw;
  if (Number.isNaN(Date.parse(iso))) throw new Error(`${flag} "${raw}" is not a date`);
  return new Date(iso).toISOString();
}

function printRecomputation(r: Recomputation): void {
  console.log(`Stored snapshot #${r.snapshotId} (definitions ${r.definitionsVersion}).`);
  if (r.previousSnapshotId === null) {
    console.log('No earlier snapshot of this period and filters; the numbers now:');
    for (const m of r.metrics) console.log(`  ${m.label}: ${m.value ?? 'n/a'} ${m.unit}`);
    return;
  }
  const since = `snapshot #${r.previousSnapshotId} (definitions ${r.previousDefinitionsVersion})`;
  if (r.changes.length === 0) {
    console.log(`Nothing changed since ${since}.`);
    return;
  }
  console.log(`Changed since ${since}:`);
  for (const c of r.changes) {
    console.log(`  ${c.metricId} ${c.field}: ${c.before ?? 'n/a'} -> ${c.after ?? 'n/a'}`);
  }
}

function printSnapshots(snapshots: Awaited<ReturnType<typeof listSnapshots>>): void {
  if (snapshots.length === 0) console.log('No snapshots yet: run `npm run reports -- recompute`.');
  for (const s of snapshots) {
    console.log(
      `#${s.id} ${s.period.from} .. ${s.period.to} definitions ${s.definitionsVersion} ` +
        `at ${s.createdAt}${s.reason ? ` — ${s.reason}` : ''}`,
    );
  }
}
