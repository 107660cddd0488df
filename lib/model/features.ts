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
import type { FeatureSpec } from './config';

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
  label: z.object({ column: z.string(), positive: z.union([z.string(), z.number(), z.boolean()]) }),
  featureNames: z.array(z.string()),
  trainingRows: z.number().int().min(0),
});

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
export function labelsFromTable(table: Table, label: { column: string; positive: string | number | boolean }): Uint8Array {
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
  static fit(table: Table, features: FeatureSpec): FeaturePipeline {
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
      label: features.label,
      featureNames,
      trainingRows: n,
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
