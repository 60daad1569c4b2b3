// The whole HTTP app on the real stack for API tests: a worker on the file's own task queue,
// the live change feed and search, wired by createApp exactly as the server does it.
import type { Express } from 'express';
import { createApp, type AppDeps } from '../../api/app.ts';
import { openTicketChangeFeed } from '../../api/ticket-change-feed.ts';
import { createMeili } from '../../search/client.ts';
import { startTestStack, type TestStack } from './stack.ts';

export interface TestApp {
  stack: TestStack;
  app: Express;
  stop(): Promise<void>;
}

/** Starts the stack and builds the app (without listening); `stop` closes both. */
export async function startTestApp(options: {
  name: string;
  /** Channel settings (chat away time, rate limits, the mail door) for channel tests. */
  channels?: AppDeps['channels'];
}): Promise<TestApp> {
  const stack = await startTestStack(options);
  const feed = await openTicketChangeFeed({
    databaseUrl: stack.services.databaseUrl,
    log: stack.log,
  });
  const app = createApp({
    orm: stack.orm,
    temporal: stack.temporal.client,
    intake: stack.intake,
    blobs: stack.blobs,
    meili: createMeili({ url: stack.services.meiliUrl, masterKey: stack.services.meiliMasterKey }),
    feed,
    log: stack.log,
    channels: options.channels,
  });
  return {
    stack,
    app,
    async stop() {
      await feed.close();
      await stack.stop();
    },
  };
}
