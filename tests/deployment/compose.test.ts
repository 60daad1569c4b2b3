// docker-compose.yml cannot be started here (no Docker engine), so these tests
// read it as data and hold it to what temporal/config.ts reads.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import {
  configVariables,
  loadConfig,
  localServiceVariables,
  repoRoot,
} from '../../temporal/config.ts';

interface ComposeService {
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
}

const compose = parse(fs.readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8'), {
  merge: true,
}) as { services: Record<string, ComposeService> };

const caseworkProcesses = ['server', 'worker'];
const deploymentVariables = configVariables.filter((name) => !localServiceVariables.includes(name));

function environmentOf(name: string): Record<string, string> {
  return compose.services[name]?.environment ?? {};
}

describe('docker-compose.yml', () => {
  it.each(caseworkProcesses)('gives the %s every variable Casework reads', (name) => {
    const environment = environmentOf(name);

    const missing = deploymentVariables.filter((variable) => !(variable in environment));

    expect(missing).toEqual([]);
  });

  it.each(caseworkProcesses)('gives the %s no variable Casework ignores', (name) => {
    const environment = environmentOf(name);

    const unknown = Object.keys(environment).filter((name) => !configVariables.includes(name));

    expect(unknown).toEqual([]);
  });

  it.each([...caseworkProcesses, 'migrate'])(
    'points the %s at the deployed services, so it starts none of its own',
    (name) => {
      const config = loadConfig(environmentOf(name));

      expect(config.database.url).toContain('@postgres:5432/');
      expect(config.temporal.address).toBe('temporal:7233');
      expect(config.meili.url).toBe('http://meilisearch:7700');
      expect(config.meili.masterKey).toBeTruthy();
    },
  );

  it('publishes the port the server listens on, on all interfaces', () => {
    const config = loadConfig(environmentOf('server'));

    expect(config.http.host).toBe('0.0.0.0');
    expect(compose.services.server?.ports).toContain(`${config.http.port}:${config.http.port}`);
  });

  it('runs each Casework process in one role of the start script', () => {
    const roles = ['migrate', ...caseworkProcesses].map((name) => compose.services[name]?.command);

    expect(roles).toEqual([
      ['--role', 'migrate'],
      ['--role', 'server'],
      ['--role', 'worker'],
    ]);
  });

  it('shares the Temporal namespace and task queue between server and worker', () => {
    const [server, worker] = caseworkProcesses.map((name) => loadConfig(environmentOf(name)));

    expect(worker?.temporal.namespace).toBe(server?.temporal.namespace);
    expect(worker?.temporal.taskQueue).toBe(server?.temporal.taskQueue);
  });
});
