/**
 * Per-column profiles built in one streaming pass over DataChunks. A profile is what Steward stores
 * with each model version as its training reference, and what drift tests compare.
 *
 * What a numeric column keeps, and why:
 * - count / missing / mean / M2 / min / max: exact and mergeable (Chan et al. pairwise update of
 *   mean and sum of squared deviations, computed two-pass inside each chunk for stability).
 * - `exact`: every distinct value with its multiplicity, while the column has at most `exactCap`
 *   distinct values (default 20,000). Counting distinct values instead of rows means low-cardinality
 *   columns (ages, hours, flags, codes) stay exact at any row count, and KS / Wasserstein computed
 *   from them are exactly scipy's. Memory is bounded by `exactCap`, never by rows.
 * - `summary`: once a column exceeds `exactCap` distinct values, a centroid summary (centroids.ts):
 *   at most `centroids` (default 1024) groups with exact count, sum, min and max each, and two
 *   certified error bounds stored with it: `wassersteinBound` (W₁ between the column and its
 *   summary, in the column's units) and `rankBound` (sup |F̂ − F|). Drift statistics computed from
 *   summaries are within the sum of both sides' bounds of the exact ones (see suite.ts).
 * - `histogram`: counts on B = 10 equal-mass bins cut at the column's own quantiles (exact counts in
 *   exact mode; estimated from the summary's groups otherwise).
 * - `referenceHistogram`: when the builder is given a reference profile, exact streaming counts on
 *   the reference's cuts, so PSI / Jensen-Shannon of a current window against the reference are
 *   exact even when the current window only has a summary.
 *
 * A categorical column keeps category frequencies by string (codes are per-read), capped at
 * `maxCategories` most frequent categories with the remainder in `otherCount`.
 */
import { StewardError } from '../core/errors';
import type { DataChunk } from './chunk';
import { CentroidSummary, type CentroidState, centroidSample, DEFAULT_CENTROIDS, type Group } from './centroids';
import { chunkMoments, createValueTable, type ValueCounts, type ValueTable } from './value-table';

export type { ValueCounts } from './value-table';

/** Profile format version; bump when the stored shape changes. */
export const PROFILE_VERSION = 1;

/** Probabilities at which profiles report quantiles. */
export const PROFILE_QUANTILES = [0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1];

/** Profile-building knobs (all optional). */
export interface ProfileOptions {
  /** Keep exact value counts while a numeric column has at most this many distinct values. Default 20,000. */
  exactCap?: number;
  /** Groups in the centroid summary once a column exceeds `exactCap`. Default 1024. */
  centroids?: number;
  /** Equal-mass bins for the column's own histogram. Default 10 (the PSI convention). */
  bins?: number;
  /** Categories kept per categorical column (most frequent first). Default 10,000. */
  maxCategories?: number;
  /** A reference profile: numeric columns also count exactly on the reference's histogram cuts. */
  reference?: DatasetProfile;
}

/** Counts on bins defined by interior cut points: bin i is [cuts[i-1], cuts[i]) with open ends. */
export interface BinnedCounts {
  cuts: number[];
  counts: number[];
}

/** Profile of a numeric, integer, boolean or timestamp column. */
export interface NumericColumnProfile {
  kind: 'number';
  name: string;
  type: 'numeric' | 'integer' | 'boolean' | 'timestamp';
  rows: number;
  count: number;
  missing: number;
  mean: number;
  /** Sum of squared deviations from the mean (for exact merging). */
  m2: number;
  /** Population standard deviation (ddof = 0, as numpy's default). */
  std: number;
  min: number;
  max: number;
  quantiles: { probs: number[]; values: number[]; exact: boolean };
  exact: ValueCounts | null;
  /** Centroid summary with certified error bounds, when the column exceeded `exactCap` distinct values. */
  summary?: CentroidState | null;
  histogram: BinnedCounts & { exact: boolean };
  referenceHistogram?: BinnedCounts;
}

/** Profile of a categorical column. */
export interface CategoricalColumnProfile {
  kind: 'category';
  name: string;
  type: 'categorical';
  rows: number;
  count: number;
  missing: number;
  /** Categories, most frequent first (ties by name). */
  categories: string[];
  counts: number[];
  /** Occurrences of categories dropped by the `maxCategories` cap. */
  otherCount: number;
}

