// Proves the time-skipping test server from temporal/testing/ end to end: a real worker bundles
// a real workflow whose three-day timer must end in seconds, as SLA tests will rely on.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import {
  createTimeSkippingEnv,
  ensureTimeSkippingServer,
} from '../../temporal/testing/time-skipping-server.ts';
import { threeDaysMs } from './fixtures/sla-durations.ts';
import type { sleepyWorkflow } from './fixtures/sleepy-workflow.ts';

const workflowsPath = fileURLToPath(new URL('./fixtures/sleepy-workflow.ts', import.meta.url));

describe('time-skipping test server', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    // Worker state changes are logged at INFO; only warnings help when this test fails.
    Runtime.install({ logger: new DefaultLogger('WARN') });

    // The first run on a machine resolves the server's jars with Maven, which takes longer.
    env = await createTimeSkippingEnv();
  }, 120_000);

  afterAll(async () => {
    await env?.teardown();
  });

  it('wakes a workflow from a three-day sleep within seconds of wall time', async () => {
    const taskQueue = `time-skipping-${randomUUID()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath,
    });
    const serverStartMs = await env.currentTimeMs();
    const wallStartMs = performance.now();

    const result = await worker.runUntil(
      env.client.workflow.execute<typeof sleepyWorkflow>('sleepyWorkflow', {
        taskQueue,
        workflowId: `sleepy-${randomUUID()}`,
      }),
    );

    const wallMs = performance.now() - wallStartMs;
    expect(result.wokeAtMs - result.fellAsleepAtMs).toBeGreaterThanOrEqual(threeDaysMs);
    expect((await env.currentTimeMs()) - serverStartMs).toBeGreaterThanOrEqual(threeDaysMs);
    expect(wallMs).toBeLessThan(20_000);
  });

  it('starts from the cached jars when Maven cannot run', async () => {
    const noMaven = await fs.mkdtemp(path.join(os.tmpdir(), 'casework-no-maven-'));
    await fs.writeFile(path.join(noMaven, 'mvn'), '#!/bin/sh\nexit 97\n', { mode: 0o755 });
    const originalPath = process.env.PATH;
    process.env.PATH = `${noMaven}${path.delimiter}${originalPath}`;

    try {
      const executable = await ensureTimeSkippingServer();

      await expect(fs.access(executable, fs.constants.X_OK)).resolves.toBeUndefined();
    } finally {
      process.env.PATH = originalPath;
      await fs.rm(noMaven, { recursive: true, force: true });
    }
  });
});
