/**
 * The rollout workflow (one per rollout; at most one running per model) and the rollback workflow.
 *
 * A rollout moves a version into production by a strategy: `canary` shifts traffic through the
 * steps and runs an analysis over the live prediction log at each; `blue-green` analyses shadow
 * traffic, switches all traffic at once and keeps the old version warm for the bake time;
 * `shadow` mirrors traffic to the version and reports, never serving it. A failed analysis rolls
 * back by itself (traffic to production, the version marked bad with the analysis as the reason);
 * an inconclusive one pauses for a person. The production pointer moves only when the rollout
 * completes. Operators pause, resume, abort or promote it through Workflow Updates whose
 * validators refuse anyone who is neither an operator nor an approver.
 *
 * Every decision is in the workflow's history (measurements are activity results) and in the audit
 * record (activities commit each change with its event). Messages live in lib/rollout/messages.ts.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { RolloutActivities } from '../activities/types';
import { failureTypes, isStewardError } from '../lib/core/errors';
import { failure, toApplicationFailure } from '../lib/core/failures';
import { normalizePrincipal, samePrincipal } from '../lib/core/identity';
import { searchAttributes, taskQueues } from '../lib/core/names';
import { parseWith } from '../lib/core/validation';
import { operatorUpdates, rolloutStatusQuery, type RollbackWorkflow, type RolloutWorkflow } from '../lib/rollout/messages';
import {
  operatorActionSchema,
  type Measurement,
  type OperatorAction,
  type OperatorActionInput,
  type RollbackInput,
  type RollbackResult,
  type Route,
  type RolloutInput,
  type RolloutPlan,
  type RolloutStage,
  type RolloutState,
  type RolloutStatus,
} from '../lib/rollout/types';

export { operatorUpdates, rolloutStatusQuery };

// Registry writes retry until they succeed; the catalogue's business failures end the rollout.
const control = proxyActivities<RolloutActivities>({
  taskQueue: taskQueues.control,
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: failureTypes },
});

// A measurement that keeps failing is an analysis error (counted), not a reason to wait forever.
const analysis = proxyActivities<RolloutActivities>({
  taskQueue: taskQueues.control,
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', maximumAttempts: 3 },
});

/** Measurements kept in the workflow's state (all of them are in its history). */
const KEEP_MEASUREMENTS = 20;

type AnalysisOutcome = { kind: 'pass' } | { kind: 'fail'; reason: string } | { kind: 'abort'; reason: string } | { kind: 'promote'; reason: string };

function errorMessage(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause instanceof Error) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

function failureTypeOf(err: unknown): string | undefined {
  for (let e = err as { cause?: unknown } | undefined; e; e = e.cause as typeof e) if (e instanceof ApplicationFailure) return e.type ?? undefined;
  return undefined;
}

