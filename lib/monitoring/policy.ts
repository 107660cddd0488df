/**
 * The policy's `monitoring` section: how a model's monitor cuts windows, the budgets and drift
 * thresholds it judges each window against, and the trigger rules that act on what it sees.
 *
 * A trigger is a condition (on a window's results, or a change detector over a series the monitor
 * produces), hysteresis (the condition must hold for `for` windows in a row), a cooldown after each
 * action, a ceiling on actions per period, and the action. Pure module (zod only): the monitor
 * workflow and the backtest read the same parsed section.
 *
 * @example
 *   const monitoring = parseMonitoringPolicy({
 *     window: { every: '1h', predictions: 1000 },
 *     triggers: [{ name: 'accuracy-drop', when: { metric: 'accuracy', op: '<', value: 0.8 }, for: 2, cooldown: '1d', action: { type: 'retrain' } }],
 *   });
 */
import { z } from 'zod';
import { durationSchema } from '../core/duration';
import { parseWith } from '../core/validation';
import { detectorNames, resolveDetectorParams, type DetectorName } from './detectors';
import { isWindowMetric, perPredictionSeries, windowMetricNames } from './metrics';

const DAY = 86_400_000;

/** A window closes after `every` (time) or after `predictions` served predictions, whichever comes first. */
export const windowSpecSchema = z
  .strictObject({
    every: durationSchema.optional(),
    predictions: z.number().int().positive().optional(),
  })
  .superRefine((w, ctx) => {
    if (w.every === undefined && w.predictions === undefined) ctx.addIssue({ code: 'custom', message: 'a window needs `every` (a duration) or `predictions` (a count), or both' });
    if (w.every !== undefined && (w.every < 60_000 || w.every > 31 * DAY)) ctx.addIssue({ code: 'custom', path: ['every'], message: `${w.every} ms is outside 1 minute .. 31 days` });
  });

/** Service budgets each window is judged against; absent = reported, not judged. */
export const monitoringBudgetsSchema = z.strictObject({
  latencyP50Ms: z.number().positive().optional(),
  latencyP99Ms: z.number().positive().optional(),
  errorRate: z.number().min(0).max(1).optional(),
});

/** When drift counts as drift in a window (feature drift uses the policy's `drift` section for its tests). */
export const monitoringDriftSchema = z.strictObject({
  /** Population stability index of the scores against the reference above which predictions drifted. */
  predictionPsi: z.number().positive().default(0.2),
  /** Share of drifted features above which the window's inputs drifted (default: the `drift` section's `driftShare`). */
  featureShare: z.number().min(0).max(1).optional(),
});

export const comparisons = ['<', '<=', '>', '>='] as const;

/** A condition on one number of a window's results: `accuracy < 0.8`. A window without that number (no labels yet) neither holds nor breaks the streak. */
export const metricConditionSchema = z.strictObject({
  metric: z.enum(windowMetricNames),
  op: z.enum(comparisons),
  value: z.number(),
});

/**
 * A change detector over a series: a window's number (`errorRate`, `accuracy`, ... one value per
 * window) or a per-prediction series the monitor hands over with the window (`error`: 1 for a wrong
 * labelled prediction, 0 for a right one). Holds in a window where the detector signalled `on`.
 */
export const detectorConditionSchema = z
  .strictObject({
    detector: z.enum(detectorNames),
    series: z.string().min(1),
    params: z.record(z.string(), z.union([z.number(), z.string()])).default({}),
    on: z.enum(['drift', 'warning']).default('drift'),
  })
  .superRefine((c, ctx) => {
    try {
      resolveDetectorParams(c.detector as DetectorName, c.params);
    } catch (e) {
      const err = e as { reason?: string; message: string; location?: { field?: string } };
      ctx.addIssue({ code: 'custom', path: ['params', ...(err.location?.field ? [err.location.field] : [])], message: err.reason ?? err.message });
    }
    if (!isWindowMetric(c.series) && !(perPredictionSeries as readonly string[]).includes(c.series)) {
      ctx.addIssue({ code: 'custom', path: ['series'], message: `"${c.series}" is not a series the monitor produces: one of ${[...perPredictionSeries, ...windowMetricNames].join(', ')}` });
    }
    // DDM and EDDM read an error indicator; fed anything else they would stop the monitor mid-window.
    if ((c.detector === 'ddm' || c.detector === 'eddm') && c.series !== 'error') {
      ctx.addIssue({ code: 'custom', path: ['series'], message: `${c.detector} reads an error indicator: use the "error" series (or adwin / page-hinkley on "${c.series}")` });
    }
    if (c.on === 'warning' && c.detector !== 'ddm' && c.detector !== 'eddm') ctx.addIssue({ code: 'custom', path: ['on'], message: `${c.detector} never warns; only ddm and eddm do` });
  });

