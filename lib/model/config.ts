/**
 * The training configuration of a tabular model: the task (binary or multiclass classifier, or a
 * regressor), network, optimiser, schedule, early stopping, class weighting, seed and the feature
 * spec. Every field has a default, so a policy only states what it changes.
 */
import { z } from 'zod';
import { parseWith } from '../core/validation';

/**
 * What a model predicts: `binary` (probability of the positive class, sigmoid head, binary
 * cross-entropy), `multiclass` (a probability per class, softmax head, categorical cross-entropy)
 * or `regression` (a number, linear head, MSE or Huber loss on the standardised target).
 */
export const modelTasks = ['binary', 'multiclass', 'regression'] as const;
/** A model task, e.g. `'regression'`. */
export type ModelTask = (typeof modelTasks)[number];

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
    /**
     * Where the label lives; for a binary task which of its values is the positive class (1), for a
     * multiclass task its classes in a fixed order (the order of the model's outputs). A regression
     * label is a number and needs neither.
     */
    label: z.strictObject({
      column: z.string().min(1),
      positive: z.union([z.string(), z.number(), z.boolean()]).optional(),
      classes: z.array(z.string().min(1)).min(3, 'a multiclass label has at least 3 classes (two classes are the binary task)').optional(),
    }),
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
    const classes = spec.label.classes ?? [];
    const duplicate = classes.find((c, i) => classes.indexOf(c) !== i);
    if (duplicate !== undefined) ctx.addIssue({ code: 'custom', path: ['label', 'classes'], message: `class "${duplicate}" is listed twice` });
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
  /** weight(c) = n / (K * n_c) over the training rows (K classes), so every class carries equal total weight. */
  z.literal('balanced'),
  z.strictObject({ negative: z.number().positive(), positive: z.number().positive() }),
]);

/**
 * A policy's `training` section: the recipe without the task, which a policy states once at its top
 * level (`taskConfigIssues` checks the two agree).
 */
export const trainingSectionSchema = z.strictObject({
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
  /**
   * Regression only: the loss on the standardised target. `mse` fits the conditional mean; `huber`
   * is quadratic within `huberDelta` standard deviations and linear beyond, so a few extreme rows
   * (a holiday rush) pull the fit less. Absent: mse.
   */
  loss: z.enum(['mse', 'huber']).optional(),
  /** Regression with the Huber loss: where the loss turns linear, in standard deviations of the target (default 1). */
  huberDelta: z.number().positive().max(100).optional(),
  /**
   * Regression only: how the target is scaled for training, the inverse applied to every prediction
   * (stored in the feature pipeline). `standardize` (default): (y - mean) / std of the training rows;
   * `log1p`: log(1 + y) then standardised, for counts and amounts spanning orders of magnitude
   * (needs y > -1); `none`: as is.
   */
  targetScaling: z.enum(['standardize', 'log1p', 'none']).optional(),
  features: featureSpecSchema,
});

/**
 * What a task requires of a recipe: a binary label names its positive class, a multiclass one its
 * classes; the regression options (loss, Huber delta, target scaling) belong to regression only.
 *
 * @example taskConfigIssues('regression', section); // [] or [{ path: ['features', 'label', 'positive'], message }]
 */
export function taskConfigIssues(task: ModelTask, c: z.output<typeof trainingSectionSchema>): { path: PropertyKey[]; message: string }[] {
  const issues: { path: PropertyKey[]; message: string }[] = [];
  const at = (path: PropertyKey[], message: string) => issues.push({ path, message });
  const label = c.features.label;
  if (task === 'binary' && label.positive === undefined) at(['features', 'label', 'positive'], 'a binary task needs the positive class of the label');
  if (task !== 'binary' && label.positive !== undefined) at(['features', 'label', 'positive'], `a ${task} task has no positive class`);
  if (task === 'multiclass' && label.classes === undefined) at(['features', 'label', 'classes'], 'a multiclass task needs the list of classes (their order is the order of the outputs)');
  if (task !== 'multiclass' && label.classes !== undefined) at(['features', 'label', 'classes'], `a ${task} task has no list of classes`);
  if (task !== 'regression') {
    for (const k of ['loss', 'huberDelta', 'targetScaling'] as const) if (c[k] !== undefined) at([k], `${k} applies to the regression task only (this one is ${task})`);
  } else if (c.huberDelta !== undefined && c.loss !== 'huber') at(['huberDelta'], 'huberDelta applies to the huber loss');
  if (task === 'regression' && c.classWeights !== 'none') at(['classWeights'], 'a regression task has no classes to weight');
  if (task === 'multiclass' && typeof c.classWeights === 'object') at(['classWeights'], "a multiclass task takes 'none' or 'balanced' class weights");
  return issues;
}

/** The full recipe a trainer runs: the training section and the task (see `modelTasks`). */
export const trainingConfigSchema = trainingSectionSchema.extend({ task: z.enum(modelTasks).default('binary') }).superRefine((c, ctx) => {
  for (const issue of taskConfigIssues(c.task, c)) ctx.addIssue({ code: 'custom', ...issue });
});

/** A fully defaulted training configuration. */
export type TrainingConfig = z.infer<typeof trainingConfigSchema>;
/** What a policy may write: every field optional except the feature spec's label and features. */
export type TrainingConfigInput = z.input<typeof trainingConfigSchema>;
/** A policy's training section (the recipe without its task). */
export type TrainingSection = z.infer<typeof trainingSectionSchema>;
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
