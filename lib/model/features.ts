/**
 * The feature pipeline: turns a columnar table into the Float32 matrix the network reads.
 *
 * It is fitted on training rows only (means, standard deviations, category vocabularies) and then
 * frozen into a versioned JSON document that is stored next to the model, so inference applies
 * exactly the preprocessing the weights were trained with.
 *
 * It reads the project's one table shape (lib/data/table.ts); numeric strings are parsed, numbers
 * in a categorical column become strings (so a numeric code can be declared categorical), and
 * columns the spec does not mention are ignored.
 *
 * Missing values:
 * - numeric: imputed with the training mean, i.e. 0 after standardisation.
 * - categorical: with `missingCategory: 'indicator'` (default) a dedicated "missing" column is 1;
 *   with 'zeros' all the feature's columns are 0.
 * Unseen categories at inference (and training values too rare for the vocabulary): with
 * `unseenCategory: 'other'` (default) the feature's "other" column is 1; with 'zeros' all of its
 * columns are 0.
 */
import { z } from 'zod';
import { StewardError } from '../core/errors';
import { tableRows, type Column, type Table } from '../data/table';
import { contentHash } from '../core/hash';
import { parseWith } from '../core/validation';
import type { FeatureSpec, TrainingConfig } from './config';

/** Version of the serialized pipeline format; bump when `transform` semantics change. */
export const FEATURE_PIPELINE_VERSION = 1;

const pipelineJsonSchema = z.object({
  kind: z.literal('steward.feature-pipeline'),
  version: z.literal(FEATURE_PIPELINE_VERSION),
  numeric: z.array(z.object({ name: z.string(), mean: z.number(), std: z.number().positive() })),
  categorical: z.array(
    z.object({ name: z.string(), vocabulary: z.array(z.string()), otherColumn: z.boolean(), missingColumn: z.boolean() }),
  ),
  unseenCategory: z.enum(['other', 'zeros']),
  missingCategory: z.enum(['indicator', 'zeros']),
  label: z.object({ column: z.string(), positive: z.union([z.string(), z.number(), z.boolean()]).optional() }),
  featureNames: z.array(z.string()),
  trainingRows: z.number().int().min(0),
  /**
   * What the model's output means, when it is not the probability of `label.positive` (a binary
   * model, whose pipelines have no target): a probability per class in `classes` order, or a
   * number on the training scale that `scaling`, `mean` and `std` turn back into label units.
   */
  target: z
    .discriminatedUnion('task', [
      z.object({ task: z.literal('multiclass'), classes: z.array(z.string()).min(2) }),
      z.object({ task: z.literal('regression'), scaling: z.enum(['standardize', 'log1p', 'none']), mean: z.number(), std: z.number().positive() }),
    ])
    .optional(),
});

/** A regression or multiclass model's target as stored with its pipeline (see `FeaturePipelineJson.target`). */
export type TargetJson = NonNullable<z.infer<typeof pipelineJsonSchema>['target']>;
/** How a regression target is scaled for training. */
export type RegressionTarget = Extract<TargetJson, { task: 'regression' }>;

/** The JSON form of a fitted pipeline (what is stored in the model registry). */
export type FeaturePipelineJson = z.infer<typeof pipelineJsonSchema>;

function numericAt(col: Column, i: number, name: string): number {
  const v = col[i];
  if (v === null || v === undefined) return NaN;
  if (typeof v === 'number') return v;
  const s = String(v).trim();
  if (s === '') return NaN;
  const n = Number(s);
  // Row numbers here are 1-based data rows, not file lines: the table no longer knows its file.
  if (!Number.isFinite(n)) throw new StewardError('DataContractViolation', `not a number: ${JSON.stringify(v)}`, { column: name, row: i + 1 });
  return n;
}

function categoryAt(col: Column, i: number): string | undefined {
  const v = col[i];
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'number' && Number.isNaN(v)) return undefined;
  const s = String(v);
  return s === '' ? undefined : s;
}