export const conditionSchema = z.union([metricConditionSchema, detectorConditionSchema]);
/** One condition, or several that must all (`all`) or any one (`any`) hold in the same window. */
export const whenSchema = z.union([conditionSchema, z.strictObject({ all: z.array(conditionSchema).min(1) }), z.strictObject({ any: z.array(conditionSchema).min(1) })]);

export const severities = ['SEV1', 'SEV2', 'SEV3', 'SEV4', 'SEV5'] as const;

/** What a firing does. `retrain` starts a normal release (every gate and sign-off still applies). */
export const triggerActionSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('alert'), severity: z.enum(severities).default('SEV3') }),
  z.strictObject({
    type: z.literal('retrain'),
    /** A named data source; absent = the latest labelled logged data. */
    data: z.string().min(1).optional(),
  }),
  z.strictObject({ type: z.literal('rollback') }),
  z.strictObject({ type: z.literal('open-incident'), severity: z.enum(severities).default('SEV2') }),
]);

export const triggerSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'trigger names are lower-case letters, digits and dashes'),
  when: whenSchema,
  /** Hysteresis: the condition must hold in this many windows in a row (windows where it cannot be judged are skipped). */
  for: z.number().int().min(1).max(1000).default(1),
  /** After an action, the trigger stays quiet this long (measured on window end times). */
  cooldown: durationSchema.default(0),
  /** At most `count` actions in any `per` (a rolling period); firings beyond it are recorded as suppressed. */
  maxActions: z.strictObject({ count: z.number().int().min(1), per: durationSchema }).optional(),
  action: triggerActionSchema,
});

export const monitoringPolicySchema = z
  .strictObject({
    window: windowSpecSchema.prefault({ every: '1h' }),
    budgets: monitoringBudgetsSchema.prefault({}),
    drift: monitoringDriftSchema.prefault({}),
    triggers: z.array(triggerSchema).default([]),
  })
  .superRefine((m, ctx) => {
    const seen = new Map<string, number>();
    m.triggers.forEach((t, i) => {
      const first = seen.get(t.name);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['triggers', i, 'name'], message: `trigger "${t.name}" is also triggers.${first}; names must be unique` });
      else seen.set(t.name, i);
    });
  });

export type MonitoringPolicy = z.infer<typeof monitoringPolicySchema>;
export type MonitoringPolicyInput = z.input<typeof monitoringPolicySchema>;
export type Trigger = MonitoringPolicy['triggers'][number];
export type TriggerAction = Trigger['action'];
export type Condition = z.infer<typeof conditionSchema>;
export type MetricCondition = z.infer<typeof metricConditionSchema>;
export type DetectorCondition = z.infer<typeof detectorConditionSchema>;
export type When = z.infer<typeof whenSchema>;

/**
 * Parses a monitoring section alone (the policy schema embeds the same schema); problems are
 * `InvalidPolicy` naming the field (`triggers.0.when.metric`).
 *
 * @example parseMonitoringPolicy({ triggers: [] }).window.every === 3_600_000
 */
export function parseMonitoringPolicy(raw: unknown, source = 'monitoring policy'): MonitoringPolicy {
  return parseWith(monitoringPolicySchema, raw, { type: 'InvalidPolicy', what: 'monitoring section', file: source });
}
