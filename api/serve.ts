/**
 * The control API as a running server: its dependencies wired from the configuration (keys from the
 * environment or the state folder, the artifact store, OIDC when configured), listening on a port.
 * `steward api` and `steward dev` start it this way.
 */
import { createHmac } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { StewardDb } from '../db/client';
import { createAuditAnchor } from '../lib/audit/anchor';
import { loadOrCreateKey } from '../lib/identity/keys';
import { oidcVerifier } from '../lib/identity/oidc';
import { localArtifactStore } from '../lib/runtime/artifacts';
import type { StewardConfig } from '../lib/runtime/config';
import { StewardError } from '../lib/core/errors';
import { buildApi } from './server';

export interface ServeOptions {
  config: StewardConfig;
  db: StewardDb;
  temporal: Client;
  port: number;
  host?: string;
  temporalUiUrl?: string;
  logger?: boolean;
  trustProxy?: boolean;
}

export interface RunningApi {
  url: string;
  app: FastifyInstance;
  /** The key every release started here carries. */
  decisionPublicKey: string;
  close(): Promise<void>;
}

/** @example const api = await serveApi({ config, db, temporal: client, port: 8081 }); console.log(api.url); */
export async function serveApi(o: ServeOptions): Promise<RunningApi> {
  const { config } = o;
  const artifacts = localArtifactStore(config.artifactsDir);
  const decisionKey = loadOrCreateKey(config.home, 'decision', config.keys.decision);
  const auditKey = loadOrCreateKey(config.home, 'audit', config.keys.audit);
  const app = await buildApi(
    {
      db: o.db,
      temporal: o.temporal,
      artifacts,
      decisionKey,
      auditAnchor: createAuditAnchor(artifacts, auditKey),
      auditPublicKey: auditKey.publicKeyHex,
      oidc: config.oidc ? oidcVerifier(config.oidc) : undefined,
      temporalUiUrl: o.temporalUiUrl,
      namespace: config.temporal.namespace,
      clock: () => new Date(),
      // Derived from the decision key: every instance of the API behind one address accepts the others' forms.
      csrfSecret: createHmac('sha256', decisionKey.secretKey).update('steward-csrf-v1').digest(),
    },
    { logger: o.logger, trustProxy: o.trustProxy },
  );
  const host = o.host ?? '127.0.0.1';
  try {
    await app.listen({ port: o.port, host });
  } catch (e) {
    await app.close();
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new StewardError('InvalidInput', `port ${o.port} on ${host} is in use: choose another for the control API`, { field: '--api-port' });
    }
    throw e;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, app, decisionPublicKey: decisionKey.publicKeyHex, close: () => app.close() };
}
