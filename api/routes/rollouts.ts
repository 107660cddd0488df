/**
 * Rollouts and rollback: start a rollout of a version, read its state (stage, step, traffic share,
 * every analysis and decision), pause / resume / abort / promote it, and roll a model back. Everything
 * goes to Temporal exactly as `steward rollout` and `steward rollback` send it (lib/rollout/client.ts),
 * with the principal from the credential. The role (`rollouts.operate`) lets a principal ask; the
 * workflow still refuses anyone who is not among the policy's operators and approvers, a version
 * marked bad without an override, and an action the rollout's stage does not allow.
 *
 * Starting answers once the rollout has passed its start checks (the version, the policy, the
 * principal), so a refusal comes back as a problem document instead of a workflow that failed later.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { durationSchema } from '../../lib/core/duration';
import { isStewardError, StewardError } from '../../lib/core/errors';
import { commentSchema } from '../../lib/core/identity';
import { getModel, getVersion } from '../../lib/registry/models';
import { operateRollout, rollback, rolloutResult, rolloutState, startRollout } from '../../lib/rollout/client';
import { operatorActions, rolloutStatuses, rolloutStrategies, stepsSchema, type OperatorAction, type RollbackResult, type RolloutStage, type RolloutState } from '../../lib/rollout/types';
import { authorize, note } from '../auth';
import type { ApiDeps } from '../deps';
import { commonProblems, problemResponse } from '../problems';

const isoTime = z.string().describe('ISO 8601 time');
const modelParams = z.object({ model: z.string().min(1) });
const rolloutStages = ['starting', 'analysing', 'paused', 'baking', 'completing', 'rolling-back', 'done'] as const satisfies readonly RolloutStage[];

const windowStatsSchema = z
  .object({
    version: z.number().int(),
    predictions: z.number().int(),
    errors: z.number().int(),
    errorRate: z.number(),
    latencyP99Ms: z.number().nullable(),
    labelled: z.number().int().describe('predictions in the window with a live label'),
    correct: z.number().int().describe('labelled predictions that were right'),
  })
  .meta({ id: 'RolloutWindowStats' });

export const measurementSchema = z
  .object({
    at: isoTime,
    from: isoTime,
    to: isoTime,
    verdict: z.enum(['pass', 'fail', 'inconclusive', 'error']),
    candidate: windowStatsSchema.nullable().describe('the version rolled out, in the window'),
    baseline: windowStatsSchema.nullable().describe('production, in the same window'),
    drift: z.number().nullable().describe("PSI of the candidate's scores against production's on the window (null: too few of either)"),
    reasons: z.array(z.string()).describe('why it did not pass, one line per broken budget'),
  })
  .meta({ id: 'RolloutMeasurement' });

export const rolloutStateSchema = z
  .object({
    rolloutId: z.string().describe('<workflow id>/<run id>'),
    model: z.string(),
    version: z.number().int(),
    requestedBy: z.string(),
    releaseId: z.string().optional().describe('the release that handed the version over, if one did'),
    strategy: z.enum(rolloutStrategies).optional(),
    baselineVersion: z.number().int().nullable().optional().describe('production when the rollout started'),
    status: z.enum(rolloutStatuses),
    stage: z.enum(rolloutStages),
    step: z.number().int().describe('0-based index of the current step'),
    weight: z.number().describe("the version's current share of traffic (percent)"),
    steps: z.array(z.number()),
    operators: z.array(z.string()).describe('who may pause, resume, abort or promote it: the policy\'s operators and approvers'),
    pausedBecause: z.string().optional(),
    failures: z.number().int(),
    consecutiveErrors: z.number().int(),
    measurements: z.array(measurementSchema).describe('the latest analyses, oldest first'),
    decisions: z.array(z.object({ action: z.enum(operatorActions), principal: z.string(), reason: z.string(), at: isoTime })),
    overrideBad: z.object({ reason: z.string() }).optional().describe('rolled out although marked bad, and why'),
    reason: z.string().optional().describe('why it ended as it did'),
  })
  .meta({ id: 'RolloutState' });

export const rollbackResultSchema = z
  .object({
    rollbackId: z.string(),
    model: z.string(),
    from: z.number().int().nullable(),
    to: z.number().int(),
    markedBad: z.number().int().nullable().describe('the version left behind, now marked bad'),
    overrideBad: z.boolean(),
    reason: z.string(),
    requestedBy: z.string(),
  })
  .meta({ id: 'RollbackResult' });

/** True when A and B are the same shape, optional fields included: the response schemas cannot drift from the workflow's types. */
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? SameKeys<A, B> : false) : false;
export const responseShapesMatch: [Same<z.output<typeof rolloutStateSchema>, RolloutState>, Same<z.output<typeof rollbackResultSchema>, RollbackResult>] = [true, true];