export async function rolloutWorkflow(input: RolloutInput): Promise<RolloutState> {
  const info = workflowInfo();
  const rolloutId = `${info.workflowId}/${info.runId}`;
  const state: RolloutState = {
    rolloutId,
    model: input.model,
    version: input.version,
    requestedBy: input.requestedBy,
    releaseId: input.releaseId,
    status: 'running',
    stage: 'starting',
    step: 0,
    weight: 0,
    steps: [],
    operators: [],
    failures: 0,
    consecutiveErrors: 0,
    measurements: [],
    decisions: [],
    overrideBad: input.overrideBad,
  };
  let plan: RolloutPlan | undefined;
  let paused = false;
  let requested: { action: 'abort' | 'promote'; reason: string } | undefined;

  setHandler(rolloutStatusQuery, () => state);

  const check = (action: OperatorAction, raw: OperatorActionInput) => {
    let parsed: ReturnType<typeof operatorActionSchema.parse>;
    try {
      parsed = parseWith(operatorActionSchema, raw, { type: 'InvalidInput', what: `${action} request` });
    } catch (e) {
      throw isStewardError(e) ? toApplicationFailure(e) : e;
    }
    if (!state.operators.some((o) => samePrincipal(o, parsed.principal))) {
      throw failure('UnauthorizedOperator', `${parsed.principal} may not ${action} the rollout of ${state.model}: not among its operators and approvers (${state.operators.join(', ') || 'not known yet'})`);
    }
    const busy = state.status !== 'running' || ['starting', 'completing', 'rolling-back', 'done'].includes(state.stage) || requested;
    if (busy) throw failure('AlreadyDecided', `the rollout of ${state.model} v${state.version} cannot be ${action}d now (stage ${state.stage}${requested ? `, ${requested.action} requested` : ''})`);
    if (action === 'pause' && paused) throw failure('AlreadyDecided', `the rollout of ${state.model} is already paused`);
    if (action === 'resume' && !paused) throw failure('AlreadyDecided', `the rollout of ${state.model} is not paused`);
    if (action === 'promote' && state.strategy === 'shadow') throw failure('InvalidInput', 'a shadow rollout never serves the version; start a canary or blue-green rollout to promote it');
    return parsed;
  };

  const act = async (action: OperatorAction, raw: OperatorActionInput): Promise<RolloutState> => {
    const parsed = check(action, raw);
    const decision = { action, principal: normalizePrincipal(parsed.principal), reason: parsed.reason, at: new Date().toISOString() };
    state.decisions.push(decision);
    if (action === 'pause') {
      paused = true;
      state.pausedBecause = `paused by ${decision.principal}${decision.reason ? `: ${decision.reason}` : ''}`;
      enter('paused', state.pausedBecause);
    } else if (action === 'resume') {
      paused = false;
      state.pausedBecause = undefined;
    } else {
      requested = { action, reason: `${action === 'abort' ? 'aborted' : 'promoted'} by ${decision.principal}${decision.reason ? `: ${decision.reason}` : ''}` };
    }
    await CancellationScope.nonCancellable(() => control.recordRolloutDecision({ rolloutId, model: state.model, decision }));
    return state;
  };
  for (const action of ['pause', 'resume', 'abort', 'promote'] as const) {
    setHandler(operatorUpdates[action], (raw) => act(action, raw), { validator: (raw) => void check(action, raw) });
  }

  function describe(line: string) {
    const lines = [`**${state.model}** v${state.version} ${state.strategy ?? ''} rollout requested by ${state.requestedBy}: ${state.stage}`, line];
    if (state.baselineVersion !== undefined && state.baselineVersion !== null) lines.push(`Production: v${state.baselineVersion}; v${state.version} serves ${state.weight}% of traffic.`);
    const last = state.measurements[state.measurements.length - 1];
    if (last) lines.push(`Last analysis (${last.at}): ${last.verdict}${last.reasons.length ? `: ${last.reasons.join('; ')}` : ''}`);
    setCurrentDetails(lines.join('\n\n'));
  }

  function enter(stage: RolloutStage, line: string) {
    state.stage = stage;
    upsertSearchAttributes([{ key: searchAttributes.stage, value: stage === 'analysing' ? `${state.strategy}-${state.weight}` : stage }]);
    describe(line);
    log.info('rollout stage', { stage, rolloutId, weight: state.weight });
  }

  upsertSearchAttributes([
    { key: searchAttributes.model, value: input.model },
    { key: searchAttributes.version, value: input.version },
    { key: searchAttributes.requestedBy, value: input.requestedBy },
  ]);

  let outcome: { status: Exclude<RolloutStatus, 'running'>; reason: string | null; markBad: boolean };
  let thrown: unknown;
  try {
    outcome = await run();
  } catch (err) {
    if (isCancellation(err)) outcome = { status: 'aborted', reason: 'cancelled', markBad: false };
    else {
      thrown = err;
      outcome = { status: failureTypeOf(err) === 'RolloutConflict' ? 'aborted' : 'failed', reason: errorMessage(err), markBad: false };
    }
  }

  // Traffic goes back (or the pointer moves) once, even when the rollout was cancelled.
  await CancellationScope.nonCancellable(async () => {
    if (plan) {
      enter(outcome.status === 'completed' ? 'completing' : 'rolling-back', outcome.reason ?? `Outcome: ${outcome.status}`);
      try {
        await control.finishRollout({
          rolloutId,
          model: state.model,
          version: state.version,
          baselineVersion: plan.baselineVersion,
          strategy: plan.strategy,
          status: outcome.status,
          reason: outcome.reason,
          releaseId: input.releaseId,
          markBad: outcome.markBad,
        });
      } catch (err) {
        if (failureTypeOf(err) !== 'ProductionMoved') throw err;
        // Production moved under the rollout: nothing was promoted; record why and end failed.
        outcome = { status: 'failed', reason: errorMessage(err), markBad: false };
        await control.finishRollout({ rolloutId, model: state.model, version: state.version, baselineVersion: plan.baselineVersion, strategy: plan.strategy, status: 'failed', reason: outcome.reason, releaseId: input.releaseId, markBad: false });
      }
    }
    state.status = outcome.status;
    state.reason = outcome.reason ?? undefined;
    enter('done', `Outcome: ${outcome.status}${outcome.reason ? ` (${outcome.reason})` : ''}`);
    upsertSearchAttributes([{ key: searchAttributes.stage, value: outcome.status }]);
  });
  await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
  if (thrown && !plan) throw thrown;
  return state;

  async function run(): Promise<typeof outcome> {
    enter('starting', 'Checking the version and the policy.');
    plan = await control.beginRollout({ rolloutId, input });
    const p = plan;
    state.operators = p.operators;
    state.strategy = p.strategy;
    state.steps = p.steps;
    state.baselineVersion = p.baselineVersion;
    const candidate = state.version;
    const baseline = p.baselineVersion;

    // Nothing in production to compare with or shift traffic from: the version takes over at once.
    if (baseline === null) return { status: 'completed', reason: 'no production version to compare with: promoted at once', markBad: false };

    const traffic = (label: string, routes: Route[]) => control.setTraffic({ rolloutId, model: state.model, routes, label });
    const settle = (o: AnalysisOutcome): typeof outcome | undefined => {
      if (o.kind === 'fail') return { status: 'rolled-back', reason: o.reason, markBad: true };
      if (o.kind === 'abort') return { status: 'aborted', reason: o.reason, markBad: false };
      return undefined;
    };

    if (p.strategy === 'shadow') {
      state.weight = 0;
      await traffic('shadow', [{ version: baseline, weight: 100, mode: 'serve' }, { version: candidate, weight: 0, mode: 'shadow' }]);
      enter('analysing', `Mirroring traffic to v${candidate}; production v${baseline} answers.`);
      const o = await analyse(p, p.measurements * p.steps.length);
      if (o.kind === 'abort') return { status: 'aborted', reason: o.reason, markBad: false };
      const verdict = o.kind === 'fail' ? `analysis failed: ${o.reason}` : 'analysis passed';
      return { status: 'completed', reason: `shadow report: ${verdict} (v${candidate} was never served)`, markBad: false };
    }

    if (p.strategy === 'blue-green') {
      state.weight = 0;
      await traffic('preview', [{ version: baseline, weight: 100, mode: 'serve' }, { version: candidate, weight: 0, mode: 'shadow' }]);
      enter('analysing', `Pre-promotion analysis of v${candidate} on shadow traffic.`);
      const pre = await analyse(p, p.measurements);
      const stop = settle(pre);
      if (stop) return stop;
      state.weight = 100;
      // The old version stays in the routes with no share: gateways keep it loaded for a switch back.
      await traffic('switch', [{ version: candidate, weight: 100, mode: 'serve' }, { version: baseline, weight: 0, mode: 'serve' }]);
      return bake(p);
    }

    for (let i = 0; i < p.steps.length; i++) {
      const weight = p.steps[i];
      state.step = i;
      state.weight = weight;
      const routes: Route[] = [{ version: candidate, weight, mode: 'serve' }, { version: baseline, weight: 100 - weight, mode: 'serve' }];
      await traffic(`step-${i + 1}-${weight}`, routes);
      enter('analysing', `Step ${i + 1} of ${p.steps.length}: v${candidate} serves ${weight}% of traffic.`);
      const o = await analyse(p, p.measurements);
      if (o.kind === 'promote') {
        state.weight = 100;
        await traffic('promoted', [{ version: candidate, weight: 100, mode: 'serve' }, { version: baseline, weight: 0, mode: 'serve' }]);
        return { status: 'completed', reason: o.reason, markBad: false };
      }
      const stop = settle(o);
      if (stop) return stop;
    }
    return bake(p);
  }

  /** After all traffic moved: keep analysing for the bake time, the old version warm, then complete. */
  async function bake(p: RolloutPlan): Promise<typeof outcome> {
    if (p.bakeTimeMs > 0) {
      enter('baking', `v${state.version} serves all traffic; analysing for ${Math.round(p.bakeTimeMs / 1000)} s before production moves.`);
      const o = await analyse(p, Math.max(1, Math.floor(p.bakeTimeMs / p.intervalMs)));
      if (o.kind === 'fail') return { status: 'rolled-back', reason: o.reason, markBad: true };
      if (o.kind === 'abort') return { status: 'aborted', reason: o.reason, markBad: false };
      if (o.kind === 'promote') return { status: 'completed', reason: o.reason, markBad: false };
    }
    return { status: 'completed', reason: null, markBad: false };
  }

  /**
   * Runs `count` passing measurements, one per interval over the log since the previous one. A
   * failure beyond the failure limit, or measurement errors beyond the consecutive-error limit,
   * fail the analysis; an inconclusive measurement pauses until a person resumes, promotes or aborts.
   */
  async function analyse(p: RolloutPlan, count: number): Promise<AnalysisOutcome> {
    let passes = 0;
    let from = Date.now();
    // A person's abort or promote, read through a function: handlers change it while this waits.
    const interruption = (): AnalysisOutcome | undefined => (requested ? { kind: requested.action, reason: requested.reason } : undefined);
    for (;;) {
      const interrupted = await condition(() => requested !== undefined || paused, p.intervalMs);
      if (interruption()) return interruption()!;
      if (interrupted) {
        await condition(() => !paused || requested !== undefined);
        if (interruption()) return interruption()!;
        // Resumed: measure afresh, from now.
        enter('analysing', `Resumed by ${state.decisions[state.decisions.length - 1]?.principal}.`);
        from = Date.now();
        continue;
      }
      const to = Date.now();
      const m: Measurement = await analysis
        .measure({ rolloutId, model: state.model, candidate: state.version, baseline: p.baselineVersion, from: new Date(from).toISOString(), to: new Date(to).toISOString(), analysis: p.analysis, positiveLabel: p.positiveLabel })
        .catch((err: unknown) => ({ at: new Date().toISOString(), from: new Date(from).toISOString(), to: new Date(to).toISOString(), verdict: 'error' as const, candidate: null, baseline: null, drift: null, reasons: [errorMessage(err)] }));
      from = to;
      state.measurements.push(m);
      if (state.measurements.length > KEEP_MEASUREMENTS) state.measurements.shift();
      if (m.verdict === 'error') {
        state.consecutiveErrors++;
        if (state.consecutiveErrors > p.analysis.consecutiveErrorLimit) {
          return { kind: 'fail', reason: `the analysis could not be measured ${state.consecutiveErrors} times in a row (limit ${p.analysis.consecutiveErrorLimit}): ${m.reasons.join('; ')}` };
        }
        describe(`Measurement error ${state.consecutiveErrors} of ${p.analysis.consecutiveErrorLimit + 1} allowed in a row.`);
        continue;
      }
      state.consecutiveErrors = 0;
      if (m.verdict === 'fail') {
        state.failures++;
        if (state.failures > p.analysis.failureLimit) return { kind: 'fail', reason: m.reasons.join('; ') };
        describe(`Analysis failed (${state.failures} of ${p.analysis.failureLimit} tolerated): ${m.reasons.join('; ')}`);
        continue;
      }
      if (m.verdict === 'inconclusive') {
        paused = true;
        state.pausedBecause = `inconclusive analysis: ${m.reasons.join('; ')}; resume to measure again, promote or abort`;
        enter('paused', state.pausedBecause);
        continue;
      }
      passes++;
      describe(`Analysis passed (${passes} of ${count}).`);
      if (passes >= count) return { kind: 'pass' };
    }
  }
}

/**
 * The rollback workflow: production and all traffic to the target version in one recorded step
 * (the version left behind is marked bad). Short, but a workflow: it shows in the Web UI with the
 * model's other changes, and its history is the record of who rolled back, to what, and why.
 */
export async function rollbackWorkflow(input: RollbackInput): Promise<RollbackResult> {
  upsertSearchAttributes([
    { key: searchAttributes.model, value: input.model },
    { key: searchAttributes.requestedBy, value: input.requestedBy },
    { key: searchAttributes.stage, value: 'rolling-back' },
  ]);
  setCurrentDetails(`**${input.model}** rollback requested by ${input.requestedBy}: ${input.reason}`);
  const result = await control.rollback({ rollbackId: workflowInfo().workflowId, input });
  upsertSearchAttributes([
    { key: searchAttributes.version, value: result.to },
    { key: searchAttributes.stage, value: 'done' },
  ]);
  setCurrentDetails(`**${input.model}** rolled back from v${result.from} to v${result.to} by ${input.requestedBy}: ${input.reason}${result.overrideBad ? ' (v' + result.to + ' was marked bad: overridden)' : ''}`);
  return result;
}

rolloutWorkflow satisfies RolloutWorkflow;
rollbackWorkflow satisfies RollbackWorkflow;