/** One column's profile. */
export type ColumnProfile = NumericColumnProfile | CategoricalColumnProfile;

/** A dataset profile: JSON-serialisable, a few KB per column, mergeable. */
export interface DatasetProfile {
  version: typeof PROFILE_VERSION;
  rows: number;
  options: { exactCap: number; bins: number; maxCategories: number; centroids?: number };
  columns: ColumnProfile[];
}

const DEFAULTS = { exactCap: 20_000, bins: 10, maxCategories: 10_000, centroids: DEFAULT_CENTROIDS };

/** Index of the bin holding v for interior cuts (binary search; bins are [cuts[i-1], cuts[i])). */
export function binIndex(cuts: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v >= cuts[mid]) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

class NumericAccumulator {
  rows = 0;
  missing = 0;
  count = 0;
  mean = 0;
  m2 = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  table: ValueTable | null;
  summary: CentroidSummary | null = null;
  private readonly scratch = new Float64Array(5);
  refCuts: Float64Array | null;
  refCounts: Float64Array | null;

  constructor(
    readonly name: string,
    readonly type: NumericColumnProfile['type'],
    readonly opts: typeof DEFAULTS,
    refCuts: number[] | null,
  ) {
    this.table = createValueTable(opts.exactCap + 1);
    this.refCuts = refCuts ? Float64Array.from(refCuts) : null;
    this.refCounts = refCuts ? new Float64Array(refCuts.length + 1) : null;
  }

