// The server process: the HTTP API, the built SvelteKit workspace and live ticket events
// in one Express server. `npm start` runs it beside the worker; in production it is its
// own process, scaled out by running more (live views fan out through LISTEN/NOTIFY).
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Server } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { createIntake } from '../channels/intake.ts';
import { createFolderBlobStore } from '../db/blob-store.ts';
import { openOrm } from '../db/orm.ts';
import { startFactRefresher } from '../reports/facts.ts';
import { prepareReports } from '../reports/report-service.ts';
import { startSurveyDispatcher } from '../reports/surveys.ts';
import { createMeili } from '../search/client.ts';
import { connectTemporalClient } from '../temporal/client.ts';
import { repoRoot, type CaseworkConfig } from '../temporal/config.ts';
import type { RunningServices } from '../temporal/local/index.ts';
import { createApp } from './app.ts';
import { openTicketChangeFeed } from './ticket-change-feed.ts';
import { enqueueMailInOutbox } from '../channels/acknowledgement/outbound-mail.ts';
import { startChatAwayMailer } from '../channels/chat/away-mailer.ts';
import { startSocialReplyRelay } from '../channels/social/platform-posts.ts';
import { startWebFormReplyMailer } from '../channels/web-form/reply-mailer.ts';
import { defaultChatOptions } from './routes/chat.ts';

export const uiHandlerPath = path.join(repoRoot, 'ui', 'build', 'handler.js');

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

/** Starts the HTTP server; `stop` closes connections, the feed, Temporal and the ORM. */
export async function startServer(options: {
  config: CaseworkConfig;
  services: RunningServices;
  log: Logger;
}): Promise<RunningServer> {
  const { config, services, log } = options;
  const orm = await openOrm({ databaseUrl: services.databaseUrl });
  const temporal = await connectTemporalClient({
    address: services.temporalAddress,
    namespace: services.temporalNamespace,
  });
  const feed = await openTicketChangeFeed({ databaseUrl: services.databaseUrl, log });
  const blobs = createFolderBlobStore({ root: path.join(config.dataDir, 'blobs') });
  const intake = createIntake({
    orm,
    temporal: temporal.client,
    taskQueue: config.temporal.taskQueue,
    blobs,
    log,
  });
  const meili = createMeili({ url: services.meiliUrl, masterKey: services.meiliMasterKey });

  const app = createApp({
    orm,
    temporal: temporal.client,
    intake,
    blobs,
    meili,
    feed,
    log,
    ui: await loadUiHandler(log),
  });
  // Chat replies to customers who left go by email; any number of servers may run this.
  const chatAwayMailer = startChatAwayMailer({
    orm,
    feed,
    enqueueMail: enqueueMailInOutbox,
    log,
    awayAfterMs: defaultChatOptions.awayAfterMs,
  });
  // Agents' replies on social tickets go back to the platform, on contact-form tickets by mail.
  const socialReplyRelay = startSocialReplyRelay({ orm, feed, log });
  const webFormReplyMailer = startWebFormReplyMailer({ orm, feed, log });
  const server = await listen(app, config.http.host, config.http.port);
  const url = `http://${config.http.host}:${config.http.port}`;
  log.info({ url }, 'server listening');
  // CSAT surveys after resolution (and NPS when CASEWORK_NPS_EVERY_DAYS is set): reports/surveys.ts.
  const surveys = startSurveyDispatcher({
    orm,
    log,
    baseUrl: process.env.CASEWORK_PUBLIC_URL ?? url,
    npsEveryDays: Number(process.env.CASEWORK_NPS_EVERY_DAYS) || undefined,
  });
  const reportFacts = startFactRefresher({ prepare: () => prepareReports(orm.em.fork()), log });

  return {
    url,
    async stop() {
      surveys.stop();
      reportFacts.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      chatAwayMailer.stop();
      socialReplyRelay.stop();
      webFormReplyMailer.stop();
      await feed.close();
      await temporal.close();
      await orm.close();
      log.info('server stopped');
    },
  };
}

async function loadUiHandler(log: Logger): Promise<RequestHandler | undefined> {
  if (!existsSync(uiHandlerPath)) {
    log.warn({ path: uiHandlerPath }, 'workspace UI is not built; run `npm run build:ui`');
    return undefined;
  }
  const module = (await import(uiHandlerPath)) as { handler: RequestHandler };
  return module.handler;
}

function listen(app: ReturnType<typeof createApp>, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) =>
      error ? reject(error) : resolve(server),
    );
  });
}