/**
 * Labels as 0/1 from the table's label column: 1 where the value equals `positive` (compared as
 * strings, so 1 and '1' match). A missing label is a `DataContractViolation`.
 *
 * @example
 *   labelsFromTable({ income: ['>50K', '<=50K'] }, { column: 'income', positive: '>50K' }); // Uint8Array [1, 0]
 */
export function labelsFromTable(table: Table, label: { column: string; positive?: string | number | boolean }): Uint8Array {
  if (label.positive === undefined) throw new StewardError('InvalidPolicy', 'binary labels need the positive class of the label', { column: label.column, field: 'label.positive' });
  const n = tableRows(table, [label.column]);
  const col = table[label.column]!;
  const positive = String(label.positive);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = col[i];
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) {
      throw new StewardError('DataContractViolation', 'label is missing', { column: label.column, row: i + 1 });
    }
    out[i] = String(v) === positive ? 1 : 0;
  }
  return out;
}

/**
 * Regression labels as numbers from the table's label column (numeric strings are parsed). A missing
 * or non-numeric label is a `DataContractViolation` naming the row.
 *
 * @example
 *   targetsFromTable({ cnt: Float64Array.of(16, 40) }, 'cnt'); // Float64Array [16, 40]
 */
export function targetsFromTable(table: Table, column: string): Float64Array {
  const n = tableRows(table, [column]);
  const col = table[column]!;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = numericAt(col, i, column);
    if (Number.isNaN(v)) throw new StewardError('DataContractViolation', 'label is missing', { column, row: i + 1 });
    out[i] = v;
  }
  return out;
}

/**
 * Multiclass labels as class indices (positions in `classes`) from the table's label column. A
 * missing label, or one that is not among the classes, is a `DataContractViolation` naming the row.
 *
 * @example
 *   classIndicesFromTable({ y: ['b', 'a'] }, 'y', ['a', 'b', 'c']); // Int32Array [1, 0]
 */
export function classIndicesFromTable(table: Table, column: string, classes: readonly string[]): Int32Array {
  const n = tableRows(table, [column]);
  const col = table[column]!;
  const index = new Map(classes.map((c, k) => [c, k]));
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = categoryAt(col, i);
    if (v === undefined) throw new StewardError('DataContractViolation', 'label is missing', { column, row: i + 1 });
    const k = index.get(v);
    if (k === undefined) throw new StewardError('DataContractViolation', `label "${v}" is not one of the classes ${classes.join(', ')}`, { column, row: i + 1 });
    out[i] = k;
  }
  return out;
}

/**
 * The training scale of a regression target: its mean and (population) standard deviation after
 * the optional log1p, fitted on training rows only.
 *
 * @example fitRegressionTarget(Float64Array.of(1, 3), 'standardize'); // { task: 'regression', scaling: 'standardize', mean: 2, std: 1 }
 */
export function fitRegressionTarget(y: Float64Array, scaling: RegressionTarget['scaling']): RegressionTarget {
  if (scaling === 'none') return { task: 'regression', scaling, mean: 0, std: 1 };
  let sum = 0;
  const t = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) {
    if (scaling === 'log1p' && !(y[i] > -1)) {
      throw new StewardError('DataContractViolation', `label ${y[i]} is not above -1: log1p target scaling needs counts or amounts; use "standardize"`, { row: i + 1 });
    }
    t[i] = scaling === 'log1p' ? Math.log1p(y[i]) : y[i];
    sum += t[i];
  }
  const mean = y.length > 0 ? sum / y.length : 0;
  let sq = 0;
  for (let i = 0; i < t.length; i++) sq += (t[i] - mean) * (t[i] - mean);
  const std = y.length > 0 ? Math.sqrt(sq / y.length) : 0;
  return { task: 'regression', scaling, mean, std: std > 1e-12 && Number.isFinite(std) ? std : 1 };
}