  add(values: Float64Array): void {
    const n = values.length;
    this.rows += n;
    // Count, sum and range, then (with the table) M2 about the chunk mean, for a stable variance.
    const out = this.scratch;
    const table = this.table;
    let i = 0;
    if (table !== null) i = table.addChunk(values, this.min, this.max, this.opts.exactCap, out);
    else {
      chunkMoments(values, this.min, this.max, out);
      out[4] = 0;
    }
    const cnt = out[0];
    this.missing += n - cnt;
    if (cnt === 0) return;
    this.min = out[2];
    this.max = out[3];
    const cm = out[1] / cnt;
    let cm2 = out[4];
    const cuts = this.refCuts;
    const rc = this.refCounts;
    if (table !== null && table.size > this.opts.exactCap) this.toSummary();
    if (i < n) {
      for (let j = i; j < n; j++) {
        const v = values[j];
        if (v !== v) continue;
        const d = v - cm;
        cm2 += d * d;
      }
      (this.summary as CentroidSummary).addArray(i === 0 ? values : values.subarray(i));
    }
    // Values in the exact table are counted on the reference cuts from the table (once per distinct
    // value, see tableBins); only the values that went to the summary are binned one by one.
    if (cuts !== null && i < n) {
      const r = rc as Float64Array;
      const nc = cuts.length;
      for (let j = i; j < n; j++) {
        const v = values[j];
        if (v !== v) continue;
        let lo = 0;
        let hi = nc;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (v >= cuts[mid]) lo = mid + 1;
          else hi = mid;
        }
        r[lo]++;
      }
    }
    this.combineMoments(cnt, cm, cm2);
  }

  /** Chan et al.: merge (count, mean, M2) of two disjoint parts without loss of precision. */
  private combineMoments(nb: number, meanB: number, m2B: number): void {
    const na = this.count;
    if (nb === 0) return;
    if (na === 0) {
      this.count = nb;
      this.mean = meanB;
      this.m2 = m2B;
      return;
    }
    const nt = na + nb;
    const delta = meanB - this.mean;
    this.mean += (delta * nb) / nt;
    this.m2 += m2B + (delta * delta * na * nb) / nt;
    this.count = nt;
  }

  /**
   * Adds sign × the table's counts on the reference cuts to `target`. `refCounts` holds the counts of
   * the values not in the table; the full reference histogram is refCounts + the table's bins.
   */
  private tableBins(target: Float64Array, sign: number): void {
    const cuts = this.refCuts;
    if (this.table === null || cuts === null) return;
    const { keys, counts } = this.table.entries();
    for (let i = 0; i < counts.length; i++) if (counts[i] > 0) target[binIndex(cuts, keys[i])] += sign * counts[i];
  }

  private toSummary(): void {
    if (this.refCounts !== null) this.tableBins(this.refCounts, 1); // the values leave the table
    const t = (this.table as ValueTable).entries();
    const s = new CentroidSummary(this.opts.centroids);
    const groups = [];
    for (let i = 0; i < t.counts.length; i++) if (t.counts[i] > 0) groups.push({ sum: t.keys[i] * t.counts[i], count: t.counts[i], min: t.keys[i], max: t.keys[i], m2: 0 });
    s.addGroups(groups);
    this.summary = s;
    this.table = null;
  }

  mergeFrom(o: NumericAccumulator): void {
    if (o.type !== this.type) throw typeMismatch(this.name, this.type, o.type);
    this.rows += o.rows;
    this.missing += o.missing;
    this.combineMoments(o.count, o.mean, o.m2);
    if (o.min < this.min) this.min = o.min;
    if (o.max > this.max) this.max = o.max;
    // Reference-cut counts of o's values outside its table; its table's values are counted below
    // if they end up in this summary, or stay uncounted in this table (see tableBins).
    if (this.refCounts !== null && o.refCounts !== null && sameCuts(this.refCuts, o.refCuts)) {
      for (let i = 0; i < this.refCounts.length; i++) this.refCounts[i] += o.refCounts[i];
    } else {
      this.refCuts = null;
      this.refCounts = null;
    }
    const binGroups = (groups: Group[]): void => {
      const cuts = this.refCuts;
      const rc = this.refCounts;
      if (cuts !== null && rc !== null) for (const g of groups) rc[binIndex(cuts, g.min)] += g.count;
    };
    if (this.table !== null && o.table !== null) {
      // Fold o's distinct values in while they fit; past the cap, switch to the summary mid-way.
      const ot = o.table.entries();
      let i = 0;
      for (; i < ot.counts.length && this.table !== null; i++) {
        if (ot.counts[i] === 0) continue;
        this.table.add(ot.keys[i], ot.counts[i]);
        if (this.table.size > this.opts.exactCap) this.toSummary();
      }
      const rest = [];
      for (; i < ot.counts.length; i++) if (ot.counts[i] > 0) rest.push({ sum: ot.keys[i] * ot.counts[i], count: ot.counts[i], min: ot.keys[i], max: ot.keys[i], m2: 0 });
      if (rest.length > 0) {
        binGroups(rest);
        (this.summary as CentroidSummary).addGroups(rest);
      }
    } else {
      if (this.table !== null) this.toSummary();
      const s = this.summary as CentroidSummary;
      if (o.summary !== null) s.merge(o.summary);
      else if (o.table !== null) {
        const ot = o.table.entries();
        const groups = [];
        for (let i = 0; i < ot.counts.length; i++) if (ot.counts[i] > 0) groups.push({ sum: ot.keys[i] * ot.counts[i], count: ot.counts[i], min: ot.keys[i], max: ot.keys[i], m2: 0 });
        binGroups(groups);
        s.addGroups(groups);
      }
    }
  }

  finish(): NumericColumnProfile {
    const exact = this.table !== null ? this.table.sorted() : null;
    let summary: CentroidState | null = null;
    let values: ArrayLike<number>;
    let weights: ArrayLike<number>;
    if (exact !== null) {
      values = exact.values;
      weights = exact.counts;
    } else {
      summary = (this.summary as CentroidSummary).toState();
      ({ values, weights } = centroidSample(summary));
    }
    const quantiles = weightedQuantiles(values, weights, PROFILE_QUANTILES);
    if (exact === null && this.count > 0) {
      // The extremes are known exactly.
      quantiles[0] = this.min;
      quantiles[quantiles.length - 1] = this.max;
    }
    const cutProbs = Array.from({ length: this.opts.bins - 1 }, (_, i) => (i + 1) / this.opts.bins);
    const cuts = uniqueSorted(weightedQuantiles(values, weights, cutProbs));
    const counts = new Array<number>(cuts.length + 1).fill(0);
    for (let i = 0; i < values.length; i++) counts[binIndex(cuts, values[i])] += weights[i];
    const p: NumericColumnProfile = {
      kind: 'number',
      name: this.name,
      type: this.type,
      rows: this.rows,
      count: this.count,
      missing: this.missing,
      mean: this.count > 0 ? this.mean : Number.NaN,
      m2: this.m2,
      std: this.count > 0 ? Math.sqrt(this.m2 / this.count) : Number.NaN,
      min: this.count > 0 ? this.min : Number.NaN,
      max: this.count > 0 ? this.max : Number.NaN,
      quantiles: { probs: PROFILE_QUANTILES.slice(), values: quantiles, exact: exact !== null },
      exact,
      histogram: { cuts, counts, exact: exact !== null },
    };
    if (summary !== null) p.summary = summary;
    if (this.refCuts !== null && this.refCounts !== null) {
      const counts = this.refCounts.slice();
      this.tableBins(counts, 1);
      p.referenceHistogram = { cuts: Array.from(this.refCuts), counts: Array.from(counts) };
    }
    return p;
  }

  static fromProfile(p: NumericColumnProfile, opts: typeof DEFAULTS): NumericAccumulator {
    const a = new NumericAccumulator(p.name, p.type, opts, p.referenceHistogram?.cuts ?? null);
    a.rows = p.rows;
    a.missing = p.missing;
    a.count = p.count;
    a.mean = p.count > 0 ? p.mean : 0;
    a.m2 = p.m2;
    if (p.count > 0) {
      a.min = p.min;
      a.max = p.max;
    }
    if (p.exact !== null) {
      for (let i = 0; i < p.exact.values.length; i++) (a.table as ValueTable).add(p.exact.values[i], p.exact.counts[i]);
    } else if (p.summary) {
      a.table = null;
      a.summary = CentroidSummary.fromState(p.summary);
    }
    if (p.referenceHistogram && a.refCounts) {
      a.refCounts.set(p.referenceHistogram.counts);
      a.tableBins(a.refCounts, -1); // the stored counts include the exact values now in the table
    }
    return a;
  }
}

