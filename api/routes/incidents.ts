/**
 * Incidents: list, open, read, acknowledge, complete a runbook step, resolve, and the postmortem
 * (Markdown and HTML). Writes are the incident workflow's Updates sent exactly as `steward incident`
 * sends them (lib/incidents/client.ts), with the principal from the credential; the workflow's
 * validators still refuse what the incident's state does not allow. Escalation is the workflow's own
 * (one severity level up each time the acknowledgement deadline passes): it has no Update to call.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { durationSchema } from '../../lib/core/duration';
import { StewardError } from '../../lib/core/errors';
import { searchAttributes } from '../../lib/core/names';
import { scopeOf, type Action } from '../../lib/core/roles';
import { acknowledgeIncident, completeIncidentStep, incidentState, openIncident, resolveIncident } from '../../lib/incidents/client';
import { incidentWorkflowType } from '../../lib/incidents/messages';
import { renderPostmortemHtml, renderPostmortemMarkdown } from '../../lib/incidents/postmortem';
import { defaultRunbook, type IncidentState } from '../../lib/incidents/types';
import { incidentSeverities, incidentStatuses } from '../../lib/incidents/vocabulary';
import { findIncidents, incidentRecord } from '../../lib/registry/incidents';
import { getModel, productionVersion } from '../../lib/registry/models';
import { authorize, authorizeSome, note, who } from '../auth';
import type { ApiDeps } from '../deps';
import { commonProblems, problemResponse } from '../problems';
import { isoDates } from '../schemas';

const isoTime = z.string().describe('ISO 8601 time');
const idParams = z.object({ id: z.string().min(1).max(300) });
const notFound = problemResponse('no such incident (or model)');
const refused = problemResponse("the incident's state does not allow it (already acknowledged or resolved, an automated or finished step); field names the part");
const principalText = z.string().min(1).max(200);

const linksSchema = z
  .object({ windows: z.array(z.number().int()), trigger: z.string().optional(), rollout: z.string().optional(), evidence: z.record(z.string(), z.unknown()).optional() })
  .loose()
  .describe('what opened it: monitor windows, the trigger and its evidence, a rollout');

export const incidentStateSchema = z
  .object({
    id: z.string(),
    model: z.string(),
    severity: z.enum(incidentSeverities),
    openedSeverity: z.enum(incidentSeverities),
    status: z.enum(incidentStatuses),
    summary: z.string(),
    openedBy: z.string(),
    commander: z.string().nullable(),
    version: z.number().int().nullable(),
    links: linksSchema,
    openedAt: isoTime,
    acknowledgedAt: isoTime.optional(),
    resolvedAt: isoTime.optional(),
    resolution: z.string().optional(),
    escalations: z.number().int(),
    steps: z.array(
      z.object({
        name: z.string(),
        kind: z.enum(['manual', 'automated']),
        description: z.string(),
        status: z.enum(['pending', 'done', 'failed']),
        by: z.string().optional(),
        at: isoTime.optional(),
        note: z.string().optional(),
      }),
    ),
    timeline: z.array(z.object({ at: isoTime, kind: z.enum(['opened', 'acknowledged', 'escalated', 'step', 'note', 'resolved']), actor: z.string(), text: z.string() })),
  })
  .meta({ id: 'IncidentState' });

export const incidentRowSchema = z
  .object({
    id: z.string(),
    model: z.string(),
    severity: z.enum(incidentSeverities),
    status: z.enum(incidentStatuses),
    summary: z.string(),
    openedBy: z.string(),
    commander: z.string().nullable(),
    version: z.number().int().nullable(),
    links: z.record(z.string(), z.unknown()),
    openedAt: isoTime,
    acknowledgedAt: isoTime.nullable(),
    resolvedAt: isoTime.nullable(),
    resolution: z.string().nullable(),
  })
  .meta({ id: 'IncidentSummary' });

/** What `steward incident open` accepts (its flags), as a body; the opener is the token's principal. */
export const incidentOpenRequestSchema = z
  .strictObject({
    model: z.string().min(1),
    severity: z.enum(incidentSeverities).describe('SEV1 (worst) .. SEV5'),
    summary: z.string().min(1).max(500).describe('what is wrong'),
    commander: principalText.optional().describe('the incident commander (default: whoever acknowledges)'),
    windows: z.array(z.number().int().min(0)).optional().describe('monitor windows the incident is about'),
    ackTimeout: durationSchema.optional().describe('time to acknowledge before it escalates: 15m, or milliseconds (default 15m)'),
    escalateTo: z.string().min(1).max(200).optional().describe('who is paged on escalation (default on-call)'),
    rollback: z.boolean().optional().describe('roll production back to the last good version as an automated first step'),
  })
  .meta({ id: 'IncidentOpenRequest' });

