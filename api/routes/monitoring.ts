/**
 * A model's monitor: start it, read its state and its stored windows, stop it. Starting and stopping
 * go to Temporal exactly as `steward monitor start|stop` does (lib/monitoring/client.ts), with the
 * principal from the credential; the windows are read from the database (lib/registry/monitoring.ts),
 * as `steward monitor <model>` reads them. Delayed labels stay with the serving gateway
 * (`POST /v1/models/{model}/labels`): they belong to the prediction log, which only the data plane writes.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { durationSchema } from '../../lib/core/duration';
import { StewardError } from '../../lib/core/errors';
import { monitorSettingsFor, monitorState, startMonitor, stopMonitor } from '../../lib/monitoring/client';
import { windowBudgetsSchema } from '../../lib/monitoring/types';
import { listWindows } from '../../lib/registry/monitoring';
import { getModel } from '../../lib/registry/models';
import { authorize, note } from '../auth';
import type { ApiDeps } from '../deps';
import { commonProblems, problemResponse } from '../problems';

const isoTime = z.string().describe('ISO 8601 time');
const modelParams = z.object({ model: z.string().min(1) });
const notFound = problemResponse('no such model, or no monitor of it has run');

/** What `steward monitor start` accepts (its flags), as a body. */
export const monitorStartRequestSchema = z
  .strictObject({
    window: durationSchema.pipe(z.number().min(1000, 'a window must last at least 1s')).optional().describe('window length: 1h, 15m, or milliseconds (default 1h)'),
    windowPredictions: z.number().int().min(1).optional().describe('close a window early once it holds this many predictions'),
    budgets: windowBudgetsSchema.optional().describe('latency p50/p99 (ms) and error rate (0..1) budgets a window is judged against'),
  })
  .meta({ id: 'MonitorStartRequest' });

export const monitorStartedSchema = z
  .object({ model: z.string(), workflowId: z.string(), settings: z.record(z.string(), z.unknown()).describe('the settings requested (defaults fill the rest)') })
  .meta({ id: 'MonitorStarted' });

const driftSummarySchema = z.object({ drifted: z.boolean(), share: z.number(), driftedColumns: z.array(z.string()) });

const windowSummarySchema = z.object({
  index: z.number().int(),
  start: isoTime,
  end: isoTime,
  volume: z.number().int(),
  errorRate: z.number(),
  latencyP99Ms: z.number().nullable(),
  featureDrift: driftSummarySchema.nullable(),
  predictionDrift: z.object({ psi: z.number(), drifted: z.boolean() }).nullable(),
  accuracy: z.number().nullable(),
  estimatedAccuracy: z.number().nullable(),
  labelled: z.number().int(),
  breaches: z.array(z.string()),
});

const triggerFiringSchema = z.object({
  trigger: z.string(),
  window: z.number().int(),
  action: z.enum(['alert', 'retrain', 'rollback', 'open-incident']),
  reason: z.string(),
  evidence: z.record(z.string(), z.unknown()),
});

export const monitorStateSchema = z
  .object({
    model: z.string(),
    status: z.enum(['running', 'stopping', 'stopped']),
    settings: z
      .object({
        window: z.number().describe('ms'),
        windowPredictions: z.number().int().optional(),
        countCheck: z.number().describe('ms'),
        lag: z.number().describe('ms'),
        budgets: z.object({ latencyP50Ms: z.number().optional(), latencyP99Ms: z.number().optional(), errorRate: z.number().optional() }),
        predictionDriftThreshold: z.number(),
        labelHorizon: z.number().int(),
        triggerAction: z.enum(['alert', 'open-incident', 'retrain', 'rollback']),
        retrainData: z.string().optional(),
        incidentSeverity: z.string(),
        windowsPerRun: z.number().int(),
      })
      .loose(),
    nextIndex: z.number().int(),
    nextStart: isoTime,
    recent: z.array(windowSummarySchema).describe('the latest windows, newest last'),
    firings: z.number().int(),
    lastFirings: z.array(triggerFiringSchema),
    incidents: z.array(z.string()).describe('ids of the incidents the monitor opened'),
    actions: z.array(z.string()).describe('workflow ids of the releases and rollbacks the monitor started'),
    run: z.number().int().describe("this run's number since the monitor started (each Continue-As-New adds one)"),
    stoppedBy: z.string().optional(),
  })
  .meta({ id: 'MonitorState' });

