// Temporal client bootstrap for the server, the CLI tools and tests: one connection per
// process to the configured (or locally launched) Temporal frontend.
import { Client, Connection } from '@temporalio/client';

export interface TemporalClientHandle {
  client: Client;
  close(): Promise<void>;
}

/** Connects a Temporal client; the caller closes it when the process stops. */
export async function connectTemporalClient(options: {
  address: string;
  namespace: string;
}): Promise<TemporalClientHandle> {
  const connection = await Connection.connect({ address: options.address });
  const client = new Client({ connection, namespace: options.namespace });
  return { client, close: () => connection.close() };
}
