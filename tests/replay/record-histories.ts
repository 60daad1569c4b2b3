// Records the histories tests/replay/replay.test.ts replays: runs every scenario of
// ticket-scenarios.ts on the time-skipping test server with fake activities and saves each
// history as tests/replay/histories/ticket-<scenario>.json.
//
// Usage: node tests/replay/record-histories.ts [scenario ...]
// Record today's behaviour BEFORE changing the ticket workflow, commit the files, then change
// the code: replay.test.ts fails if the change would break tickets already in flight.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { writeHistoryFile } from '../../temporal/replay.ts';
import { createTimeSkippingEnv } from '../../temporal/testing/time-skipping-server.ts';
import { bundleTicketWorkflows, withTicket } from '../workflows/support/ticket-harness.ts';
import { ticketScenarios } from './ticket-scenarios.ts';

const historiesFolder = fileURLToPath(new URL('./histories/', import.meta.url));

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const scenarios = ticketScenarios.filter((s) => wanted.length === 0 || wanted.includes(s.name));
  if (scenarios.length === 0) {
    const names = ticketScenarios.map((s) => s.name).join(', ');
    throw new Error(`no scenario named ${wanted.join(', ')}; choose from: ${names}`);
  }

  Runtime.install({ logger: new DefaultLogger('WARN') });
  const [env, bundle] = await Promise.all([createTimeSkippingEnv(), bundleTicketWorkflows()]);
  try {
    for (const scenario of scenarios) {
      const history = await withTicket({ env, bundle, ...scenario }, async (ticket) => {
        await scenario.run(ticket, env);
        return ticket.handle.fetchHistory();
      });

      const file = path.join(historiesFolder, `ticket-${scenario.name}.json`);
      await writeHistoryFile({ file, history });
      console.log(
        `recorded ${path.relative(process.cwd(), file)} (${history.events?.length} events)`,
      );
    }
  } finally {
    await env.teardown();
  }
}

try {
  await main();
} catch (error) {
  console.error(`recording histories failed: ${(error as Error).message}`);
  process.exitCode = 1;
}
