/**
 * The training configuration of a tabular binary classifier: network, optimiser, schedule,
 * early stopping, class weighting, seed and the feature spec. Every field has a default, so a
 * policy only states what it changes.
 */
import { z } from 'zod';
import { parseWith } from '../core/validation';

/** One categorical input: one-hot over its most frequent training values. */
export const categoricalFeatureSchema = z.strictObject({
  name: z.string().min(1),
  /**
   * Keep at most this many distinct training values (most frequent first, ties by value so the
   * vocabulary is deterministic); rarer values share the 'other' bucket.
   */
  maxCategories: z.number().int().min(1).max(10_000).default(32),
  /** Values seen fewer times than this in training also go to 'other'. */
  minCount: z.number().int().min(1).default(1),
});

export const featureSpecSchema = z
  .strictObject({
    /** Standardised with the training mean and (population) standard deviation. */
    numeric: z.array(z.string().min(1)).default([]),
    /** A bare name takes the default `maxCategories`/`minCount`. */
    categorical: z
      .array(z.union([z.string().min(1).transform((name) => categoricalFeatureSchema.parse({ name })), categoricalFeatureSchema]))
      .default([]),
    /**
     * A category value never seen in training (or seen too rarely to get its own column):
     * 'other' -> the feature's 'other' bucket column is 1; 'zeros' -> every column of the feature is 0.
     */
    unseenCategory: z.enum(['other', 'zeros']).default('other'),
    /**
     * A missing categorical value (null/undefined/''): 'indicator' -> a dedicated "missing" column is 1;
     * 'zeros' -> every column of the feature is 0.
     */
    missingCategory: z.enum(['indicator', 'zeros']).default('indicator'),
    /** Where the label lives and which of its values is the positive class (1). */
    label: z.strictObject({ column: z.string().min(1), positive: z.union([z.string(), z.number(), z.boolean()]) }),
  })
  .superRefine((spec, ctx) => {
    const names = [...spec.numeric, ...spec.categorical.map((c) => c.name)];
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n)) ctx.addIssue({ code: 'custom', message: `feature "${n}" is listed twice` });
      seen.add(n);
    }
    if (seen.has(spec.label.column)) ctx.addIssue({ code: 'custom', message: `label column "${spec.label.column}" is also a feature` });
    if (names.length === 0) ctx.addIssue({ code: 'custom', message: 'at least one numeric or categorical feature is required' });
  });

export const earlyStoppingSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Fraction of the training rows held out (seeded) to compute `valLoss`. */
  validationSplit: z.number().gt(0).lt(0.5).default(0.1),
  /** Stop after this many epochs without an improvement of at least `minDelta` in `valLoss`. */
  patience: z.number().int().min(1).default(3),
  minDelta: z.number().min(0).default(1e-4),
  /** Return the weights of the best epoch rather than the last one. */
  restoreBestWeights: z.boolean().default(true),
});

export const classWeightsSchema = z.union([
  z.literal('none'),
  /** weight(c) = n / (2 * n_c) over the training rows, so both classes carry equal total weight. */
  z.literal('balanced'),
  z.strictObject({ negative: z.number().positive(), positive: z.number().positive() }),
]);

export const trainingConfigSchema = z.strictObject({
  /** Units of each hidden Dense layer, input side first. `[]` makes a logistic regression. */
  hiddenUnits: z.array(z.number().int().min(1).max(4096)).max(16).default([64, 32]),
  activation: z.enum(['relu', 'tanh', 'elu', 'selu']).default('relu'),
  /** Dropout rate after each hidden layer (training only). */
  dropout: z.number().min(0).lt(1).default(0.1),
  /** L2 penalty on kernels (not biases), added to the loss as l2 * sum(w^2). */
  l2: z.number().min(0).default(1e-4),
  optimizer: z.enum(['adam', 'sgd']).default('adam'),
  learningRate: z.number().positive().max(10).default(1e-3),
  /** sgd only: classical momentum (0 = plain SGD). */
  momentum: z.number().min(0).lt(1).default(0.9),
  epochs: z.number().int().min(1).max(10_000).default(20),
  batchSize: z.number().int().min(1).max(1 << 16).default(128),
  earlyStopping: earlyStoppingSchema.default(earlyStoppingSchema.parse({})),
  classWeights: classWeightsSchema.default('none'),
  /** Seeds initialisation, the validation split, shuffling and dropout. */
  seed: z.number().int().min(0).max(2 ** 32 - 1).default(42),
  features: featureSpecSchema,
});

/** A fully defaulted training configuration. */
export type TrainingConfig = z.infer<typeof trainingConfigSchema>;
/** What a policy may write: every field optional except the feature spec's label and features. */
export type TrainingConfigInput = z.input<typeof trainingConfigSchema>;
export type FeatureSpec = z.infer<typeof featureSpecSchema>;
export type CategoricalFeature = z.infer<typeof categoricalFeatureSchema>;

/**
 * Parses and defaults a training configuration; a bad one is an `InvalidPolicy` error naming
 * the offending field.
 *
 * @example
 *   const config = parseTrainingConfig({
 *     hiddenUnits: [32],
 *     features: { numeric: ['age'], categorical: ['workclass'], label: { column: 'income', positive: '>50K' } },
 *   });
 *   config.optimizer; // 'adam'
 */
export function parseTrainingConfig(input: unknown): TrainingConfig {
  return parseWith(trainingConfigSchema, input, { type: 'InvalidPolicy', what: 'training config' });
}