const estimateSchema = z.object({ value: z.number().nullable(), lower: z.number().nullable(), upper: z.number().nullable() }).describe('a value with its 95% bootstrap interval (null where undefined)');

export const windowResultSchema = z
  .object({
    model: z.string(),
    index: z.number().int(),
    start: isoTime,
    end: isoTime,
    version: z.number().int().nullable().describe('the production version drift is measured against'),
    counts: z.object({ predictions: z.number().int(), served: z.number().int(), errors: z.number().int(), labelled: z.number().int() }),
    volume: z.number().int(),
    errorRate: z.number(),
    latency: z.object({ p50Ms: z.number().nullable(), p99Ms: z.number().nullable() }),
    breaches: z.array(z.string()),
    featureDrift: z
      .object({
        columns: z.array(
          z.object({
            column: z.string(),
            type: z.string(),
            kind: z.enum(['numeric', 'categorical', 'binary']),
            test: z.string(),
            statistic: z.number().nullable(),
            pValue: z.number().nullable().optional(),
            adjustedPValue: z.number().nullable().optional(),
            threshold: z.number(),
            drifted: z.boolean(),
            detail: z.object({
              referenceCount: z.number().int(),
              currentCount: z.number().int(),
              referenceMissing: z.number().int(),
              currentMissing: z.number().int(),
              approximate: z.boolean(),
              errorBound: z.number().nullable().optional(),
              method: z.enum(['exact', 'asymp']).optional(),
              unseenCategories: z.array(z.string()).optional(),
              note: z.string().optional(),
            }),
          }),
        ),
        dataset: z.object({ testedColumns: z.number().int(), driftedColumns: z.number().int(), share: z.number(), threshold: z.number(), drifted: z.boolean() }),
        correction: z.string(),
        referenceRows: z.number().int(),
        currentRows: z.number().int(),
      })
      .nullable()
      .describe('the drift report of the logged inputs against the training profile'),
    predictionDrift: z.object({ psi: z.number(), threshold: z.number(), drifted: z.boolean() }).nullable(),
    performance: z
      .object({
        labelled: z.number().int(),
        positives: z.number().int(),
        accuracy: estimateSchema,
        rocAuc: estimateSchema.nullable(),
        ece: z.number().nullable().describe('expected calibration error'),
        brier: z.number().nullable(),
        groups: z.record(z.string(), z.array(z.object({ value: z.string(), labelled: z.number().int(), accuracy: estimateSchema }))).describe('accuracy per group of each protected attribute or slice column'),
        slices: z.array(z.object({ name: z.string(), labelled: z.number().int(), accuracy: estimateSchema })).optional().describe("accuracy per declared slice of the policy"),
      })
      .nullable()
      .describe('realised performance on the labels that have arrived'),
    estimated: z.object({ method: z.literal('cbpe'), calibration: z.enum(['reference', 'identity']), accuracy: z.number(), rocAuc: z.number().nullable(), n: z.number().int() }).nullable(),
    notes: z.array(z.string()),
  })
  .meta({ id: 'MonitorWindow' });

export const windowPageSchema = z
  .object({
    model: z.string(),
    windows: z.array(windowResultSchema).describe('oldest first'),
    next: z.number().int().nullable().describe('paged reads: the `from` of the next page (null: none)'),
  })
  .meta({ id: 'MonitorWindows' });

export const monitorStopRequestSchema = z.strictObject({ reason: z.string().max(2000).optional().describe('why; recorded') }).meta({ id: 'MonitorStopRequest' });