class CategoricalAccumulator {
  rows = 0;
  missing = 0;
  private codeCounts = new Float64Array(16);
  private dictionary: string[] = [];
  /** Counts folded in by merges or from stored profiles, keyed by category string. */
  private byName = new Map<string, number>();
  otherCount = 0;

  constructor(
    readonly name: string,
    readonly opts: typeof DEFAULTS,
  ) {}

  add(codes: Int32Array, dictionary: string[]): void {
    if (dictionary !== this.dictionary && this.dictionary.length > 0 && !dictionaryExtends(dictionary, this.dictionary)) {
      // A different read (new dictionary): fold the code counts gathered so far into names first.
      this.foldCodes();
    }
    this.dictionary = dictionary;
    if (this.codeCounts.length < dictionary.length) {
      const grown = new Float64Array(Math.max(dictionary.length, this.codeCounts.length * 2));
      grown.set(this.codeCounts);
      this.codeCounts = grown;
    }
    const cc = this.codeCounts;
    let missing = 0;
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i];
      if (c < 0) missing++;
      else cc[c]++;
    }
    this.rows += codes.length;
    this.missing += missing;
  }

  private foldCodes(): void {
    for (let c = 0; c < this.dictionary.length; c++) {
      const n = this.codeCounts[c];
      if (n > 0) this.byName.set(this.dictionary[c], (this.byName.get(this.dictionary[c]) ?? 0) + n);
    }
    this.codeCounts.fill(0);
  }

  frequencies(): Map<string, number> {
    this.foldCodes();
    return this.byName;
  }

  mergeFrom(o: CategoricalAccumulator): void {
    this.rows += o.rows;
    this.missing += o.missing;
    this.otherCount += o.otherCount;
    const mine = this.frequencies();
    for (const [k, n] of o.frequencies()) mine.set(k, (mine.get(k) ?? 0) + n);
  }

  finish(): CategoricalColumnProfile {
    const entries = [...this.frequencies()].filter(([, n]) => n > 0);
    entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const kept = entries.slice(0, this.opts.maxCategories);
    let other = this.otherCount;
    for (const [, n] of entries.slice(this.opts.maxCategories)) other += n;
    return {
      kind: 'category',
      name: this.name,
      type: 'categorical',
      rows: this.rows,
      count: this.rows - this.missing,
      missing: this.missing,
      categories: kept.map((e) => e[0]),
      counts: kept.map((e) => e[1]),
      otherCount: other,
    };
  }

  static fromProfile(p: CategoricalColumnProfile, opts: typeof DEFAULTS): CategoricalAccumulator {
    const a = new CategoricalAccumulator(p.name, opts);
    a.rows = p.rows;
    a.missing = p.missing;
    a.otherCount = p.otherCount;
    p.categories.forEach((c, i) => a.byName.set(c, p.counts[i]));
    return a;
  }
}

