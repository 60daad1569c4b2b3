// The launcher's configuration and the checks it makes before starting anything.
// The real start-up of each service is exercised by every `npm test` run.
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { loadConfig, repoRoot } from '../../temporal/config.ts';
import { LocalServiceError, startLocalServices } from '../../temporal/local/index.ts';
import { installMeilisearch } from '../../temporal/local/meilisearch.ts';

const silent = pino({ level: 'silent' });

const externalServices = {
  DATABASE_URL: 'postgres://casework:secret@db.example:5432/casework',
  TEMPORAL_ADDRESS: 'temporal.example:7233',
  TEMPORAL_NAMESPACE: 'support',
  MEILI_URL: 'http://search.example:7700',
  MEILI_MASTER_KEY: 'a-master-key-of-sixteen-bytes',
};

describe('loadConfig', () => {
  it('starts everything locally on the documented ports when nothing is set', () => {
    const config = loadConfig({});

    expect(config.dataDir).toBe(path.join(repoRoot, '.data'));
    expect(config.http).toEqual({ host: '127.0.0.1', port: 3000 });
    expect(config.database).toEqual({ url: undefined, port: 54329 });
    expect(config.temporal).toEqual({
      address: undefined,
      namespace: 'default',
      taskQueue: 'casework-tickets',
      port: 7233,
      uiPort: 8233,
    });
    expect(config.meili).toEqual({ url: undefined, masterKey: undefined, port: 7700 });
    expect(config.logLevel).toBe('info');
  });

  it('takes every setting from the environment when given', () => {
    const config = loadConfig({
      ...externalServices,
      CASEWORK_DATA_DIR: '/srv/casework',
      CASEWORK_HOST: '0.0.0.0',
      CASEWORK_PORT: '8080',
      TEMPORAL_TASK_QUEUE: 'tickets-eu',
      CASEWORK_PG_PORT: '15432',
      CASEWORK_TEMPORAL_PORT: '17233',
      CASEWORK_TEMPORAL_UI_PORT: '18233',
      CASEWORK_MEILI_PORT: '17700',
      LOG_LEVEL: 'debug',
    });

    expect(config).toEqual({
      dataDir: '/srv/casework',
      http: { host: '0.0.0.0', port: 8080 },
      database: { url: externalServices.DATABASE_URL, port: 15432 },
      temporal: {
        address: 'temporal.example:7233',
        namespace: 'support',
        taskQueue: 'tickets-eu',
        port: 17233,
        uiPort: 18233,
      },
      meili: {
        url: 'http://search.example:7700',
        masterKey: 'a-master-key-of-sixteen-bytes',
        port: 17700,
      },
      logLevel: 'debug',
    });
  });

  it('treats a blank variable as unset', () => {
    const config = loadConfig({ DATABASE_URL: '  ', CASEWORK_PORT: '' });

    expect(config.database.url).toBeUndefined();
    expect(config.http.port).toBe(3000);
  });

  it.each(['abc', '0', '65536', '80a', '-1', '3000.5'])(
    'refuses CASEWORK_TEMPORAL_PORT=%s and names the variable',
    (value) => {
      const load = () => loadConfig({ CASEWORK_TEMPORAL_PORT: value });

      expect(load).toThrow(/^CASEWORK_TEMPORAL_PORT must be a TCP port/);
    },
  );

  it('refuses a Meilisearch URL without its master key', () => {
    const load = () => loadConfig({ MEILI_URL: 'http://search.example:7700' });

    expect(load).toThrow(/MEILI_MASTER_KEY/);
  });

  it('refuses an unknown log level and lists the known ones', () => {
    const load = () => loadConfig({ LOG_LEVEL: 'verbose' });

    expect(load).toThrow(/LOG_LEVEL must be one of .*debug/);
  });
});

describe('installMeilisearch', () => {
  let folder: string;

  beforeEach(() => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'casework-meili-'));
  });

  afterEach(() => {
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('refuses a binary whose SHA-256 is not the reviewed one, and leaves nothing to run', async () => {
    const source = path.join(folder, 'meilisearch-tampered');
    fs.writeFileSync(source, 'not the reviewed meilisearch');
    const target = path.join(folder, 'bin', 'meilisearch');

    const install = installMeilisearch({ source, target });

    await expect(install).rejects.toThrow(
      /Refusing to run Meilisearch: .* has SHA-256 [0-9a-f]{64}/,
    );
    expect(fs.existsSync(target)).toBe(false);
    expect(fs.readdirSync(path.join(folder, 'bin'))).toEqual([]);
  });

  it('installs a verified binary with its run bit, and replaces a tampered copy', async () => {
    const source = path.join(folder, 'meilisearch-package');
    fs.writeFileSync(source, 'reviewed bytes');
    const expectedSha256 = crypto.createHash('sha256').update('reviewed bytes').digest('hex');
    const target = path.join(folder, 'bin', 'meilisearch');
    fs.mkdirSync(path.dirname(target));
    fs.writeFileSync(target, 'tampered after install');

    const installed = await installMeilisearch({ source, target, expectedSha256 });

    expect(fs.readFileSync(installed, 'utf8')).toBe('reviewed bytes');
    expect(fs.statSync(installed).mode & 0o111).toBe(0o111);
  });
});

describe('startLocalServices', () => {
  it('starts nothing and reports the external addresses when all are configured', async () => {
    const config = loadConfig(externalServices);

    const services = await startLocalServices(config, { log: silent });
    await services.stop();

    expect(services).toMatchObject({
      databaseUrl: externalServices.DATABASE_URL,
      temporalAddress: 'temporal.example:7233',
      temporalNamespace: 'support',
      temporalUiUrl: null,
      meiliUrl: 'http://search.example:7700',
      meiliMasterKey: 'a-master-key-of-sixteen-bytes',
      startupMs: { postgres: 0, temporal: 0, meilisearch: 0 },
    });
  });

  it('names the service, the busy port and the variable to change when a port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busyPort = (blocker.address() as net.AddressInfo).port;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'casework-busy-'));
    const { MEILI_URL: _url, MEILI_MASTER_KEY: _key, ...others } = externalServices;
    const config = loadConfig({
      ...others,
      CASEWORK_DATA_DIR: dataDir,
      CASEWORK_MEILI_PORT: String(busyPort),
    });

    const start = startLocalServices(config, { log: silent });

    await expect(start).rejects.toThrow(LocalServiceError);
    await expect(start).rejects.toThrow(
      `meilisearch did not start: port ${busyPort} is in use. Set CASEWORK_MEILI_PORT`,
    );
    blocker.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