export const incidentOpenedSchema = z.object({ id: z.string() }).meta({ id: 'IncidentOpened' });
export const acknowledgeRequestSchema = z.strictObject({ commander: principalText.optional().describe('who commands it (default: the acknowledger)') }).meta({ id: 'IncidentAcknowledgeRequest' });
export const stepRequestSchema = z.strictObject({ step: z.string().min(1).max(200).describe('the name of a manual runbook step'), note: z.string().max(4000).optional().describe('what was found or done') }).meta({ id: 'IncidentStepRequest' });
export const resolveRequestSchema = z.strictObject({ resolution: z.string().trim().min(1, 'say how it was resolved').max(4000) }).meta({ id: 'IncidentResolveRequest' });
export const postmortemSchema = z
  .object({ id: z.string(), status: z.enum(incidentStatuses), markdown: z.string(), html: z.string().describe('self-contained HTML') })
  .meta({ id: 'Postmortem' });

/** The model of an incident, from Temporal: `NotFound` when there is no such incident workflow. */
async function incidentModel(deps: ApiDeps, id: string): Promise<string> {
  try {
    const d = await deps.temporal.workflow.getHandle(id).describe();
    const model = d.typedSearchAttributes.get(searchAttributes.model);
    if (d.type !== incidentWorkflowType || !model) throw new StewardError('NotFound', `${id} is not an incident`);
    return model;
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError') throw new StewardError('NotFound', `no incident "${id}" (list them: GET /v1/incidents?model=<model>)`);
    throw err;
  }
}

/** Refuses a principal without `action` on any model, then looks the incident's model up and checks the grant for it. */
async function authorizeIncident(deps: ApiDeps, request: FastifyRequest, id: string, action: Action, accessAction: string): Promise<{ principal: string; model: string }> {
  note(request, { action: accessAction, resource: `incident/${id}` });
  authorizeSome(request, action);
  const model = await incidentModel(deps, id);
  note(request, { action: accessAction, resource: `incident/${id}`, model });
  return { principal: authorize(request, action, model).principal, model };
}