/** What `steward rollout <model> <version>` accepts (its flags), as a body; the requester is the token's principal. */
export const rolloutStartRequestSchema = z
  .strictObject({
    version: z.number().int().min(1).describe('the version to roll out'),
    strategy: z.enum(rolloutStrategies).optional().describe("how traffic moves (default: the policy's)"),
    steps: stepsSchema.optional().describe('canary traffic percentages, increasing, ending at 100'),
    interval: durationSchema.pipe(z.number().int().positive('an interval must be longer than 0')).optional().describe('time between analyses: 1m, 30s, or milliseconds'),
    overrideBad: z.boolean().optional().describe('roll out a version marked bad (needs reason)'),
    reason: commentSchema.optional().describe('why (required with overrideBad); recorded'),
  })
  .meta({ id: 'RolloutStartRequest' });

export const rolloutStartedSchema = z
  .object({ model: z.string(), workflowId: z.string(), state: rolloutStateSchema.describe('its state once past the start checks') })
  .meta({ id: 'RolloutStarted' });

export const rolloutActionRequestSchema = z.strictObject({ reason: commentSchema.optional().describe('why; recorded in the audit trail') }).meta({ id: 'RolloutActionRequest' });

/** What `steward rollback` accepts (its flags), as a body. */
export const rollbackRequestSchema = z
  .strictObject({
    to: z.number().int().min(1).optional().describe('the version to return to (default: the last that completed a rollout and is not marked bad)'),
    reason: commentSchema.trim().min(1, 'a rollback needs a reason').describe('why; recorded with the rollback and on the version left behind'),
    overrideBad: z.boolean().optional().describe('allow a target marked bad (the reason says why)'),
  })
  .meta({ id: 'RollbackRequest' });

const actionSummaries: Record<OperatorAction, string> = {
  pause: 'Pause the running rollout (traffic stays where it is)',
  resume: 'Resume a paused rollout (it measures again)',
  abort: 'Abort the running rollout: all traffic back to production (the version is not marked bad)',
  promote: 'Skip the remaining steps: the version takes all traffic and production moves',
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The state of a just-started rollout once its start checks have run. A rollout refused at its start
 * (a bad version, a principal not among the operators) is the typed error it was refused with.
 */
async function pastStartChecks(deps: ApiDeps, model: string, timeoutMs = 20_000): Promise<RolloutState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let state: RolloutState;
    try {
      state = await rolloutState(deps.temporal, model);
    } catch (err) {
      // The workflow exists (it was just started) but may not have run its first task yet.
      if (isStewardError(err) && err.type === 'NotFound' && Date.now() < deadline) {
        await sleep(200);
        continue;
      }
      throw err;
    }
    if (state.status === 'failed') return rolloutResult(deps.temporal, model);
    if (state.status !== 'running' || state.stage !== 'starting' || Date.now() >= deadline) return state;
    await sleep(200);
  }
}

