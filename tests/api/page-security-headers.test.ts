// The workspace must not be framed by another site (clickjacking a signed-in agent), while
// the pages customers see may sit in an iframe on the customer's own website.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pageSecurityHeaders } from '../../api/middleware/page-security-headers.ts';

let server: Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.use(pageSecurityHeaders);
  app.use((_req, res) => res.send('page'));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('page security headers', () => {
  it.each(['/', '/tickets/1001', '/kb', '/reports', '/api/tickets', '/helpful'])(
    'refuses framing of the agent page %s',
    async (path) => {
      const response = await fetch(`${base}${path}`);

      expect(response.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    },
  );

  it.each(['/help', '/help/articles/3', '/chat', '/contact', '/survey/abc/good'])(
    'lets a customer site embed %s',
    async (path) => {
      const response = await fetch(`${base}${path}`);

      expect(response.headers.get('content-security-policy')).toBeNull();
      expect(response.headers.get('x-frame-options')).toBeNull();
      expect(response.headers.get('referrer-policy')).toBe('same-origin');
    },
  );
});