/** A label value on the training scale (what the network is fitted to). */
export function scaleTarget(target: RegressionTarget, y: number): number {
  return ((target.scaling === 'log1p' ? Math.log1p(y) : y) - target.mean) / target.std;
}

/** A network output on the training scale back in label units. */
export function unscaleTarget(target: RegressionTarget, z: number): number {
  const t = z * target.std + target.mean;
  return target.scaling === 'log1p' ? Math.expm1(t) : t;
}

/** The target a recipe trains for, fitted on the training labels (undefined for a binary task). */
export function targetFor(config: Pick<TrainingConfig, 'task' | 'targetScaling' | 'features'>, labels?: Float64Array): TargetJson | undefined {
  if (config.task === 'multiclass') return { task: 'multiclass', classes: [...config.features.label.classes!] };
  if (config.task === 'regression') return fitRegressionTarget(labels ?? new Float64Array(), config.targetScaling ?? 'standardize');
  return undefined;
}

/**
 * A fitted, immutable feature pipeline.
 *
 * @example
 *   const pipeline = FeaturePipeline.fit(trainTable, config.features);
 *   const x = pipeline.transform(testTable);          // Float32Array, rows * pipeline.width, row-major
 *   const stored = JSON.stringify(pipeline);          // versioned JSON, see FeaturePipeline.fromJSON
 */
export class FeaturePipeline {
  /** Serialized format version (`FEATURE_PIPELINE_VERSION`). */
  readonly version = FEATURE_PIPELINE_VERSION;
  /** Columns of the output matrix. */
  readonly width: number;
  /** Name of every output column, e.g. 'age', 'workclass=Private', 'workclass=<other>'. */
  readonly featureNames: readonly string[];

  private constructor(private readonly spec: FeaturePipelineJson) {
    this.width = spec.featureNames.length;
    this.featureNames = spec.featureNames;
  }

