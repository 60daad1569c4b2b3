// The one place a Meilisearch client is built, so every process talks to it the same way.
// We ask for uncompressed responses: Meilisearch gzips any answer over about 1 KB and
// streams it in small chunked writes, and over a keep-alive connection those writes wait
// on the client's delayed ACK, adding about 40 ms to every such search (measured, see
// tests/search/client.test.ts). On loopback or a LAN compression saves nothing.
import { Meilisearch, type EnqueuedTaskPromise, type Task } from 'meilisearch';

export type Meili = Meilisearch;

/** How long one HTTP request may take before we treat Meilisearch as unreachable. */
const requestTimeoutMs = 5_000;

/** Builds a Meilisearch client for `url`, authenticated with the master key; opens no connection. */
export function createMeili(options: { url: string; masterKey: string }): Meili {
  return new Meilisearch({
    host: options.url,
    apiKey: options.masterKey,
    timeout: requestTimeoutMs,
    clientAgents: ['Casework'],
    requestInit: { headers: { 'Accept-Encoding': 'identity' } },
  });
}

/** Longest we wait for Meilisearch to finish one index job before calling it failed. */
const indexJobTimeoutMs = 30_000;
const indexJobPollMs = 25;

/** Waits for an index job (a Meilisearch task) to finish and throws, naming `what`, unless it succeeded. */
export async function waitForIndexJob(
  meili: Meili,
  enqueued: EnqueuedTaskPromise,
  what: string,
): Promise<Task> {
  const task = await waitForFinishedTask(meili, enqueued, what);
  if (task.status !== 'succeeded') {
    const reason = task.error?.message ?? task.status;
    throw new Error(`Meilisearch could not ${what} (task ${task.uid}): ${reason}`);
  }
  return task;
}

/**
 * Polls until the task has succeeded, failed or been cancelled. We poll ourselves rather than
 * use the client's waitTask, whose timeout timer outlives a failed wait and keeps the process
 * alive for up to 30 s after an outage.
 */
export async function waitForFinishedTask(
  meili: Meili,
  enqueued: EnqueuedTaskPromise,
  what: string,
): Promise<Task> {
  const { taskUid } = await enqueued;
  const deadline = Date.now() + indexJobTimeoutMs;

  let task = await meili.tasks.getTask(taskUid);
  while (task.status === 'enqueued' || task.status === 'processing') {
    if (Date.now() > deadline) {
      throw new Error(
        `Meilisearch did not ${what} within ${indexJobTimeoutMs} ms (task ${taskUid}).`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, indexJobPollMs));
    task = await meili.tasks.getTask(taskUid);
  }
  return task;
}
