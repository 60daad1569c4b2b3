// `npm run bench -- <name>`: runs one bench against services it starts itself (see
// bench-services.ts) and prints its figures. Benches print numbers; they assert nothing, and
// exit non-zero only when something crashed. An unknown or missing name prints the list.
import { measureEmptyWorkflowRate } from './empty-workflow.ts';
import { runIntakeBench } from './intake.ts';
import { runImapBench } from './imap.ts';
import { runReportsBench } from './reports.ts';
import { runSearchBench } from './search.ts';
import { runUiBench } from './ui.ts';

interface Bench {
  describe: string;
  run: () => Promise<void>;
}

const benches: Record<string, Bench> = {
  intake: {
    describe:
      'POST tickets for a fixed window; tickets/s until triaged and assigned, API p50/p99, vs empty workflows',
    run: runIntakeBench,
  },
  search: {
    describe:
      'KB suggestion precision@3 and MRR; search p50/p99 and indexing rate over 10k KB articles, 100k tickets',
    run: runSearchBench,
  },
  ui: {
    describe:
      'queue page with 10k open tickets in Chromium: ms until the first 50 rows render, gzipped JS',
    run: runUiBench,
  },
  reports: {
    describe:
      'dashboard queries over 100k tickets and 1M timeline entries: median ms per query (target < 500 ms)',
    run: runReportsBench,
  },
  imap: {
    describe:
      'the corpus and cases repeated to N mails, APPENDed to Dovecot: mails/s the poller stores, and end to end',
    run: runImapBench,
  },
  'empty-workflow': {
    describe: 'the Temporal server alone: empty workflows started and completed per second',
    run: measureEmptyWorkflowRate,
  },
};

function printBenches(): void {
  console.log('usage: npm run bench -- <name>\n\nbenches:');
  for (const [name, bench] of Object.entries(benches)) {
    console.log(`  ${name.padEnd(16)} ${bench.describe}`);
  }
}

async function main(): Promise<number> {
  const name = process.argv[2];
  const bench = name === undefined ? undefined : benches[name];
  if (bench === undefined) {
    if (name !== undefined) console.error(`no bench named "${name}"\n`);
    printBenches();
    return name === undefined ? 0 : 2;
  }

  await bench.run();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('bench crashed:', error);
    process.exit(1);
  },
);