/** True when `next` starts with every entry of `prev` (a dictionary that only grew). */
function dictionaryExtends(next: string[], prev: string[]): boolean {
  if (next.length < prev.length) return false;
  for (let i = 0; i < prev.length; i++) if (next[i] !== prev[i]) return false;
  return true;
}

function sameCuts(a: Float64Array | null, b: Float64Array | null): boolean {
  if (a === null || b === null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function typeMismatch(name: string, a: string, b: string): StewardError {
  return new StewardError('DataContractViolation', `column type changed from ${a} to ${b}`, { column: name });
}

function uniqueSorted(xs: number[]): number[] {
  const out: number[] = [];
  for (const x of xs) if (!Number.isNaN(x) && (out.length === 0 || x > out[out.length - 1])) out.push(x);
  return out;
}

/**
 * Quantiles of a weighted sorted sample with numpy's default 'linear' rule (position (n−1)·p
 * between order statistics), treating each weight as that many repeated values.
 *
 * @example
 *   weightedQuantiles([1, 2, 3], [1, 1, 2], [0.5]); // [2.5] (sample 1,2,3,3)
 */
export function weightedQuantiles(values: ArrayLike<number>, weights: ArrayLike<number>, probs: number[]): number[] {
  let n = 0;
  for (let i = 0; i < weights.length; i++) n += weights[i];
  if (values.length === 0 || n === 0) return probs.map(() => Number.NaN);
  // Value at 0-based order statistic r, walking cumulative weights.
  const at = (r: number): number => {
    let cum = 0;
    for (let i = 0; i < values.length; i++) {
      cum += weights[i];
      if (r < cum) return values[i];
    }
    return values[values.length - 1];
  };
  return probs.map((p) => {
    const pos = (n - 1) * p;
    const lo = Math.floor(pos);
    const frac = pos - lo;
    const a = at(lo);
    return frac === 0 ? a : a + frac * (at(lo + 1) - a);
  });
}

/**
 * Streams DataChunks into a DatasetProfile.
 *
 * @example
 *   const b = new ProfileBuilder();
 *   for await (const chunk of readChunks(file, opts)) b.add(chunk);
 *   const profile = b.finish();
 *   // a current window binned on the reference's cuts:
 *   const cur = new ProfileBuilder({ reference: profile });
 */
export class ProfileBuilder {
  private readonly opts: typeof DEFAULTS;
  private readonly columns = new Map<string, NumericAccumulator | CategoricalAccumulator>();
  private readonly refCuts = new Map<string, number[]>();
  private rows = 0;

  constructor(options: ProfileOptions = {}) {
    this.opts = {
      exactCap: options.exactCap ?? options.reference?.options.exactCap ?? DEFAULTS.exactCap,
      bins: options.bins ?? options.reference?.options.bins ?? DEFAULTS.bins,
      centroids: options.centroids ?? options.reference?.options.centroids ?? DEFAULTS.centroids,
      maxCategories: options.maxCategories ?? options.reference?.options.maxCategories ?? DEFAULTS.maxCategories,
    };
    if (!(this.opts.exactCap >= 1 && this.opts.bins >= 2 && this.opts.maxCategories >= 1 && this.opts.centroids >= 16)) {
      throw new StewardError('InvalidInput', 'profile options out of range', {}, { details: this.opts });
    }
    for (const c of options.reference?.columns ?? []) if (c.kind === 'number') this.refCuts.set(c.name, c.histogram.cuts);
  }

  /** Add one chunk; columns are matched by name. */
  add(chunk: DataChunk): void {
    this.rows += chunk.rows;
    for (const col of chunk.columns) {
      let acc = this.columns.get(col.name);
      if (acc === undefined) {
        acc =
          col.type === 'categorical'
            ? new CategoricalAccumulator(col.name, this.opts)
            : new NumericAccumulator(col.name, col.type, this.opts, this.refCuts.get(col.name) ?? null);
        this.columns.set(col.name, acc);
      }
      if (col.type === 'categorical') {
        if (!(acc instanceof CategoricalAccumulator)) throw typeMismatch(col.name, (acc as NumericAccumulator).type, 'categorical');
        acc.add(col.codes, col.dictionary);
      } else {
        if (!(acc instanceof NumericAccumulator) || acc.type !== col.type) {
          throw typeMismatch(col.name, acc instanceof NumericAccumulator ? acc.type : 'categorical', col.type);
        }
        acc.add(col.values);
      }
    }
  }

  /**
   * A new builder holding everything `a` and `b` saw (e.g. profiles of file shards built in
   * parallel). Options come from `a`.
   *
   * @example
   *   const all = ProfileBuilder.merge(left, right).finish();
   */
  static merge(a: ProfileBuilder, b: ProfileBuilder): ProfileBuilder {
    return ProfileBuilder.fromProfile(mergeProfiles(a.finish(), b.finish()));
  }

  /** A builder that continues from a finished profile. */
  static fromProfile(p: DatasetProfile): ProfileBuilder {
    const b = new ProfileBuilder(p.options);
    b.rows = p.rows;
    for (const c of p.columns) {
      b.columns.set(
        c.name,
        c.kind === 'number' ? NumericAccumulator.fromProfile(c, b.opts) : CategoricalAccumulator.fromProfile(c, b.opts),
      );
      if (c.kind === 'number' && c.referenceHistogram) b.refCuts.set(c.name, c.referenceHistogram.cuts);
    }
    return b;
  }

  /** The profile so far (the builder stays usable). */
  finish(): DatasetProfile {
    return {
      version: PROFILE_VERSION,
      rows: this.rows,
      options: { ...this.opts },
      columns: [...this.columns.values()].map((a) => a.finish()),
    };
  }
}

/**
 * Merge two finished profiles of disjoint row sets with the same columns.
 *
 * @example
 *   const whole = mergeProfiles(profileOfJanuary, profileOfFebruary);
 */
export function mergeProfiles(a: DatasetProfile, b: DatasetProfile): DatasetProfile {
  for (const p of [a, b]) {
    if (p.version !== PROFILE_VERSION) {
      throw new StewardError('InvalidInput', `unsupported profile version ${String(p.version)}`);
    }
  }
  const opts = { ...DEFAULTS, ...a.options };
  const cols = new Map<string, NumericAccumulator | CategoricalAccumulator>();
  for (const c of a.columns) {
    cols.set(c.name, c.kind === 'number' ? NumericAccumulator.fromProfile(c, opts) : CategoricalAccumulator.fromProfile(c, opts));
  }
  for (const c of b.columns) {
    const other = c.kind === 'number' ? NumericAccumulator.fromProfile(c, opts) : CategoricalAccumulator.fromProfile(c, opts);
    const mine = cols.get(c.name);
    if (mine === undefined) cols.set(c.name, other);
    else if (mine instanceof NumericAccumulator && other instanceof NumericAccumulator) mine.mergeFrom(other);
    else if (mine instanceof CategoricalAccumulator && other instanceof CategoricalAccumulator) mine.mergeFrom(other);
    else throw typeMismatch(c.name, mine instanceof NumericAccumulator ? mine.type : 'categorical', c.type);
  }
  return { version: PROFILE_VERSION, rows: a.rows + b.rows, options: opts, columns: [...cols.values()].map((x) => x.finish()) };
}

/**
 * The categories each categorical column of a profile has seen (e.g. the training reference's, for a
 * contract's `unseen` rules).
 * @example checkContract(file, contract, options, { knownCategories: profileCategories(reference) });
 */
export function profileCategories(profile: DatasetProfile): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const c of profile.columns) if (c.kind === 'category') out[c.name] = c.categories;
  return out;
}
