/**
 * Stand-in rollout activities for the workflow tests (test/workflow/rollout.test.ts): the rollout and
 * rollback workflows' orchestration (steps, analysis verdicts, limits, pauses, operator actions,
 * strategies) on the time-skipping server in seconds, while test/integration runs the real
 * activities against a live gateway and the prediction log.
 *
 * Typed against the real activity interface. Each model declares its plan and a script of
 * measurement verdicts; every call is recorded.
 */
import { activityInfo } from '@temporalio/activity';
import type { RolloutActivities } from '../../activities/types';
import { withFailureTypes } from '../../activities/failures';
import { analysisConfigSchema, type Measurement, type MeasurementVerdict, type Route, type RolloutPlan } from '../../lib/rollout/types';

export interface RolloutStubModel {
  baselineVersion?: number | null;
  strategy?: RolloutPlan['strategy'];
  steps?: number[];
  intervalMs?: number;
  measurements?: number;
  bakeTimeMs?: number;
  failureLimit?: number;
  consecutiveErrorLimit?: number;
  operators?: string[];
  /** The verdict of the n-th measurement (0-based) of this model's rollout; default `pass`. */
  verdicts?: (n: number) => MeasurementVerdict;
  /** beginRollout or rollback refuse with this error. */
  refuse?: Error;
}

export interface RolloutCall {
  activity: keyof RolloutActivities;
  model: string;
  args: unknown;
  /** Server time (time skipping) at which the attempt was scheduled. */
  scheduledAtMs: number;
}

export interface RolloutStubs {
  activities: RolloutActivities;
  model(name: string, behaviour: RolloutStubModel): void;
  calls(model: string, activity?: keyof RolloutActivities): RolloutCall[];
  /** The routes of each setTraffic call, in order. */
  traffic(model: string): { label: string; routes: Route[] }[];
}

export function createRolloutStubs(): RolloutStubs {
  const models = new Map<string, RolloutStubModel>();
  const log: RolloutCall[] = [];
  const measured = new Map<string, number>();
  let generation = 0;

  const record = (activity: keyof RolloutActivities, model: string, args: unknown) => {
    log.push({ activity, model, args, scheduledAtMs: activityInfo().currentAttemptScheduledTimestampMs });
    return models.get(model) ?? {};
  };

  const activities: RolloutActivities = {
    beginRollout: (args) =>
      withFailureTypes(async () => {
        const m = record('beginRollout', args.input.model, args);
        if (m.refuse) throw m.refuse;
        return {
          rolloutId: args.rolloutId,
          policyHash: 'stub',
          operators: m.operators ?? ['ravi', 'lena'],
          baselineVersion: m.baselineVersion === undefined ? 1 : m.baselineVersion,
          strategy: args.input.strategy ?? m.strategy ?? 'canary',
          steps: args.input.steps ?? m.steps ?? [10, 50, 100],
          intervalMs: args.input.intervalMs ?? m.intervalMs ?? 60_000,
          measurements: m.measurements ?? 1,
          bakeTimeMs: m.bakeTimeMs ?? 0,
          analysis: analysisConfigSchema.parse({ failureLimit: m.failureLimit ?? 0, consecutiveErrorLimit: m.consecutiveErrorLimit ?? 4 }),
          positiveLabel: '>50K',
        };
      }),
    setTraffic: async (args) => {
      record('setTraffic', args.model, args);
      return ++generation;
    },
    measure: async (args) => {
      const m = record('measure', args.model, args);
      const n = measured.get(args.model) ?? 0;
      measured.set(args.model, n + 1);
      const verdict = m.verdicts?.(n) ?? 'pass';
      const stats = (version: number, errors: number) => ({ version, predictions: 400, errors, errorRate: errors / 400, latencyP99Ms: 4.2, labelled: 0, correct: 0 });
      const reasons =
        verdict === 'fail'
          ? [`error rate 12.50% of v${args.candidate} (50/400) is above the budget of 1.00%`]
          : verdict === 'inconclusive'
            ? [`only 3 prediction(s) of v${args.candidate} in the window; the analysis needs 50`]
            : verdict === 'error'
              ? ['the prediction log could not be read: connection refused']
              : [];
      const result: Measurement = {
        at: new Date().toISOString(),
        from: args.from,
        to: args.to,
        verdict,
        candidate: verdict === 'error' ? null : stats(args.candidate, verdict === 'fail' ? 50 : 0),
        baseline: args.baseline === null || verdict === 'error' ? null : stats(args.baseline, 0),
        drift: verdict === 'pass' ? 0.01 : null,
        reasons,
      };
      return result;
    },
    recordRolloutDecision: async (args) => void record('recordRolloutDecision', args.model, args),
    finishRollout: async (args) => void record('finishRollout', args.model, args),
    rollback: (args) =>
      withFailureTypes(async () => {
        const m = record('rollback', args.input.model, args);
        if (m.refuse) throw m.refuse;
        return { rollbackId: args.rollbackId, model: args.input.model, from: 3, to: args.input.to ?? 2, markedBad: 3, overrideBad: args.input.overrideBad ?? false, reason: args.input.reason, requestedBy: args.input.requestedBy };
      }),
    prunePredictionLog: async () => ({}),
  };

  return {
    activities,
    model: (name, behaviour) => void models.set(name, behaviour),
    calls: (model, activity) => log.filter((c) => c.model === model && (activity === undefined || c.activity === activity)),
    traffic: (model) =>
      log
        .filter((c) => c.model === model && c.activity === 'setTraffic')
        .map((c) => {
          const a = c.args as { label: string; routes: Route[] };
          return { label: a.label, routes: a.routes };
        }),
  };
}
