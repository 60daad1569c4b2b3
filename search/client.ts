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

/** Waits for an index job (a Meilisearch task) to finish and throws, naming `what`, unless it succeeded. */
export async function waitForIndexJob(enqueued: EnqueuedTaskPromise, what: string): Promise<Task> {
  const task = await enqueued.waitTask({ timeout: indexJobTimeoutMs, interval: 25 });
  if (task.status !== 'succeeded') {
    const reason = task.error?.message ?? task.status;
    throw new Error(`Meilisearch could not ${what} (task ${task.uid}): ${reason}`);
  }
  return task;
}