/** NaN (an undefined interval bound) is not JSON: sent as null, as JSON.stringify would. */
const jsonSafe = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export function monitoringRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { db } = deps;

  app.post(
    '/v1/models/:model/monitor',
    {
      config: { action: 'monitors.start' },
      schema: {
        summary: "Start a model's monitor (one long-running workflow per model), started by the signed-in principal",
        tags: ['monitoring'],
        params: modelParams,
        body: monitorStartRequestSchema,
        response: { 201: monitorStartedSchema, ...commonProblems, 404: notFound, 409: problemResponse('the monitor of this model is already running') },
      },
    },
    async (request, reply) => {
      const { model } = request.params;
      const identity = authorize(request, 'monitors.operate', model);
      note(request, { action: 'monitors.start', resource: `model/${model}/monitor`, model });
      const { policy } = await getModel(db, model);
      const { window, windowPredictions, budgets } = request.body;
      const settings = monitorSettingsFor(policy.monitoring, { ...(window !== undefined ? { window } : {}), ...(windowPredictions !== undefined ? { windowPredictions } : {}), budgets: budgets ?? {} });
      const workflowId = await startMonitor(deps.temporal, { model, requestedBy: identity.principal, settings });
      return reply.code(201).send({ model, workflowId, settings });
    },
  );

  app.get(
    '/v1/models/:model/monitor',
    {
      config: { action: 'monitors.status' },
      schema: { summary: "The monitor's state: next window, recent windows, trigger firings (its last state once stopped)", tags: ['monitoring'], params: modelParams, response: { 200: monitorStateSchema, ...commonProblems, 404: notFound } },
    },
    async (request) => {
      const { model } = request.params;
      authorize(request, 'monitors.read', model);
      note(request, { action: 'monitors.status', resource: `model/${model}/monitor`, model });
      await getModel(db, model);
      return jsonSafe(await monitorState(deps.temporal, model));
    },
  );

  app.get(
    '/v1/models/:model/monitor/windows',
    {
      config: { action: 'monitors.windows' },
      schema: {
        summary: "A model's stored monitor windows, oldest first: the latest `last` (default 24), or a page of `limit` from window `from`",
        tags: ['monitoring'],
        params: modelParams,
        querystring: z.object({
          last: z.coerce.number().int().min(1).max(1000).optional().describe('the latest N windows'),
          from: z.coerce.number().int().min(0).optional().describe('paged: the first window index of the page'),
          limit: z.coerce.number().int().min(1).max(1000).default(100).describe('paged: windows per page'),
        }),
        response: { 200: windowPageSchema, ...commonProblems, 404: notFound },
      },
    },
    async (request) => {
      const { model } = request.params;
      const { last, from, limit } = request.query;
      authorize(request, 'monitors.read', model);
      note(request, { action: 'monitors.windows', resource: `model/${model}/monitor/windows`, model });
      if (last !== undefined && from !== undefined) throw new StewardError('InvalidInput', 'give either last (the latest windows) or from (a page), not both', { field: '/query/last' });
      await getModel(db, model);
      if (from === undefined) return { model, windows: jsonSafe((await listWindows(db, model, { last: last ?? 24 })).map((w) => w.result)), next: null };
      const rows = await listWindows(db, model, { fromIndex: from, limit: limit + 1 });
      const page = rows.slice(0, limit);
      return { model, windows: jsonSafe(page.map((w) => w.result)), next: rows.length > limit ? rows[limit].index : null };
    },
  );

  app.post(
    '/v1/models/:model/monitor/stop',
    {
      config: { action: 'monitors.stop' },
      schema: {
        summary: "Stop a model's monitor after the window in progress, as the signed-in principal (its windows stay stored); answers its final state",
        tags: ['monitoring'],
        params: modelParams,
        body: monitorStopRequestSchema,
        response: { 200: monitorStateSchema, ...commonProblems, 404: problemResponse('no such model, or its monitor is not running') },
      },
    },
    async (request) => {
      const { model } = request.params;
      const identity = authorize(request, 'monitors.operate', model);
      note(request, { action: 'monitors.stop', resource: `model/${model}/monitor`, model });
      await getModel(db, model);
      return jsonSafe(await stopMonitor(deps.temporal, model, { principal: identity.principal, reason: request.body.reason }));
    },
  );
}
