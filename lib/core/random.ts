/**
 * Seeded randomness for evaluation. Reports must be reproducible (a risk officer re-running an
 * audit must get the same intervals), so nothing here touches `Math.random`.
 *
 * The generator is xoshiro128** (Blackman & Vigna), seeded through splitmix32 so that nearby
 * seeds (1, 2, 3...) give unrelated streams. Its 2^128 - 1 period is far beyond what a bootstrap
 * needs, and it is a handful of 32-bit integer operations per draw.
 */

/** A source of uniform numbers in [0, 1), plus uniform integers below a bound. */
export interface Rng {
  /** Uniform double in [0, 1) with 32 bits of randomness. */
  next(): number;
  /** Uniform integer in [0, n), n <= 2^32. */
  int(n: number): number;
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * A seeded xoshiro128** generator.
 *
 * @example
 *   const rng = createRng(42);
 *   const u = rng.next(); // same value on every run with seed 42
 */
export function createRng(seed: number): Rng {
  const sm = splitmix32(Math.floor(seed) >>> 0);
  let a = sm();
  let b = sm();
  let c = sm();
  let d = sm();
  if ((a | b | c | d) === 0) a = 1; // the all-zero state is the one fixed point of xoshiro
  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
  return {
    next: () => nextU32() / 4294967296,
    // Multiply-shift instead of modulo: the bias is < n / 2^32, far below bootstrap noise.
    int: (n: number) => Math.floor((nextU32() / 4294967296) * n),
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * Fills `counts` with one bootstrap resample of `n` rows drawn with replacement, expressed as how
 * many times each row was drawn. Every metric here is a weighted sum over rows (or a pass over a
 * pre-sorted order), so integer weights reproduce "the metric on the resampled rows" exactly
 * without materialising or re-sorting the resample.
 *
 * @example
 *   const counts = new Uint32Array(100);
 *   resampleCounts(createRng(1), counts); // counts sums to 100
 */
export function resampleCounts(rng: Rng, counts: Uint32Array): void {
  const n = counts.length;
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[rng.int(n)]++;
}

/**
 * Percentile with linear interpolation between order statistics (numpy's default `linear`
 * method), ignoring NaN (resamples where a metric is undefined, e.g. AUC with no positives).
 *
 * @example
 *   percentile([1, 2, 3, 4], 50); // 2.5
 */
export function percentile(values: ArrayLike<number>, q: number): number {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) finite.push(values[i]);
  if (finite.length === 0) return Number.NaN;
  finite.sort((x, y) => x - y);
  const pos = (q / 100) * (finite.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, finite.length - 1);
  return finite[lo] + (finite[hi] - finite[lo]) * (pos - lo);
}

/** A point estimate with a bootstrap percentile interval. */
export interface Estimate {
  value: number;
  /** Lower bound of the percentile interval (NaN when no resample defined the metric). */
  lower: number;
  upper: number;
}

/**
 * The percentile interval at `level` (0.95 gives the 2.5th and 97.5th percentiles).
 *
 * @example
 *   estimate(0.8, replicates, 0.95); // { value: 0.8, lower: ..., upper: ... }
 */
export function estimate(value: number, replicates: ArrayLike<number>, level = 0.95): Estimate {
  const tail = ((1 - level) / 2) * 100;
  return { value, lower: percentile(replicates, tail), upper: percentile(replicates, 100 - tail) };
}