  /**
   * Fits means, standard deviations and vocabularies on `table`, which must hold training rows
   * only (fitting on evaluation rows would leak them into the preprocessing).
   */
  static fit(table: Table, features: FeatureSpec, target?: TargetJson): FeaturePipeline {
    const columns = [...features.numeric, ...features.categorical.map((c) => c.name)];
    const n = tableRows(table, columns);
    if (n === 0) throw new StewardError('DataContractViolation', 'cannot fit a feature pipeline on an empty table');

    const numeric = features.numeric.map((name) => {
      const col = table[name]!;
      let sum = 0;
      let count = 0;
      for (let i = 0; i < n; i++) {
        const v = numericAt(col, i, name);
        if (!Number.isNaN(v)) {
          sum += v;
          count++;
        }
      }
      const mean = count > 0 ? sum / count : 0;
      let sq = 0;
      for (let i = 0; i < n; i++) {
        const v = numericAt(col, i, name);
        if (!Number.isNaN(v)) sq += (v - mean) * (v - mean);
      }
      const std = count > 0 ? Math.sqrt(sq / count) : 0;
      // A constant column carries no signal; std 1 maps it to 0 instead of dividing by zero.
      return { name, mean, std: std > 1e-12 && Number.isFinite(std) ? std : 1 };
    });

    const categorical = features.categorical.map((feature) => {
      const col = table[feature.name]!;
      const counts = new Map<string, number>();
      for (let i = 0; i < n; i++) {
        const v = categoryAt(col, i);
        if (v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
      }
      const vocabulary = [...counts.entries()]
        .filter(([, c]) => c >= feature.minCount)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .slice(0, feature.maxCategories)
        .map(([v]) => v);
      return {
        name: feature.name,
        vocabulary,
        otherColumn: features.unseenCategory === 'other',
        missingColumn: features.missingCategory === 'indicator',
      };
    });

    const featureNames: string[] = numeric.map((f) => f.name);
    for (const c of categorical) {
      for (const v of c.vocabulary) featureNames.push(`${c.name}=${v}`);
      if (c.otherColumn) featureNames.push(`${c.name}=<other>`);
      if (c.missingColumn) featureNames.push(`${c.name}=<missing>`);
    }
    return new FeaturePipeline({
      kind: 'steward.feature-pipeline',
      version: FEATURE_PIPELINE_VERSION,
      numeric,
      categorical,
      unseenCategory: features.unseenCategory,
      missingCategory: features.missingCategory,
      label: { column: features.label.column, ...(features.label.positive !== undefined ? { positive: features.label.positive } : {}) },
      featureNames,
      trainingRows: n,
      ...(target ? { target } : {}),
    });
  }

  /**
   * Rebuilds a pipeline from its JSON form (object or string). An unknown version or a malformed
   * document is an `ArtifactIntegrity` error: the stored preprocessing cannot be trusted.
   */
  static fromJSON(json: unknown): FeaturePipeline {
    let value = json;
    if (typeof json === 'string') {
      try {
        value = JSON.parse(json);
      } catch (e) {
        throw new StewardError('ArtifactIntegrity', 'feature pipeline is not valid JSON', {}, { cause: e });
      }
    }
    return new FeaturePipeline(parseWith(pipelineJsonSchema, value, { type: 'ArtifactIntegrity', what: 'feature pipeline document' }));
  }

  /** The label column and positive value the pipeline was fitted for. */
  get label(): FeaturePipelineJson['label'] {
    return this.spec.label;
  }

  /** What the model predicts: binary unless the pipeline records another target. */
  get task(): 'binary' | 'multiclass' | 'regression' {
    return this.spec.target?.task ?? 'binary';
  }

  /** The target of a multiclass or regression model (undefined for binary). */
  get target(): TargetJson | undefined {
    return this.spec.target;
  }

  /** Input columns the pipeline reads (the label column is not one of them). */
  get inputColumns(): string[] {
    return [...this.spec.numeric.map((f) => f.name), ...this.spec.categorical.map((c) => c.name)];
  }

  /** The versioned JSON document; `JSON.stringify(pipeline)` uses it. */
  toJSON(): FeaturePipelineJson {
    return structuredClone(this.spec);
  }

  /** sha256 of the canonical JSON: two pipelines with the same fingerprint transform identically. */
  get fingerprint(): string {
    return contentHash(this.spec);
  }

  /** Number of rows `transform` would produce for this table (validates the needed columns). */
  rows(table: Table): number {
    return tableRows(table, this.inputColumns);
  }

  /**
   * The feature matrix of `table`: a row-major Float32Array of `rows * width` values.
   * Extra columns are ignored; a missing column is a `DataContractViolation`.
   */
  transform(table: Table): Float32Array {
    const n = this.rows(table);
    const w = this.width;
    const out = new Float32Array(n * w);
    let offset = 0;
    for (const f of this.spec.numeric) {
      const col = table[f.name]!;
      for (let i = 0; i < n; i++) {
        const v = numericAt(col, i, f.name);
        out[i * w + offset] = Number.isNaN(v) ? 0 : (v - f.mean) / f.std;
      }
      offset++;
    }
    for (const c of this.spec.categorical) {
      const col = table[c.name]!;
      const index = new Map(c.vocabulary.map((v, j) => [v, j]));
      const other = c.otherColumn ? c.vocabulary.length : -1;
      const missing = c.missingColumn ? c.vocabulary.length + (c.otherColumn ? 1 : 0) : -1;
      for (let i = 0; i < n; i++) {
        const v = categoryAt(col, i);
        const j = v === undefined ? missing : (index.get(v) ?? other);
        if (j >= 0) out[i * w + offset + j] = 1;
      }
      offset += c.vocabulary.length + (c.otherColumn ? 1 : 0) + (c.missingColumn ? 1 : 0);
    }
    return out;
  }
}
