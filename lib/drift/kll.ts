/**
 * A KLL quantile sketch (Karnin, Lang & Liberty 2016): a mergeable summary of a stream of numbers
 * whose size depends only on `k`, not on the stream length.
 *
 * Items live in levels; an item at level h stands for 2^h stream values. When a level overflows it
 * is sorted and every other item (from a random offset) moves up a level, which keeps every rank
 * estimate unbiased. Level capacities shrink geometrically (factor 2/3) from the top, so the sketch
 * retains about 3k items. Normalised rank error, i.e. |estimated rank − true rank| / n, is about
 * 1.7/k with high probability (≈ 0.0085 for the default k = 200, ≈ 0.017 two-sided over all
 * queries with 99% confidence, matching the published DataSketches calibration).
 *
 * Compaction coins come from a small seeded PRNG so the same stream always yields the same sketch.
 */

/** JSON form of a sketch, stored in profiles. */
export interface KllState {
  k: number;
  /** Total weight (number of stream values summarised). */
  n: number;
  /** levels[h] holds items of weight 2^h (unsorted). */
  levels: number[][];
  /** PRNG state so merges stay deterministic. */
  seed: number;
}

/** Default accuracy parameter: ~600 retained values, ~1.7% worst-case rank error at 99%. */
export const DEFAULT_KLL_K = 200;

/** Level-0 buffer: larger than the KLL capacity so sorting is amortised over many inserts. */
const LEVEL0_BUFFER = 2048;

/**
 * Mergeable quantile sketch.
 *
 * @example
 *   const s = new KllSketch(200);
 *   for (let i = 0; i < 1e5; i++) s.update(i);
 *   s.quantile(0.5); // ≈ 50000 ± 1.7%·n in rank
 */
export class KllSketch {
  readonly k: number;
  n = 0;
  private levels: number[][] = [[]];
  private seed: number;
  private buffer = new Float64Array(LEVEL0_BUFFER);
  private buffered = 0;

  constructor(k: number = DEFAULT_KLL_K, seed = 0x9e3779b9) {
    this.k = k;
    this.seed = seed >>> 0 || 1;
  }

  /** Rebuild a sketch from its JSON form. */
  static fromState(state: KllState): KllSketch {
    const s = new KllSketch(state.k, state.seed);
    s.n = state.n;
    s.levels = state.levels.map((l) => l.slice());
    if (s.levels.length === 0) s.levels.push([]);
    return s;
  }

  /** Add one value. */
  update(v: number): void {
    this.buffer[this.buffered++] = v;
    this.n++;
    if (this.buffered === LEVEL0_BUFFER) this.flush();
  }

  /** Add `weight` copies of v, placing one item at each level h where bit h of weight is set. */
  updateWeighted(v: number, weight: number): void {
    if (weight <= 0) return;
    this.flush();
    let w = weight;
    let h = 0;
    while (w > 0) {
      if (w % 2 === 1) {
        while (this.levels.length <= h) this.levels.push([]);
        this.levels[h].push(v);
      }
      w = Math.floor(w / 2);
      h++;
    }
    this.n += weight;
    this.compress(false);
  }

  /** Fold another sketch into this one (both must use the same k). */
  merge(other: KllSketch): void {
    this.flush();
    const o = other.toState();
    while (this.levels.length < o.levels.length) this.levels.push([]);
    for (let h = 0; h < o.levels.length; h++) for (const v of o.levels[h]) this.levels[h].push(v);
    this.n += o.n;
    this.compress(true);
  }

  private flush(): void {
    if (this.buffered === 0) return;
    const l0 = this.levels[0];
    for (let i = 0; i < this.buffered; i++) l0.push(this.buffer[i]);
    this.buffered = 0;
    this.compress(false);
  }

  private capacity(h: number, height: number): number {
    return Math.max(2, Math.ceil(this.k * (2 / 3) ** (height - 1 - h)));
  }

  private random(): number {
    // xorshift32: a fair enough coin for choosing which half of a compacted level survives.
    let x = this.seed;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.seed = x;
    return x & 1;
  }

  /**
   * Compact overflowing levels bottom-up until the sketch fits. While streaming, level 0 may hold
   * up to LEVEL0_BUFFER items (fewer compactions only lowers the error); `strict` (used before
   * serialising and after merges) enforces the standard capacities everywhere.
   */
  private compress(strict: boolean): void {
    // Adding a level shrinks every capacity below it, so repeat until a full pass changes nothing.
    let changed = true;
    while (changed) {
      changed = false;
      for (let h = 0; h < this.levels.length; h++) {
      const height = this.levels.length;
      const cap = h === 0 && !strict ? Math.max(LEVEL0_BUFFER, this.capacity(0, height)) : this.capacity(h, height);
      const level = this.levels[h];
      if (level.length <= cap) continue;
      const sorted = Float64Array.from(level).sort();
      if (h + 1 === this.levels.length) this.levels.push([]);
      const up = this.levels[h + 1];
      const odd = sorted.length % 2 === 1;
      const end = odd ? sorted.length - 1 : sorted.length;
      const offset = this.random();
      for (let i = offset; i < end; i += 2) up.push(sorted[i]);
      this.levels[h] = odd ? [sorted[sorted.length - 1]] : [];
      changed = true;
      }
    }
  }

  /** JSON form (compacted to standard capacities). */
  toState(): KllState {
    this.flush();
    this.compress(true);
    return { k: this.k, n: this.n, levels: this.levels.map((l) => l.slice()), seed: this.seed };
  }

  /** Retained items as sorted (value, weight) pairs; weights sum to n. */
  weighted(): { values: Float64Array; weights: Float64Array } {
    this.flush();
    return weightedFromLevels(this.levels);
  }

  /** Approximate q-quantile (0 <= q <= 1): the smallest retained value whose weighted rank reaches q·n. */
  quantile(q: number): number {
    const { values, weights } = this.weighted();
    const target = q * this.n;
    let cum = 0;
    for (let i = 0; i < values.length; i++) {
      cum += weights[i];
      if (cum >= target) return values[i];
    }
    return values[values.length - 1];
  }
}

/** Sorted (value, weight) pairs from KLL levels, equal values coalesced. */
export function weightedFromLevels(levels: number[][]): { values: Float64Array; weights: Float64Array } {
  let total = 0;
  for (const l of levels) total += l.length;
  const idx = new Float64Array(total);
  const w = new Float64Array(total);
  let p = 0;
  for (let h = 0; h < levels.length; h++) for (const v of levels[h]) {
    idx[p] = v;
    w[p++] = 2 ** h;
  }
  const order = Array.from({ length: total }, (_, i) => i).sort((a, b) => idx[a] - idx[b]);
  const values: number[] = [];
  const weights: number[] = [];
  for (const i of order) {
    if (values.length > 0 && values[values.length - 1] === idx[i]) weights[weights.length - 1] += w[i];
    else {
      values.push(idx[i]);
      weights.push(w[i]);
    }
  }
  return { values: Float64Array.from(values), weights: Float64Array.from(weights) };
}
