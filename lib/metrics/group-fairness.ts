/**
 * Fairness of regressors and multiclass classifiers per protected group and intersection, with
 * bootstrap intervals and policy thresholds (binary classifiers: fairness.ts).
 *
 * Regression: each group's MAE, RMSE and mean residual (actual - predicted: positive when the model
 * under-predicts for the group). Gaps over the judged groups:
 * - `maeDifference`: largest minus smallest group MAE, in label units;
 * - `maeRatio`: largest over smallest group MAE (1 = equally accurate for everyone);
 * - `meanResidualDifference`: largest minus smallest mean residual, in label units: the model is
 *   biased up for one group and down for another when it is large.
 * Thresholds are in label units (bikes per hour, dollars), so they have no default: unset, a gap is
 * reported but not judged.
 *
 * Multiclass: each group's accuracy, and per class its selection rate (share of the group predicted
 * as the class) and recall (share of the group's members of the class predicted as it). Gaps:
 * - `accuracyDifference`;
 * - `selectionRateDifference`: for each class the largest minus smallest selection rate, and the
 *   worst class's (demographic parity per class);
 * - `recallDifference`: the same for recall (equal opportunity per class), over the groups that
 *   have members of the class.
 *
 * As in fairness.ts: groups under `minGroupSize` are reported and not judged, intervals come from one
 * resample of all rows shared by every group and attribute, and the verdict is on the point value.
 */
import { estimate, type Estimate } from './bootstrap';
import { forEachResample, validateLevel } from './classification';
import { classThresholdsSchema, errorThresholdsSchema, partition, type ClassThresholds, type ErrorThresholds, type GroupColumns, type Partition } from './fairness';
import type { PreparedMulticlass } from './multiclass';
import type { PreparedRegression } from './regressor';

/** One group: its size and statistics (each with an interval). */
export interface TaskGroupFairness {
  key: string;
  values: Record<string, string>;
  size: number;
  judged: boolean;
  /** Regression: mae, rmse, meanResidual. Multiclass: accuracy, `selectionRate:<class>`, `recall:<class>`. */
  stats: Record<string, Estimate>;
}

/** A gap over the judged groups. */
export interface TaskGap {
  name: string;
  value: number;
  lower: number;
  upper: number;
  threshold: number | null;
  /** Passes when value <= threshold (every gap here is "at most"). */
  pass: boolean | null;
  /** Multiclass: the class with the largest gap. */
  class?: string;
}

export interface TaskAttributeFairness {
  attributes: string[];
  name: string;
  groups: TaskGroupFairness[];
  judgedGroups: number;
  judged: boolean;
  gaps: TaskGap[];
  pass: boolean;
  failures: string[];
}

export interface TaskFairnessReport {
  task: 'regression' | 'multiclass';
  minGroupSize: number;
  resamples: number;
  seed: number;
  level: number;
  attributes: TaskAttributeFairness[];
  pass: boolean;
}

interface Options {
  minGroupSize: number;
  intersections: string[][];
  attributes?: string[];
  resamples: number;
  seed: number;
  level: number;
}

/** A statistic per group from weighted sums over one pass, and the gaps from those statistics. */
interface Kernel {
  statNames: string[];
  gapNames: string[];
  /** Values per group in the accumulator. */
  width: number;
  accumulate(groupOf: Uint32Array, weights: Uint32Array | undefined, acc: Float64Array): void;
  /** Size of a group from its accumulator. */
  size(acc: Float64Array, g: number): number;
  stats(acc: Float64Array, g: number, out: Float64Array): void;
  /** Gaps from the stats of the judged groups; `worst[gap]` names the class behind a per-class gap. */
  gaps(stats: Float64Array, judged: number[], worst?: (string | undefined)[]): number[];
}

function spread(stats: Float64Array, stride: number, judged: number[], which: number): { max: number; min: number } {
  let max = -Infinity;
  let min = Infinity;
  let defined = 0;
  for (const g of judged) {
    const v = stats[g * stride + which];
    if (Number.isNaN(v)) continue;
    defined++;
    max = Math.max(max, v);
    min = Math.min(min, v);
  }
  return defined >= 2 ? { max, min } : { max: Number.NaN, min: Number.NaN };
}