export function incidentRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { db } = deps;

  app.get(
    '/v1/incidents',
    {
      config: { action: 'incidents.list' },
      schema: {
        summary: 'Incidents, newest first, filtered (those of models the principal may read)',
        tags: ['incidents'],
        querystring: z.object({ model: z.string().min(1).optional(), status: z.enum(incidentStatuses).optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) }),
        response: { 200: z.array(incidentRowSchema), ...commonProblems },
      },
    },
    async (request) => {
      const q = request.query;
      note(request, { action: 'incidents.list', resource: 'incidents', model: q.model ?? null });
      const scope = scopeOf(who(request).grants, 'incidents.read');
      const models = q.model ? (scope === 'all' || scope.includes(q.model) ? [q.model] : []) : scope === 'all' ? undefined : scope;
      const rows = await findIncidents(db, { models, status: q.status, limit: q.limit });
      return rows.map((r) => isoDates({ ...r, links: r.links as Record<string, unknown> }));
    },
  );

  app.post(
    '/v1/incidents',
    {
      config: { action: 'incidents.open' },
      schema: {
        summary: 'Open an incident on a model (the incident workflow: runbook, escalation without acknowledgement), opened by the signed-in principal',
        tags: ['incidents'],
        body: incidentOpenRequestSchema,
        response: { 201: incidentOpenedSchema, ...commonProblems, 404: notFound },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const identity = authorize(request, 'incidents.operate', body.model);
      note(request, { action: 'incidents.open', resource: `model/${body.model}/incidents`, model: body.model });
      await getModel(db, body.model);
      const version = (await productionVersion(db, body.model))?.version;
      const runbook = [...(body.rollback ? [{ kind: 'automated' as const, name: 'roll back', action: 'rollback' as const, description: 'production back to the last good version' }] : []), ...defaultRunbook];
      const id = await openIncident(deps.temporal, {
        model: body.model,
        severity: body.severity,
        summary: body.summary,
        openedBy: identity.principal,
        commander: body.commander,
        version,
        links: { windows: body.windows ?? [] },
        runbook,
        ...(body.ackTimeout !== undefined ? { ackTimeout: body.ackTimeout } : {}),
        ...(body.escalateTo !== undefined ? { escalateTo: body.escalateTo } : {}),
      });
      note(request, { action: 'incidents.open', resource: `incident/${id}`, model: body.model });
      return reply.code(201).send({ id });
    },
  );

  app.get(
    '/v1/incidents/:id',
    { config: { action: 'incidents.status' }, schema: { summary: "An incident's state: severity, commander, runbook steps, timeline", tags: ['incidents'], params: idParams, response: { 200: incidentStateSchema, ...commonProblems, 404: notFound } } },
    async (request) => {
      const { id } = request.params;
      await authorizeIncident(deps, request, id, 'incidents.read', 'incidents.status');
      return incidentState(deps.temporal, id);
    },
  );

  app.post(
    '/v1/incidents/:id/acknowledge',
    {
      config: { action: 'incidents.acknowledge' },
      schema: {
        summary: 'Acknowledge an incident as the signed-in principal (stops its escalation); the acknowledger is commander unless `commander` names one',
        tags: ['incidents'],
        params: idParams,
        body: acknowledgeRequestSchema,
        response: { 200: incidentStateSchema, ...commonProblems, 404: notFound },
      },
    },
    async (request) => {
      const { id } = request.params;
      const { principal } = await authorizeIncident(deps, request, id, 'incidents.operate', 'incidents.acknowledge');
      return acknowledgeIncident(deps.temporal, id, { principal, commander: request.body.commander });
    },
  );

  app.post(
    '/v1/incidents/:id/steps',
    {
      config: { action: 'incidents.step' },
      schema: {
        summary: 'Mark a manual runbook step of an incident done, as the signed-in principal',
        tags: ['incidents'],
        params: idParams,
        body: stepRequestSchema,
        response: { 200: incidentStateSchema, ...commonProblems, 400: refused, 404: notFound },
      },
    },
    async (request) => {
      const { id } = request.params;
      const { step, note: text } = request.body;
      const { principal } = await authorizeIncident(deps, request, id, 'incidents.operate', 'incidents.step');
      // The workflow refuses an unknown step too; checked here first so the problem names the field.
      const current = await incidentState(deps.temporal, id);
      if (!current.steps.some((s) => s.name === step)) throw new StewardError('InvalidInput', `${id} has no runbook step "${step}" (steps: ${current.steps.map((s) => s.name).join(', ')})`, { field: 'step' });
      return completeIncidentStep(deps.temporal, id, { principal, step, note: text });
    },
  );

  app.post(
    '/v1/incidents/:id/resolve',
    {
      config: { action: 'incidents.resolve' },
      schema: {
        summary: 'Resolve an incident as the signed-in principal; answers its final state (then fetch its postmortem)',
        tags: ['incidents'],
        params: idParams,
        body: resolveRequestSchema,
        response: { 200: incidentStateSchema, ...commonProblems, 404: notFound },
      },
    },
    async (request) => {
      const { id } = request.params;
      const { principal } = await authorizeIncident(deps, request, id, 'incidents.operate', 'incidents.resolve');
      return resolveIncident(deps.temporal, id, { principal, resolution: request.body.resolution });
    },
  );

  app.get(
    '/v1/incidents/:id/postmortem',
    {
      config: { action: 'incidents.postmortem' },
      schema: {
        summary: "An incident's blameless postmortem, Markdown and self-contained HTML: impact, detection, timeline (its history and the audit record), contributing factors, resolution, action items",
        tags: ['incidents'],
        params: idParams,
        response: { 200: postmortemSchema, ...commonProblems, 404: notFound },
      },
    },
    async (request) => {
      const { id } = request.params;
      await authorizeIncident(deps, request, id, 'incidents.read', 'incidents.postmortem');
      const record = await incidentRecord(db, id);
      const incident: IncidentState = await incidentState(deps.temporal, id);
      const source = { incident, events: record.events.map((e) => ({ at: e.at, actor: e.actor, action: e.action, payload: e.payload })), windows: record.windows.map((w) => w.result) };
      return { id, status: incident.status, markdown: renderPostmortemMarkdown(source), html: renderPostmortemHtml(source) };
    },
  );
}
