// The Express app, built by a function and exported without listening, so tests call it
// with supertest and the server process mounts it beside the built SvelteKit workspace.
// Order matters: JSON API routes, a JSON 404 for unknown API paths, then the one error
// handler; the UI handler (when given) serves everything outside /api.
import express, { type RequestHandler } from 'express';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Intake } from '../channels/intake.ts';
import type { BlobStore } from '../db/blob-store.ts';
import type { Orm } from '../db/orm.ts';
import type { Meili } from '../search/client.ts';
import { apiNotFound, problemHandler } from './errors.ts';
import { requestLog } from './middleware/request-log.ts';
import { agentRoutes } from './routes/agents.ts';
import { attachmentRoutes } from './routes/attachments.ts';
import { auditRoutes } from './routes/audit.ts';
import { directoryRoutes } from './routes/directory.ts';
import { searchRoutes } from './routes/search.ts';
import { streamRoutes } from './routes/stream.ts';
import { ticketRoutes } from './routes/tickets.ts';
import type { TicketChangeFeed } from './ticket-change-feed.ts';

export interface AppDeps {
  orm: Orm;
  temporal: Client;
  intake: Intake;
  blobs: BlobStore;
  meili: Meili;
  feed: TicketChangeFeed;
  log: Logger;
  /** The built SvelteKit handler; absent in API-only tests. */
  ui?: RequestHandler;
  searchIndexUid?: string;
}

/** Builds the Casework HTTP app without listening. */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(requestLog(deps.log));

  const api = express.Router();
  api.use(express.json({ limit: '2mb' }));
  api.get('/health', (_req, res) => res.json({ status: 'ok' }));
  api.use(ticketRoutes(deps));
  api.use(auditRoutes(deps));
  api.use(directoryRoutes(deps));
  api.use(agentRoutes(deps));
  api.use(attachmentRoutes(deps));
  api.use(searchRoutes({ meili: deps.meili, indexUid: deps.searchIndexUid }));
  api.use(streamRoutes(deps));
  api.use(apiNotFound);
  api.use(problemHandler);
  app.use('/api', api);

  if (deps.ui !== undefined) app.use(deps.ui);
  app.use(problemHandler);
  return app;
}