export function rolloutRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { db } = deps;
  const path = '/v1/models/:model/rollout';

  app.post(
    path,
    {
      config: { action: 'rollouts.start' },
      schema: {
        summary: 'Roll a version out (canary steps, blue-green or shadow, with automatic rollback on a failed analysis), requested by the signed-in principal',
        description:
          "Defaults come from the policy's `rollout` section. Answers once the rollout has passed its start checks. Only the policy's operators and approvers may roll out; a version marked bad needs `overrideBad` with a `reason`.",
        tags: ['rollouts'],
        params: modelParams,
        body: rolloutStartRequestSchema,
        response: {
          201: rolloutStartedSchema,
          ...commonProblems,
          403: problemResponse("the principal lacks the role (requiredRole names it), or is not among the policy's operators and approvers"),
          404: problemResponse('no such model or version'),
          409: problemResponse('a rollout of this model is already running (RolloutConflict), the version is marked bad (BadVersion), or production moved'),
        },
      },
    },
    async (request, reply) => {
      const { model } = request.params;
      note(request, { action: 'rollouts.start', resource: `model/${model}/rollout`, model });
      const identity = authorize(request, 'rollouts.operate', model);
      const { version, strategy, steps, interval, overrideBad, reason } = request.body;
      if (overrideBad && !reason) throw new StewardError('InvalidInput', 'overriding a bad version needs a reason (it is recorded)', { field: 'reason' });
      await getModel(db, model);
      await getVersion(db, model, version);
      const workflowId = await startRollout(deps.temporal, {
        model,
        version,
        requestedBy: identity.principal,
        strategy,
        steps,
        intervalMs: interval,
        overrideBad: overrideBad ? { reason: reason! } : undefined,
      });
      const state = await pastStartChecks(deps, model);
      return reply.code(201).send({ model, workflowId, state });
    },
  );

  app.get(
    path,
    {
      config: { action: 'rollouts.status' },
      schema: {
        summary: "A model's current (or last) rollout: stage, step, traffic share, every analysis, decisions",
        tags: ['rollouts'],
        params: modelParams,
        response: { 200: rolloutStateSchema, ...commonProblems, 404: problemResponse('no such model, or no rollout of it has run') },
      },
    },
    async (request) => {
      const { model } = request.params;
      note(request, { action: 'rollouts.status', resource: `model/${model}/rollout`, model });
      authorize(request, 'rollouts.read', model);
      await getModel(db, model);
      return rolloutState(deps.temporal, model);
    },
  );

  for (const action of operatorActions) {
    app.post(
      `${path}/${action}`,
      {
        config: { action: `rollouts.${action}` },
        schema: {
          summary: `${actionSummaries[action]}, as the signed-in principal`,
          tags: ['rollouts'],
          params: modelParams,
          body: rolloutActionRequestSchema,
          response: {
            200: rolloutStateSchema,
            ...commonProblems,
            403: problemResponse("the principal lacks the role (requiredRole names it), or is not among the policy's operators and approvers"),
            404: problemResponse('no such model, or no rollout of it is running'),
            409: problemResponse("the rollout's stage does not allow it (already paused, not paused, finishing)"),
          },
        },
      },
      async (request) => {
        const { model } = request.params;
        note(request, { action: `rollouts.${action}`, resource: `model/${model}/rollout`, model });
        const identity = authorize(request, 'rollouts.operate', model);
        await getModel(db, model);
        return operateRollout(deps.temporal, model, action, { principal: identity.principal, reason: request.body.reason ?? '' });
      },
    );
  }

  app.post(
    '/v1/models/:model/rollback',
    {
      config: { action: 'rollouts.rollback' },
      schema: {
        summary: 'Move production and all traffic back to an earlier version (never to one marked bad unless overridden), as the signed-in principal; answers when done',
        description:
          'Without `to`: the last version that completed a rollout and is not marked bad. The version left behind is marked bad with the reason. A running rollout of the model is aborted first.',
        tags: ['rollouts'],
        params: modelParams,
        body: rollbackRequestSchema,
        response: {
          200: rollbackResultSchema,
          ...commonProblems,
          403: problemResponse("the principal lacks the role (requiredRole names it), or is not among the policy's operators and approvers"),
          404: problemResponse('no such model or version, or no version to return to'),
          409: problemResponse('the target is marked bad and overrideBad is not set (BadVersion)'),
        },
      },
    },
    async (request) => {
      const { model } = request.params;
      note(request, { action: 'rollouts.rollback', resource: `model/${model}/rollback`, model });
      const identity = authorize(request, 'rollouts.operate', model);
      const { to, reason, overrideBad } = request.body;
      await getModel(db, model);
      if (to !== undefined) await getVersion(db, model, to);
      return rollback(deps.temporal, { model, to, requestedBy: identity.principal, reason, overrideBad: overrideBad ?? false });
    },
  );
}
