/** Tokens: create (shown once), list, revoke; and who the caller is. Admins only, apart from `/v1/me`. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { parseDuration } from '../../lib/core/duration';
import { StewardError } from '../../lib/core/errors';
import { createToken, listTokens, revokeToken } from '../../lib/identity/tokens';
import { authorize, note, who } from '../auth';
import type { ApiDeps } from '../deps';
import { commonProblems, problemResponse } from '../problems';
import { createdTokenSchema, identitySchema, isoDates, tokenInfoSchema, tokenRequestSchema } from '../schemas';

export function tokenRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.get('/v1/me', { config: { action: 'me' }, schema: { summary: 'The signed-in principal and its roles', tags: ['tokens'], response: { 200: identitySchema, ...commonProblems } } }, async (request) => {
    note(request, { action: 'me', resource: 'me' });
    return who(request);
  });

  app.post(
    '/v1/tokens',
    {
      config: { action: 'tokens.create' },
      schema: { summary: 'Create a token; the response holds it once (only its hash is kept)', tags: ['tokens'], body: tokenRequestSchema, response: { 201: createdTokenSchema, ...commonProblems, 404: problemResponse('no such model') } },
    },
    async (request, reply) => {
      note(request, { action: 'tokens.create', resource: 'tokens', model: request.body.model ?? null });
      const identity = authorize(request, 'tokens.manage', null);
      const { principal, role, model, expiresIn } = request.body;
      let expiresInMs: number | undefined;
      if (expiresIn !== undefined) {
        try {
          expiresInMs = parseDuration(expiresIn);
        } catch {
          throw new StewardError('InvalidInput', `"${expiresIn}" is not a duration (e.g. 30d, 12h)`, { field: '/body/expiresIn' });
        }
      }
      const created = await createToken(deps.db, { principal, role, model, expiresInMs, createdBy: identity.principal }, deps.clock());
      await deps.auditAnchor?.update(deps.db);
      note(request, { action: 'tokens.create', resource: `token/${created.id}`, model: created.model });
      return reply.code(201).send(isoDates(created));
    },
  );

  app.get(
    '/v1/tokens',
    { config: { action: 'tokens.list' }, schema: { summary: 'Tokens (never their secrets)', tags: ['tokens'], querystring: z.object({ principal: z.string().optional() }), response: { 200: z.array(tokenInfoSchema), ...commonProblems } } },
    async (request) => {
      note(request, { action: 'tokens.list', resource: 'tokens' });
      authorize(request, 'tokens.manage', null);
      return (await listTokens(deps.db, { principal: request.query.principal })).map(isoDates);
    },
  );

  app.delete(
    '/v1/tokens/:id',
    {
      config: { action: 'tokens.revoke' },
      schema: { summary: 'Revoke a token (at once: the next request with it is refused)', tags: ['tokens'], params: z.object({ id: z.string().min(1) }), response: { 200: tokenInfoSchema, ...commonProblems, 404: problemResponse('no such token') } },
    },
    async (request) => {
      note(request, { action: 'tokens.revoke', resource: `token/${request.params.id}` });
      const identity = authorize(request, 'tokens.manage', null);
      const revoked = await revokeToken(deps.db, request.params.id, identity.principal, deps.clock());
      await deps.auditAnchor?.update(deps.db);
      return isoDates(revoked);
    },
  );
}