function regressionKernel(prep: PreparedRegression): Kernel {
  const statNames = ['mae', 'rmse', 'meanResidual'];
  return {
    statNames,
    gapNames: ['maeDifference', 'maeRatio', 'meanResidualDifference'],
    width: 4,
    accumulate(groupOf, weights, acc) {
      acc.fill(0);
      for (let i = 0; i < groupOf.length; i++) {
        const w = weights ? weights[i] : 1;
        if (w === 0) continue;
        const b = 4 * groupOf[i];
        const e = prep.residual[i];
        acc[b] += w;
        acc[b + 1] += w * Math.abs(e);
        acc[b + 2] += w * e * e;
        acc[b + 3] += w * e;
      }
    },
    size: (acc, g) => acc[4 * g],
    stats(acc, g, out) {
      const n = acc[4 * g];
      out[0] = n > 0 ? acc[4 * g + 1] / n : Number.NaN;
      out[1] = n > 0 ? Math.sqrt(acc[4 * g + 2] / n) : Number.NaN;
      out[2] = n > 0 ? acc[4 * g + 3] / n : Number.NaN;
    },
    gaps(stats, judged) {
      const mae = spread(stats, 3, judged, 0);
      const res = spread(stats, 3, judged, 2);
      return [mae.max - mae.min, mae.min > 0 ? mae.max / mae.min : mae.max === 0 ? 1 : Number.POSITIVE_INFINITY, res.max - res.min];
    },
  };
}

function multiclassKernel(prep: PreparedMulticlass): Kernel {
  const k = prep.classes.length;
  // Per group: size, correct, then per class: predicted as c, actual c, actual c predicted c.
  const width = 2 + 3 * k;
  const statNames = ['accuracy', ...prep.classes.map((c) => `selectionRate:${c}`), ...prep.classes.map((c) => `recall:${c}`)];
  const stride = statNames.length;
  return {
    statNames,
    gapNames: ['accuracyDifference', 'selectionRateDifference', 'recallDifference'],
    width,
    accumulate(groupOf, weights, acc) {
      acc.fill(0);
      for (let i = 0; i < groupOf.length; i++) {
        const w = weights ? weights[i] : 1;
        if (w === 0) continue;
        const b = width * groupOf[i];
        const t = prep.actual[i];
        const p = prep.predicted[i];
        acc[b] += w;
        if (t === p) {
          acc[b + 1] += w;
          acc[b + 2 + 3 * t + 2] += w;
        }
        acc[b + 2 + 3 * p] += w;
        acc[b + 2 + 3 * t + 1] += w;
      }
    },
    size: (acc, g) => acc[width * g],
    stats(acc, g, out) {
      const b = width * g;
      const n = acc[b];
      out[0] = n > 0 ? acc[b + 1] / n : Number.NaN;
      for (let c = 0; c < k; c++) {
        out[1 + c] = n > 0 ? acc[b + 2 + 3 * c] / n : Number.NaN;
        const actual = acc[b + 2 + 3 * c + 1];
        out[1 + k + c] = actual > 0 ? acc[b + 2 + 3 * c + 2] / actual : Number.NaN;
      }
    },
    gaps(stats, judged, worst) {
      const acc = spread(stats, stride, judged, 0);
      let sel = Number.NaN;
      let rec = Number.NaN;
      for (let c = 0; c < k; c++) {
        const s = spread(stats, stride, judged, 1 + c);
        const r = spread(stats, stride, judged, 1 + k + c);
        if (!Number.isNaN(s.max) && !(s.max - s.min <= sel)) {
          sel = s.max - s.min;
          if (worst) worst[1] = prep.classes[c];
        }
        if (!Number.isNaN(r.max) && !(r.max - r.min <= rec)) {
          rec = r.max - r.min;
          if (worst) worst[2] = prep.classes[c];
        }
      }
      return [acc.max - acc.min, sel, rec];
    },
  };
}

