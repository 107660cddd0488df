/**
 * The real control API over a test harness (its database, Temporal client, artifact store and audit
 * anchor), listening on a free loopback port, with a fresh decision key and helpers to mint tokens
 * and send requests as one.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApi } from '../../api/server';
import type { ApiDeps } from '../../api/deps';
import type { Role } from '../../lib/core/roles';
import { keyPairFromHex } from '../../lib/identity/keys';
import { createToken } from '../../lib/identity/tokens';
import type { Harness } from './harness';

export interface TestApi {
  app: FastifyInstance;
  deps: ApiDeps;
  /** http://127.0.0.1:<port> */
  url: string;
  /** A token for `principal` with `role` (for `model`, or every model when omitted). */
  token(principal: string, role: Role, model?: string): Promise<string>;
  /** Sends a request with the token (none when undefined), in process. */
  call(method: 'GET' | 'POST' | 'DELETE', url: string, token: string | undefined, body?: unknown): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function startTestApi(h: Harness): Promise<TestApi> {
  const deps: ApiDeps = {
    db: h.database.db,
    temporal: h.client,
    artifacts: h.artifacts,
    decisionKey: keyPairFromHex('decision', randomBytes(32).toString('hex'), 'test decision key'),
    auditAnchor: h.auditAnchor,
    auditPublicKey: h.auditKey.publicKeyHex,
    namespace: 'default',
    clock: () => new Date(),
    csrfSecret: randomBytes(32),
  };
  const app = await buildApi(deps);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    app,
    deps,
    url,
    async token(principal, role, model) {
      return (await createToken(h.database.db, { principal, role, model, createdBy: 'local:test' })).token;
    },
    call(method, path, token, body) {
      return app.inject({ method, url: path, headers: token ? { authorization: `Bearer ${token}` } : {}, ...(body === undefined ? {} : { payload: body as object }) });
    },
    close: () => app.close(),
  };
}
