/**
 * The control API (`steward api`, also started by `steward dev`): Fastify with every request and
 * response schema in zod, an OpenAPI 3.1 document generated from them at `/openapi.json`, RFC 9457
 * problem documents for errors, token (or OIDC) authentication and role checks before anything is
 * touched, and an access-log row for every request. Writes start and update Temporal workflows
 * exactly as the CLI does (lib/release/client.ts), with the principal from the credential.
 *
 * @example
 *   const app = await buildApi(deps); await app.listen({ port: 8081, host: '127.0.0.1' });
 */
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { recordAccess } from '../lib/identity/access-log';
import { authenticate, sourceOf } from './auth';
import type { ApiDeps } from './deps';
import { problemOf } from './problems';
import { auditRoutes } from './routes/audit';
import { incidentRoutes } from './routes/incidents';
import { modelRoutes } from './routes/models';
import { monitoringRoutes } from './routes/monitoring';
import { releaseRoutes } from './routes/releases';
import { rolloutRoutes } from './routes/rollouts';
import { tokenRoutes } from './routes/tokens';
import { uiRoutes } from './ui/routes';

export type { ApiDeps } from './deps';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The access log's name for what the route does (e.g. `releases.approve`). */
    action?: string;
  }
  interface FastifyInstance {
    /** Every route served (method, URL, and whether the OpenAPI document leaves it out): the document's test compares. */
    servedRoutes: Array<{ method: string; url: string; hidden: boolean }>;
  }
}

export interface BuildOptions {
  /** Log requests to stderr (pino). */
  logger?: boolean;
  /** Behind a reverse proxy: take the client address from X-Forwarded-For. */
  trustProxy?: boolean;
}

export async function buildApi(deps: ApiDeps, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? false, trustProxy: options.trustProxy ?? false, bodyLimit: 4 * 1024 * 1024 });
  const served: FastifyInstance['servedRoutes'] = [];
  app.decorate('servedRoutes', served);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') served.push({ method, url: route.url, hidden: Boolean((route.schema as { hide?: boolean } | undefined)?.hide) });
    }
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // The approval pages post plain HTML forms.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Steward control API',
        version: '1',
        description:
          'Models, releases (start, follow, approve, reject, cancel), rollouts (start, state, pause, resume, abort, promote) and rollback, monitors (start, state, windows, stop), incidents (open, acknowledge, runbook steps, resolve, postmortem) and the audit record. Every request needs `Authorization: Bearer <token>`; the principal comes from the token. Errors are RFC 9457 problem documents (application/problem+json).',
      },
      components: { securitySchemes: { token: { type: 'http', scheme: 'bearer', description: 'a Steward API token (steward token create) or an OIDC JWT' } } },
      security: [{ token: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });

  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.public || !request.routeOptions.url) return;
    await authenticate(deps, request);
  });

  app.addHook('onResponse', async (request, reply) => {
    const config = request.routeOptions.config;
    if (config?.unlogged) return;
    const identity = request.identity;
    await recordAccess(deps.db, {
      at: deps.clock(),
      principal: identity?.principal ?? null,
      role: identity ? identity.grants.map((g) => (g.model ? `${g.role}:${g.model}` : g.role)).join(',') || null : null,
      credential: identity?.credential ?? null,
      action: request.access?.action ?? config?.action ?? `${request.method} ${request.routeOptions.url ?? 'unknown route'}`,
      resource: request.access?.resource ?? request.url.split('?')[0],
      model: request.access?.model ?? null,
      status: reply.statusCode,
      source: sourceOf(request),
      method: request.method,
    }).catch((e: unknown) => request.log.error(e, 'access log write failed'));
  });

  app.setErrorHandler(async (err, request, reply) => {
    const problem = problemOf(err, request.url.split('?')[0]);
    if (problem.status >= 500) console.error(`steward api: ${request.method} ${request.url}:`, err);
    if (problem.status === 401) reply.header('www-authenticate', 'Bearer realm="steward"');
    return reply.code(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  });
  app.setNotFoundHandler(async (request, reply) => {
    const problem = problemOf({ statusCode: 404, message: `no route ${request.method} ${request.url.split('?')[0]} (GET /openapi.json lists them)` }, request.url.split('?')[0]);
    return reply.code(404).type('application/problem+json').send(JSON.stringify(problem));
  });

  app.get('/healthz', { config: { public: true, unlogged: true }, schema: { hide: true } }, async () => ({ ok: true }));
  app.get('/openapi.json', { config: { public: true, unlogged: true }, schema: { hide: true } }, async () => app.swagger());

  await app.register(async (scope) => {
    modelRoutes(scope, deps);
    releaseRoutes(scope, deps);
    monitoringRoutes(scope, deps);
    incidentRoutes(scope, deps);
    rolloutRoutes(scope, deps);
    auditRoutes(scope, deps);
    tokenRoutes(scope, deps);
  });
  await app.register(async (scope) => uiRoutes(scope, deps));
  await app.ready();
  return app;
}
