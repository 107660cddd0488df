/**
 * The shapes of rollouts and rollbacks: the policy section that configures them, the inputs their
 * workflows take, the plan an activity derives from the policy, one analysis measurement, and the
 * state the workflows report. Pure types and zod schemas: workflow code imports this module.
 *
 * Names and defaults follow Argo Rollouts and Flagger where those tools have an equivalent
 * (steps, interval, failure limit, consecutive-error limit, bake time, inconclusive -> pause), so
 * people who run them read a Steward policy without a glossary.
 */
import { z } from 'zod';
import { durationSchema } from '../core/duration';
import { commentSchema, principalSchema } from '../core/identity';

/**
 * How a version reaches production: `canary` shifts traffic through the steps with an analysis at
 * each; `blue-green` runs the analysis on shadow traffic, then switches all traffic at once and
 * keeps the old version warm for the bake time; `shadow` mirrors traffic to the candidate and
 * reports, never serving it and never moving production.
 */
export const rolloutStrategies = ['canary', 'blue-green', 'shadow'] as const;
export type RolloutStrategy = (typeof rolloutStrategies)[number];

/**
 * A rollout's outcome (`running` until it has one): `completed` (production moved, or the shadow
 * report is done), `rolled-back` (an analysis failed: traffic went back to the baseline and the
 * version was marked bad), `aborted` (a person stopped it: traffic went back, the version is not
 * marked), `failed` (it could not run, e.g. production moved under it).
 */
export const rolloutStatuses = ['running', 'completed', 'rolled-back', 'aborted', 'failed'] as const;
export type RolloutStatus = (typeof rolloutStatuses)[number];

/** A route's mode: `serve` answers its share of requests; `shadow` is scored on every request and logged, never returned. */
export const routeModes = ['serve', 'shadow'] as const;
export type RouteMode = (typeof routeModes)[number];

/** One line of a model's routes table: `weight` is the percentage of requests (serve routes add up to 100). */
export interface Route {
  version: number;
  weight: number;
  mode: RouteMode;
}

/** The analysis budgets every measurement is judged against. */
export const analysisConfigSchema = z.object({
  /** Largest share of failed predictions of the new version in a window. */
  maxErrorRate: z.number().min(0).max(1).default(0.01),
  /** Largest 99th percentile of the new version's serving latency (gateway, per request) in a window. */
  maxLatencyP99Ms: z.number().positive().default(250),
  /**
   * Largest population stability index between the new version's scores and production's scores on
   * the same window (10 equal-width bins on [0, 1]): 0.1 is the usual "watch", 0.2 the usual "act".
   */
  maxPredictionDrift: z.number().positive().default(0.2),
  /**
   * When the window has live labels for at least this many of the new version's predictions, its
   * accuracy on them may not fall below production's on the same window by more than `maxAccuracyDrop`.
   */
  minLabels: z.number().int().min(1).default(200),
  maxAccuracyDrop: z.number().min(0).max(1).default(0.02),
  /** Fewer predictions of the new version than this in a window: the measurement is inconclusive. */
  minRequests: z.number().int().min(1).default(50),
  /** Failed measurements tolerated before the rollout rolls back (Argo's `failureLimit`: 0 = the first failure). */
  failureLimit: z.number().int().min(0).default(0),
  /** Consecutive measurements that could not be taken (the log unreachable) before the rollout rolls back (Argo's default 4). */
  consecutiveErrorLimit: z.number().int().min(0).default(4),
});
export type AnalysisConfig = z.infer<typeof analysisConfigSchema>;

/** Strictly increasing percentages ending at 100. */
export const stepsSchema = z
  .array(z.number().gt(0).max(100))
  .min(1)
  .superRefine((steps, ctx) => {
    for (let i = 1; i < steps.length; i++) {
      if (steps[i] <= steps[i - 1]) ctx.addIssue({ code: 'custom', path: [i], message: `steps must increase (${steps[i - 1]} then ${steps[i]})` });
    }
    if (steps[steps.length - 1] !== 100) ctx.addIssue({ code: 'custom', path: [steps.length - 1], message: 'the last step must be 100 (all traffic)' });
  });

/** The policy's `rollout` section. */
export const rolloutPolicySchema = z.object({
  /**
   * What an approved release does: `rollout` hands the version to a rollout workflow (the production
   * pointer moves when it completes); `promote` moves the pointer at sign-off. A model's first
   * version has no production to compare with and is promoted at sign-off either way.
   */
  onApproval: z.enum(['rollout', 'promote']).default('promote'),
  strategy: z.enum(rolloutStrategies).default('canary'),
  steps: stepsSchema.default([10, 50, 100]),
  /** Time between measurements (each step waits one interval per measurement). */
  interval: durationSchema.default(60_000),
  /** Measurements per step; all must pass before traffic moves on. */
  measurements: z.number().int().min(1).default(1),
  /** After the last step (canary) or the switch (blue-green), how long the analysis keeps running before production moves; the old version stays warm meanwhile. */
  bakeTime: durationSchema.default(0),
  analysis: analysisConfigSchema.prefault({}),
});
export type RolloutPolicy = z.infer<typeof rolloutPolicySchema>;

