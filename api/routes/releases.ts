/**
 * Releases: start, list, status, approve, reject, cancel. Writes go to Temporal exactly as the CLI's
 * (lib/release/client.ts), with the principal from the credential; a release started here carries the
 * API's decision key, and every decision sent from here is signed with it over the release, the
 * principal, the decision, the comment and the API's clock.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { and, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { releases } from '../../db/schema';
import { StewardError } from '../../lib/core/errors';
import { samePrincipal } from '../../lib/core/identity';
import { searchAttributes } from '../../lib/core/names';
import { allowed, scopeOf } from '../../lib/core/roles';
import { signDecision } from '../../lib/release/decision-signature';
import { decideRelease, releaseState, startRelease } from '../../lib/release/client';
import { releaseStatuses, type DecisionKind, type ReleaseState } from '../../lib/release/types';
import { getModel } from '../../lib/registry/models';
import { authorize, authorizeSome, note, who } from '../auth';
import type { ApiDeps } from '../deps';
import { commonProblems, problemResponse } from '../problems';
import { decisionRequestSchema, isoDates, releaseRequestSchema, releaseRowSchema, releaseStartedSchema, releaseStateSchema } from '../schemas';

const idParams = z.object({ id: z.string().min(1).max(200) });
const notFound = problemResponse('no such release (or model)');
const conflict = problemResponse('the release is not waiting for this decision (already decided, ended, or this principal has decided)');

/** The model a release belongs to, from Temporal (not the database): `NotFound` when there is no such release. */
export async function releaseModel(deps: ApiDeps, id: string): Promise<string> {
  try {
    const description = await deps.temporal.workflow.getHandle(id).describe();
    const model = description.typedSearchAttributes.get(searchAttributes.model);
    if (!model) throw new StewardError('NotFound', `${id} is not a Steward release`);
    return model;
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError') throw new StewardError('NotFound', `release ${id} does not exist`);
    throw err;
  }
}

/**
 * Signs and sends a decision as the signed-in principal (also used by the approval page).
 *
 * @example await sendDecision(deps, 'ravi.risk', id, 'approve', 'fairness report reviewed');
 */
export async function sendDecision(deps: ApiDeps, principal: string, id: string, kind: DecisionKind, comment: string): Promise<ReleaseState> {
  const signature = signDecision(deps.decisionKey.secretKey, { releaseId: id, principal, decision: kind, comment, at: deps.clock().toISOString() });
  return decideRelease(deps.temporal, id, kind, { principal, comment, signature });
}

export function releaseRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/v1/releases',
    {
      config: { action: 'releases.start' },
      schema: {
        summary: 'Start a release (validate, train, evaluate, sign-off, promote) requested by the signed-in principal',
        tags: ['releases'],
        body: releaseRequestSchema,
        response: { 201: releaseStartedSchema, ...commonProblems, 404: notFound },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const identity = authorize(request, 'releases.start', body.model);
      note(request, { action: 'releases.start', resource: `model/${body.model}/releases`, model: body.model });
      await getModel(deps.db, body.model);
      const releaseId = await startRelease(deps.temporal, { ...body, requestedBy: identity.principal, decisionKey: deps.decisionKey.publicKeyHex });
      note(request, { action: 'releases.start', resource: `release/${releaseId}`, model: body.model });
      const ui = deps.temporalUiUrl ? `${deps.temporalUiUrl}/namespaces/${deps.namespace}/workflows/${releaseId}` : undefined;
      return reply.code(201).send({ releaseId, ...(ui ? { ui } : {}) });
    },
  );

  app.get(
    '/v1/releases',
    {
      config: { action: 'releases.list' },
      schema: {
        summary: 'Releases, newest first, filtered (those of models the principal may read)',
        tags: ['releases'],
        querystring: z.object({
          model: z.string().optional(),
          status: z.enum(releaseStatuses).optional(),
          requestedBy: z.string().optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
        response: { 200: z.array(releaseRowSchema), ...commonProblems },
      },
    },
    async (request) => {
      const q = request.query;
      const scope = scopeOf(who(request).grants, 'releases.read');
      note(request, { action: 'releases.list', resource: 'releases', model: q.model ?? null });
      const where: SQL[] = [];
      if (q.model) where.push(eq(releases.model, q.model));
      if (q.status) where.push(eq(releases.status, q.status));
      if (q.requestedBy) where.push(eq(releases.requestedBy, q.requestedBy.toLowerCase()));
      if (scope !== 'all') where.push(scope.length ? inArray(releases.model, scope) : sql`false`);
      const rows = await deps.db
        .select()
        .from(releases)
        .where(where.length ? and(...where) : undefined)
        .orderBy(desc(releases.createdAt))
        .limit(q.limit);
      return rows.map(({ id, model, requestedBy, stage, status, version, reason, createdAt, updatedAt }) => isoDates({ id, model, requestedBy, stage, status, version, reason, createdAt, updatedAt }));
    },
  );

  app.get(
    '/v1/releases/:id',
    { config: { action: 'releases.status' }, schema: { summary: "A release's stage, evidence and decisions", tags: ['releases'], params: idParams, response: { 200: releaseStateSchema, ...commonProblems, 404: notFound } } },
    async (request) => {
      const { id } = request.params;
      note(request, { action: 'releases.status', resource: `release/${id}` });
      authorizeSome(request, 'releases.read');
      const model = await releaseModel(deps, id);
      note(request, { action: 'releases.status', resource: `release/${id}`, model });
      authorize(request, 'releases.read', model);
      return releaseState(deps.temporal, id);
    },
  );

  for (const kind of ['approve', 'reject'] as const) {
    app.post(
      `/v1/releases/:id/${kind}`,
      {
        config: { action: `releases.${kind}` },
        schema: {
          summary: `${kind === 'approve' ? 'Approve' : 'Reject'} a release waiting for sign-off, as the signed-in principal (the policy's approver list, quorum and separation of duties still apply)`,
          tags: ['releases'],
          params: idParams,
          body: decisionRequestSchema,
          response: { 200: releaseStateSchema, ...commonProblems, 404: notFound, 409: conflict },
        },
      },
      async (request) => {
        const { id } = request.params;
        note(request, { action: `releases.${kind}`, resource: `release/${id}` });
        authorizeSome(request, 'releases.decide');
        const model = await releaseModel(deps, id);
        note(request, { action: `releases.${kind}`, resource: `release/${id}`, model });
        const identity = authorize(request, 'releases.decide', model);
        return sendDecision(deps, identity.principal, id, kind, request.body.comment);
      },
    );
  }

  app.post(
    '/v1/releases/:id/cancel',
    {
      config: { action: 'releases.cancel' },
      schema: {
        summary: 'Cancel a running release (operator or admin, or the requester of this release); production is left as it is',
        tags: ['releases'],
        params: idParams,
        response: { 202: z.object({ releaseId: z.string(), cancelRequested: z.literal(true) }), ...commonProblems, 404: notFound, 409: problemResponse('the release has already ended') },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const model = await releaseModel(deps, id);
      note(request, { action: 'releases.cancel', resource: `release/${id}`, model });
      const identity = who(request);
      const state = await releaseState(deps.temporal, id);
      const ownRelease = samePrincipal(state.requestedBy, identity.principal) && allowed(identity.grants, 'releases.start', model);
      if (!ownRelease) authorize(request, 'releases.cancel', model);
      if (state.status !== 'running') throw new StewardError('AlreadyDecided', `release ${id} has already ended (${state.status})`);
      await deps.temporal.workflow.getHandle(id).cancel();
      return reply.code(202).send({ releaseId: id, cancelRequested: true as const });
    },
  );
}
