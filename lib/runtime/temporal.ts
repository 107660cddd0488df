/**
 * One way to reach Temporal, for the CLI, the API, workers and tests. With TEMPORAL_API_KEY or TLS
 * settings it connects to a production cluster or Temporal Cloud; otherwise plain gRPC.
 */
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { StewardConfig } from './config';

function tlsOptions(cfg: StewardConfig['temporal']) {
  if (!cfg.tls) return undefined;
  if (cfg.tlsCert && cfg.tlsKey) {
    return { clientCertPair: { crt: readFileSync(cfg.tlsCert), key: readFileSync(cfg.tlsKey) } };
  }
  return true as const;
}

/** @example const client = await connectClient(cfg.temporal, address); */
export async function connectClient(cfg: StewardConfig['temporal'], address: string): Promise<Client> {
  const connection = await Connection.connect({ address, tls: tlsOptions(cfg), apiKey: cfg.apiKey });
  return new Client({ connection, namespace: cfg.namespace });
}

/** The worker-side connection (Rust core). */
export async function connectWorker(cfg: StewardConfig['temporal'], address: string): Promise<NativeConnection> {
  return NativeConnection.connect({ address, tls: tlsOptions(cfg), apiKey: cfg.apiKey });
}
