// Gives every request an id and a child logger (`req.log`) carrying it, and logs one line
// per finished request. Routes add `ticketId` to their log lines through `req.log`.
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

declare module 'express-serve-static-core' {
  interface Request {
    log: Logger;
    id: string;
  }
}

/** Adds `req.id` and `req.log`, and logs the method, path, status and duration of each request. */
export function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    req.id = req.get('x-request-id') ?? randomUUID();
    req.log = log.child({ requestId: req.id });
    res.setHeader('x-request-id', req.id);
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      req.log.debug(
        { method: req.method, path: req.originalUrl, status: res.statusCode, ms: Math.round(ms) },
        'request finished',
      );
    });
    next();
  };
}