function evaluate(task: 'regression' | 'multiclass', kernel: Kernel, n: number, groups: GroupColumns, thresholds: Record<string, number | null>, o: Options): TaskFairnessReport {
  validateLevel(o.level);
  const sets: string[][] = [...(o.attributes ?? Object.keys(groups)).map((a) => [a]), ...o.intersections];
  const parts: Partition[] = sets.map((s) => partition(groups, s, n));
  const stride = kernel.statNames.length;
  const accs = parts.map((p) => new Float64Array(kernel.width * p.keys.length));
  const statsOf = (a: number, out: Float64Array) => {
    const scratch = new Float64Array(stride);
    for (let g = 0; g < parts[a].keys.length; g++) {
      kernel.stats(accs[a], g, scratch);
      out.set(scratch, g * stride);
    }
    return out;
  };
  const point = parts.map((p, a) => {
    kernel.accumulate(p.groupOf, undefined, accs[a]);
    return statsOf(a, new Float64Array(stride * p.keys.length));
  });
  const sizes = parts.map((p, a) => p.keys.map((_, g) => kernel.size(accs[a], g)));
  const judged = sizes.map((s) => s.flatMap((size, g) => (size >= o.minGroupSize ? [g] : [])));
  const statReps = parts.map((p) => new Float64Array(o.resamples * stride * p.keys.length));
  const gapReps = parts.map(() => kernel.gapNames.map(() => new Float64Array(o.resamples)));
  const scratch = parts.map((p) => new Float64Array(stride * p.keys.length));
  forEachResample(n, o.resamples, o.seed, (w, b) => {
    parts.forEach((p, a) => {
      kernel.accumulate(p.groupOf, w, accs[a]);
      statsOf(a, scratch[a]);
      statReps[a].set(scratch[a], b * stride * p.keys.length);
      kernel.gaps(scratch[a], judged[a]).forEach((v, j) => (gapReps[a][j][b] = v));
    });
  });
  const attributes: TaskAttributeFairness[] = parts.map((p, a) => {
    const G = p.keys.length;
    const rep = (g: number, j: number) => Float64Array.from({ length: o.resamples }, (_, b) => statReps[a][b * stride * G + g * stride + j]);
    const isJudged = judged[a].length >= 2;
    const worst: (string | undefined)[] = [];
    const values = kernel.gaps(point[a], judged[a], worst);
    const name = p.attributes.join(' x ');
    const failures: string[] = [];
    const gaps: TaskGap[] = kernel.gapNames.map((gapName, j) => {
      const t = thresholds[gapName] ?? null;
      const value = values[j];
      const e = estimate(value, gapReps[a][j], o.level);
      let pass: boolean | null = null;
      if (t !== null && isJudged && !Number.isNaN(value)) {
        pass = value <= t;
        if (!pass) failures.push(`${name}: ${gapName} ${value.toFixed(4)} > ${t}${worst[j] ? ` (class ${worst[j]})` : ''}`);
      }
      return { name: gapName, value, lower: e.lower, upper: e.upper, threshold: t, pass, ...(worst[j] ? { class: worst[j] } : {}) };
    });
    return {
      attributes: p.attributes,
      name,
      groups: p.keys.map((key, g) => ({
        key,
        values: p.values[g],
        size: sizes[a][g],
        judged: sizes[a][g] >= o.minGroupSize,
        stats: Object.fromEntries(kernel.statNames.map((s, j) => [s, estimate(point[a][g * stride + j], rep(g, j), o.level)])),
      })),
      judgedGroups: judged[a].length,
      judged: isJudged,
      gaps,
      pass: failures.length === 0,
      failures,
    };
  });
  return { task, minGroupSize: o.minGroupSize, resamples: o.resamples, seed: o.seed, level: o.level, attributes, pass: attributes.every((x) => x.pass) };
}

/**
 * Regression fairness per attribute and intersection.
 *
 * @example
 *   evaluateRegressionFairness(prepareRegression(cnt, yhat), { workingday }, { maeRatio: 1.25 }, { minGroupSize: 30, intersections: [], resamples: 500, seed: 7, level: 0.95 });
 */
export function evaluateRegressionFairness(prep: PreparedRegression, groups: GroupColumns, thresholds: Partial<ErrorThresholds> | undefined, options: Options): TaskFairnessReport {
  return evaluate('regression', regressionKernel(prep), prep.n, groups, errorThresholdsSchema.parse(thresholds ?? {}), options);
}

/**
 * Multiclass fairness per attribute and intersection.
 *
 * @example
 *   evaluateMulticlassFairness(prep, { sex, race }, { recallDifference: 0.1 }, { minGroupSize: 30, intersections: [['sex', 'race']], resamples: 500, seed: 7, level: 0.95 });
 */
export function evaluateMulticlassFairness(prep: PreparedMulticlass, groups: GroupColumns, thresholds: Partial<ClassThresholds> | undefined, options: Options): TaskFairnessReport {
  return evaluate('multiclass', multiclassKernel(prep), prep.n, groups, classThresholdsSchema.parse(thresholds ?? {}), options);
}
