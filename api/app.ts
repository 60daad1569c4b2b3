// The Express app, built by a function and exported without listening, so tests call it
// with supertest and the server process mounts it beside the built SvelteKit workspace.
// Order matters: the session is loaded, anonymous callers are refused (401) outside the
// public routes and state-changing requests need the CSRF header, then the JSON API
// routes, a JSON 404 for unknown API paths, and the one error handler; the UI handler
// (when given) serves everything outside /api.
import express, { type RequestHandler } from 'express';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Intake } from '../channels/intake.ts';
import type { BlobStore } from '../db/blob-store.ts';
import type { Orm } from '../db/orm.ts';
import type { Meili } from '../search/client.ts';
import { Role } from './auth/roles.ts';
import { createSignInThrottle, type SignInThrottle } from './auth/sign-in-throttle.ts';
import { apiNotFound, problemHandler } from './errors.ts';
import {
  loadSession,
  requireCsrf,
  requireRole,
  requireSignedIn,
} from './middleware/authenticate.ts';
import { pageSecurityHeaders } from './middleware/page-security-headers.ts';
import { rejectNulCharacters } from './middleware/reject-control-characters.ts';
import { requestLog } from './middleware/request-log.ts';
import { agentRoutes } from './routes/agents.ts';
import { calendarRoutes } from './routes/calendars.ts';
import { attachmentRoutes } from './routes/attachments.ts';
import { auditRoutes } from './routes/audit.ts';
import { directoryRoutes } from './routes/directory.ts';
import { helpCenterRoutes, kbRoutes } from './routes/kb.ts';
import { leadRoutes } from './routes/lead.ts';
import { inboxRoutes } from './routes/inbox.ts';
import { metricsEndpoint, requestTimer } from './routes/metrics-endpoint.ts';
import { reportRoutes } from './routes/reports.ts';
import { surveyApiRoutes, surveyPages } from './routes/surveys.ts';
import { timeLogRoutes } from './routes/time-log.ts';
import { presenceRoutes } from './routes/presence.ts';
import { searchRoutes } from './routes/search.ts';
import { sessionRoutes } from './routes/session.ts';
import { streamRoutes } from './routes/stream.ts';
import { ticketRoutes } from './routes/tickets.ts';
import { ticketCollabRoutes } from './routes/ticket-collab.ts';
import { notificationRoutes } from './routes/notifications.ts';
import { macroRoutes } from './routes/macros.ts';
import { customFieldRoutes } from './routes/custom-fields.ts';
import { chatRoutes, type ChatOptions } from './routes/chat.ts';
import { contactRoutes, type ContactLimits } from './routes/contact.ts';
import { phoneRoutes } from './routes/phone.ts';
import { requesterRoutes } from './routes/requesters.ts';
import { socialWebhookRoutes } from './routes/social-webhook.ts';
import {
  enqueueMailInOutbox,
  type EnqueueMail,
} from '../channels/acknowledgement/outbound-mail.ts';
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
  /** The macro index the macro picker searches; production uses `macros`. */
  macroIndexUid?: string;
  /** Counts failed sign-ins; one per app by default. */
  signInThrottle?: SignInThrottle;
  /** Chat, contact-form and social webhook settings; the defaults suit production. */
  channels?: {
    enqueueMail?: EnqueueMail;
    chat?: Partial<ChatOptions>;
    contact?: Partial<ContactLimits>;
    nowSeconds?: () => number;
  };
}

/** Builds the Casework HTTP app without listening. */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(requestLog(deps.log));
  app.use(requestTimer());
  app.use(pageSecurityHeaders);

  const api = express.Router();
  // Public channel endpoints read their own bodies: small limits, raw bytes for signatures.
  const enqueueMail = deps.channels?.enqueueMail ?? enqueueMailInOutbox;
  const nowSeconds = deps.channels?.nowSeconds;
  api.use(socialWebhookRoutes({ ...deps, enqueueMail, nowSeconds }));
  api.use(chatRoutes({ ...deps, enqueueMail, options: deps.channels?.chat }));
  api.use(contactRoutes({ ...deps, enqueueMail, limits: deps.channels?.contact }));
  api.use(express.json({ limit: '2mb' }));
  api.use(rejectNulCharacters);
  api.get('/health', (_req, res) => res.json({ status: 'ok' }));
  api.use(helpCenterRoutes({ orm: deps.orm, meili: deps.meili }));
  api.use(surveyApiRoutes({ orm: deps.orm }));
  api.use(loadSession(deps));
  api.use(requireSignedIn);
  api.use(requireCsrf);
  api.use(
    sessionRoutes({ orm: deps.orm, throttle: deps.signInThrottle ?? createSignInThrottle() }),
  );
  api.use(guardsByRole());
  api.use(ticketRoutes(deps));
  api.use(ticketCollabRoutes(deps));
  api.use(notificationRoutes(deps));
  api.use(macroRoutes(deps));
  api.use(customFieldRoutes(deps));
  api.use(auditRoutes(deps));
  api.use(directoryRoutes(deps));
  api.use(agentRoutes(deps));
  api.use(calendarRoutes(deps));
  api.use(attachmentRoutes(deps));
  api.use(searchRoutes({ meili: deps.meili, indexUid: deps.searchIndexUid }));
  api.use(kbRoutes({ orm: deps.orm, meili: deps.meili }));
  api.use(leadRoutes(deps));
  api.use(streamRoutes(deps));
  api.use(presenceRoutes(deps));
  api.use(phoneRoutes(deps));
  api.use(requesterRoutes(deps));
  api.use(inboxRoutes(deps));
  api.use(reportRoutes(deps));
  api.use(timeLogRoutes(deps));
  api.use(apiNotFound);
  api.use(problemHandler);
  app.use('/api', api);
  app.use(metricsEndpoint(deps));
  app.use(surveyPages(deps));

  if (deps.ui !== undefined) app.use(deps.ui);
  app.use(problemHandler);
  return app;
}

// Role checks in front of the routes: working a ticket is for agents, leads and admins
// (an auditor-only account reads but never writes to a customer); an audit timeline is for
// auditors, leads and admins; changing another agent's status is for leads and admins.
function guardsByRole(): express.Router {
  const guards = express.Router();
  guards.post(
    [
      '/tickets/:id/replies',
      '/tickets/:id/notes',
      '/tickets/:id/assignment',
      '/tickets/:id/status',
    ],
    requireRole(Role.Agent, Role.Lead, Role.Admin),
  );
  guards.use('/tickets/:id/audit', requireRole(Role.Auditor, Role.Lead, Role.Admin));
  guards.put('/calendars/:id', requireRole(Role.Lead, Role.Admin));
  guards.post('/agents/:id/status', (req, res, next) => {
    if (Number(req.params.id) === req.agent?.id) return next();
    return requireRole(Role.Lead, Role.Admin)(req, res, next);
  });
  return guards;
}
