/** Models: list, register or update a policy, versions, and a version's evidence (card, evaluation report). */
import { isAbsolute } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { StewardError } from '../../lib/core/errors';
import { scopeOf } from '../../lib/core/roles';
import { parsePolicy } from '../../lib/policy/schema';
import { renderVersionCard } from '../../lib/registry/cards';
import { getModel, getVersion, listModels, listVersions, registerModel } from '../../lib/registry/models';
import { authorize, note, who } from '../auth';
import type { ApiDeps } from '../deps';
import { commonProblems, problemResponse } from '../problems';
import { cardSchema, isoDates, modelSummarySchema, registeredSchema, versionSchema } from '../schemas';

const modelParams = z.object({ model: z.string().min(1) });
const versionParams = modelParams.extend({ version: z.string().regex(/^v?\d+$/, 'a version: 3 or v3').transform((v) => Number(v.replace(/^v/, ''))) });
const notFound = problemResponse('no such model or version');

export function modelRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { db } = deps;

  app.get(
    '/v1/models',
    { config: { action: 'models.list' }, schema: { summary: 'Models with their production and latest versions (those the principal may read)', tags: ['models'], response: { 200: z.array(modelSummarySchema), ...commonProblems } } },
    async (request) => {
      const scope = scopeOf(who(request).grants, 'models.read');
      note(request, { action: 'models.list', resource: 'models' });
      const rows = await listModels(db);
      return scope === 'all' ? rows : rows.filter((m) => scope.includes(m.name));
    },
  );

  app.post(
    '/v1/models',
    {
      config: { action: 'models.register' },
      schema: {
        summary: "Register a model or update its policy (the policy names the model); recorded in the audit record with the approvers",
        tags: ['models'],
        body: z.record(z.string(), z.unknown()).describe('a model policy (policies/adult-income.json is an example); file paths must be absolute'),
        response: { 200: registeredSchema, 201: registeredSchema, ...commonProblems, 422: problemResponse('the policy does not parse (field names where)') },
      },
    },
    async (request, reply) => {
      const model = typeof request.body.model === 'string' ? request.body.model : null;
      const identity = authorize(request, 'models.register', model);
      note(request, { action: 'models.register', resource: `model/${model ?? '?'}/policy`, model });
      const policy = parsePolicy(request.body, 'request body');
      if (!isAbsolute(policy.data.evaluationFile)) {
        throw new StewardError('InvalidPolicy', `"${policy.data.evaluationFile}" must be an absolute path on the workers' file system`, { field: 'data.evaluationFile' });
      }
      const registered = await registerModel(db, policy, identity.principal);
      await deps.auditAnchor?.update(db);
      return reply.code(registered.created ? 201 : 200).send(registered);
    },
  );

  app.get(
    '/v1/models/:model/versions',
    { config: { action: 'models.versions' }, schema: { summary: "A model's versions with metrics and lineage, newest first", tags: ['models'], params: modelParams, response: { 200: z.array(versionSchema), ...commonProblems, 404: notFound } } },
    async (request) => {
      const { model } = request.params;
      authorize(request, 'models.read', model);
      note(request, { action: 'models.versions', resource: `model/${model}/versions`, model });
      await getModel(db, model);
      return (await listVersions(db, model)).map(isoDates);
    },
  );

  app.get(
    '/v1/models/:model/versions/:version/card',
    {
      config: { action: 'models.card' },
      schema: { summary: "A version's model card: Markdown, self-contained HTML with charts, and the card's data (an evidence read: logged)", tags: ['models', 'evidence'], params: versionParams, response: { 200: cardSchema, ...commonProblems, 404: notFound } },
    },
    async (request) => {
      const { model, version } = request.params;
      authorize(request, 'models.read', model);
      note(request, { action: 'models.card', resource: `model/${model}/v${version}/card`, model });
      const card = await renderVersionCard(db, deps.artifacts, model, version);
      return { markdown: card.markdown, html: card.html, card: card.input as unknown as Record<string, unknown> };
    },
  );

  app.get(
    '/v1/models/:model/versions/:version/evaluation',
    {
      config: { action: 'models.evaluation' },
      schema: {
        summary: "A version's evaluation report: metrics, calibration, fairness, regression against production, importance, latency (an evidence read: logged)",
        tags: ['models', 'evidence'],
        params: versionParams,
        response: { 200: z.record(z.string(), z.unknown()), ...commonProblems, 404: notFound },
      },
    },
    async (request) => {
      const { model, version } = request.params;
      authorize(request, 'models.read', model);
      note(request, { action: 'models.evaluation', resource: `model/${model}/v${version}/evaluation`, model });
      const row = await getVersion(db, model, version);
      if (!row.reportSha256) throw new StewardError('NotFound', `${model} v${version} has no evaluation report`);
      return JSON.parse((await deps.artifacts.get(row.reportSha256)).toString('utf8')) as Record<string, unknown>;
    },
  );
}
