// GET /metrics: the Prometheus scrape endpoint for operations (reports/prometheus.ts says what
// it exposes). It is protected: with CASEWORK_METRICS_TOKEN set, a scraper must send
// `Authorization: Bearer <token>`; without it, only loopback callers are answered (behind a
// reverse proxy every caller looks local, so set the token there). `requestTimer` measures
// every request by its route pattern, so ticket ids never become label values.
// Tests: tests/reports/metrics-endpoint.test.ts.
import { timingSafeEqual } from 'node:crypto';
import { Router, type Request, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Orm } from '../../db/orm.ts';
import { ProcessMetrics, renderDatabaseFigures } from '../../reports/prometheus.ts';

/** One registry per process, shared by the timer and the endpoint. */
export const processMetrics = new ProcessMetrics();

const loopback = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** Times each request and counts search errors; mount first so every route is measured. */
export function requestTimer(metrics: ProcessMetrics = processMetrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeOf(req);
      const status = String(res.statusCode);
      metrics.observeRequest({ method: req.method, route, status }, seconds);
      if (route.startsWith('/api/search') && res.statusCode >= 500) {
        metrics.increment('casework_search_errors_total', { status });
      }
    });
    next();
  };
}

// The matched route's pattern (e.g. /api/tickets/:id/replies); unmatched paths share one label.
function routeOf(req: Request): string {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof pattern !== 'string')
    return req.originalUrl.startsWith('/api') ? '/api/unmatched' : 'page';
  return `${req.baseUrl}${pattern}`;
}

/** GET /metrics, mounted on the app outside /api. */
export function metricsEndpoint(deps: {
  orm: Orm;
  log: Logger;
  token?: string;
  temporalMetricsUrl?: string;
  metrics?: ProcessMetrics;
}): Router {
  const router = Router();
  const token = deps.token ?? process.env.CASEWORK_METRICS_TOKEN;
  const temporalUrl = deps.temporalMetricsUrl ?? process.env.CASEWORK_TEMPORAL_METRICS_URL;

  router.get('/metrics', async (req, res) => {
    if (!isAllowed(req, token)) {
      res.status(token === undefined ? 403 : 401).type('text/plain');
      res.send(
        token === undefined
          ? 'GET /metrics answers loopback callers only; set CASEWORK_METRICS_TOKEN to scrape from elsewhere.\n'
          : 'Send Authorization: Bearer <CASEWORK_METRICS_TOKEN>.\n',
      );
      return;
    }
    const parts = [
      (deps.metrics ?? processMetrics).render(),
      await renderDatabaseFigures(deps.orm.em.fork()),
    ];
    if (temporalUrl !== undefined) parts.push(await temporalMetrics(temporalUrl, deps.log));
    res.type('text/plain; version=0.0.4; charset=utf-8').send(parts.join(''));
  });
  return router;
}

function isAllowed(req: Request, token: string | undefined): boolean {
  if (token === undefined || token === '') return loopback.has(req.socket.remoteAddress ?? '');
  const sent = Buffer.from(req.get('authorization') ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  return sent.length === expected.length && timingSafeEqual(sent, expected);
}

// The worker's own Temporal metrics (workflow task latencies), when it exports them.
async function temporalMetrics(url: string, log: Logger): Promise<string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    if (!response.ok) throw new Error(`answered ${response.status}`);
    return await response.text();
  } catch (error) {
    log.warn(
      { err: error, url },
      'Temporal worker metrics unavailable; /metrics answered without them',
    );
    return '# Temporal worker metrics unavailable\n';
  }
}