/** A request to roll a version out (CLI, API, or the release workflow after sign-off). */
export const rolloutInputSchema = z.object({
  model: z.string().min(1),
  version: z.number().int().min(1),
  requestedBy: principalSchema,
  /** Overrides of the policy's strategy, steps and interval. */
  strategy: z.enum(rolloutStrategies).optional(),
  steps: stepsSchema.optional(),
  intervalMs: z.number().int().positive().optional(),
  /** Rolling out a version marked bad needs this, with why (recorded). */
  overrideBad: z.object({ reason: commentSchema.min(1, 'overriding a bad version needs a reason') }).optional(),
  /** Set when the release workflow hands an approved version over. */
  releaseId: z.string().optional(),
  /** The production version the release compared the version with: the rollout refuses to start if production has moved since. */
  expectedBaseline: z.number().int().nullable().optional(),
});
export type RolloutInput = z.input<typeof rolloutInputSchema>;

/** A person acting on a running rollout (pause, resume, abort, promote). */
export const operatorActionSchema = z.object({
  principal: principalSchema,
  reason: commentSchema.default(''),
});
export type OperatorActionInput = z.input<typeof operatorActionSchema>;
export const operatorActions = ['pause', 'resume', 'abort', 'promote'] as const;
export type OperatorAction = (typeof operatorActions)[number];

/** What the rollout workflow learns from the policy and the registry when it starts. */
export interface RolloutPlan {
  rolloutId: string;
  policyHash: string;
  /** Who may pause, resume, abort or promote: the policy's operators and approvers. */
  operators: string[];
  /** The production version the new one is compared with (null: none; the rollout then promotes at once). */
  baselineVersion: number | null;
  strategy: RolloutStrategy;
  steps: number[];
  intervalMs: number;
  measurements: number;
  bakeTimeMs: number;
  analysis: AnalysisConfig;
  /** The label value that counts as positive (live labels are compared with scores at 0.5). */
  positiveLabel: string;
}

/** The numbers of one version in one analysis window. */
export interface WindowStats {
  version: number;
  predictions: number;
  errors: number;
  errorRate: number;
  latencyP99Ms: number | null;
  /** Predictions in the window that have a live label, and how many of them were right (binary: threshold 0.5; multiclass: the predicted class is the label). */
  labelled: number;
  correct: number;
}

export type MeasurementVerdict = 'pass' | 'fail' | 'inconclusive' | 'error';

/** One analysis run over the live prediction log. */
export interface Measurement {
  at: string;
  from: string;
  to: string;
  verdict: MeasurementVerdict;
  candidate: WindowStats | null;
  baseline: WindowStats | null;
  /** PSI of the candidate's scores against the baseline's on the same window (null: too few of either). */
  drift: number | null;
  /** Why it did not pass, one line per broken budget (or the error, or what was missing). */
  reasons: string[];
}

export interface OperatorDecision {
  action: OperatorAction;
  principal: string;
  reason: string;
  at: string;
}

export type RolloutStage = 'starting' | 'analysing' | 'paused' | 'baking' | 'completing' | 'rolling-back' | 'done';

export interface RolloutState {
  rolloutId: string;
  model: string;
  version: number;
  requestedBy: string;
  releaseId?: string;
  strategy?: RolloutStrategy;
  baselineVersion?: number | null;
  status: RolloutStatus;
  stage: RolloutStage;
  /** 0-based index of the current step, and the candidate's current share of traffic (percent). */
  step: number;
  weight: number;
  steps: number[];
  operators: string[];
  pausedBecause?: string;
  failures: number;
  consecutiveErrors: number;
  measurements: Measurement[];
  decisions: OperatorDecision[];
  overrideBad?: { reason: string };
  reason?: string;
}

/** A request to roll back: production (and all traffic) to `to`, or to the last good version. */
export const rollbackInputSchema = z.object({
  model: z.string().min(1),
  /** Without it: the last version that completed a rollout and is not marked bad. */
  to: z.number().int().min(1).optional(),
  requestedBy: principalSchema,
  reason: commentSchema.min(1, 'a rollback needs a reason'),
  /** Rolling back to a version marked bad needs this; `reason` then says why (recorded). */
  overrideBad: z.boolean().default(false),
});
export type RollbackInput = z.input<typeof rollbackInputSchema>;

export interface RollbackResult {
  rollbackId: string;
  model: string;
  from: number | null;
  to: number;
  /** The version marked bad by this rollback (the one it left), if any. */
  markedBad: number | null;
  overrideBad: boolean;
  reason: string;
  requestedBy: string;
}
