/**
 * Two-sample drift statistics, each matching a scipy reference to ~1e-12 when both samples are
 * known exactly (see tests.test.ts for the recorded scipy values):
 *
 * | function                     | scipy equivalent                                              |
 * |------------------------------|---------------------------------------------------------------|
 * | ksTwoSample                  | stats.ks_2samp(a, b) (method 'auto')                          |
 * | wassersteinDistance          | stats.wasserstein_distance(a, b)                              |
 * | jensenShannonDistance        | spatial.distance.jensenshannon(p, q) (natural log by default) |
 * | chiSquareGoodnessOfFit       | stats.chisquare(observed, expected)                           |
 * | twoProportionZTest           | two-sided pooled z-test, p = 2·norm.sf(|z|)                   |
 * | populationStabilityIndex     | Σ (c−r)·ln(c/r) on proportions, empty bins floored at ε       |
 * | lInfinityDistance            | max |p_i − q_i| on proportions                                |
 *
 * Samples are passed as sorted distinct values with integer weights (multiplicities), which is
 * what profiles store; `weightedSample` builds one from raw numbers.
 */
import { StewardError } from '../core/errors';
import { chiSquareSf, kolmogorovSf, normalSf } from './special';

/** Sorted, distinct values with positive weights (multiplicities). */
export interface WeightedSample {
  values: ArrayLike<number>;
  weights: ArrayLike<number>;
}

/**
 * Sort raw numbers into a WeightedSample, dropping NaN (missing).
 *
 * @example
 *   weightedSample([3, 1, 3]); // { values: [1, 3], weights: [1, 2] }
 */
export function weightedSample(xs: ArrayLike<number>): WeightedSample {
  const sorted = Float64Array.from(xs).filter((v) => !Number.isNaN(v)).sort();
  const values: number[] = [];
  const weights: number[] = [];
  for (const raw of sorted) {
    const v = raw + 0;
    if (values.length > 0 && values[values.length - 1] === v) weights[weights.length - 1]++;
    else {
      values.push(v);
      weights.push(1);
    }
  }
  return { values, weights };
}

function total(w: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i];
  return s;
}

/**
 * Walk the union of both supports in ascending order, calling `visit(x, F_a(x), F_b(x), next)`
 * with both empirical CDFs evaluated at x and the next distinct value (Infinity at the end).
 */
function walkCdfs(a: WeightedSample, b: WeightedSample, visit: (x: number, fa: number, fb: number, next: number) => void): void {
  const na = total(a.weights);
  const nb = total(b.weights);
  let i = 0;
  let j = 0;
  let ca = 0;
  let cb = 0;
  while (i < a.values.length || j < b.values.length) {
    const va = i < a.values.length ? a.values[i] : Number.POSITIVE_INFINITY;
    const vb = j < b.values.length ? b.values[j] : Number.POSITIVE_INFINITY;
    const x = va <= vb ? va : vb;
    if (va === x) ca += a.weights[i++];
    if (vb === x) cb += b.weights[j++];
    const na2 = i < a.values.length ? a.values[i] : Number.POSITIVE_INFINITY;
    const nb2 = j < b.values.length ? b.values[j] : Number.POSITIVE_INFINITY;
    visit(x, ca / na, cb / nb, na2 <= nb2 ? na2 : nb2);
  }
}

/** Result of a two-sample KS test. */
export interface KsResult {
  statistic: number;
  pValue: number;
  /** 'exact' lattice-path distribution or 'asymp' (one-sample Kolmogorov law at n = round(mn/(m+n))). */
  method: 'exact' | 'asymp';
}

/** scipy switches from the exact distribution to the asymptotic one above this sample size. */
export const KS_MAX_EXACT_N = 10_000;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Round half to even, like numpy.round. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * P(D ≥ h/n) for two samples of equal size n: the reflection-principle alternating series
 * 2·Σ_k (−1)^{k−1} C(2n, n−kh)/C(2n, n), nested Horner-style so each factor is a ratio ≤ 1 and no
 * large binomial is ever formed (and small p-values keep full relative precision).
 */
function ksEqualSizesSf(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let ratio = 1;
    for (let j = 0; j < h; j++) ratio = (ratio * (n - k * h - j)) / (n + k * h + j + 1);
    p = ratio * (1 - p);
  }
  return 2 * p;
}

/**
 * P(D ≥ h/lcm) for sizes m ≥ n by counting monotone lattice paths from (0,0) to (m,n) that stay
 * strictly inside the band |i·n/g − j·m/g| < h. Each cell holds the probability that a uniformly
 * random path reaches it while inside (counts divided by C(i+j, i)), so values stay in [0, 1].
 */
function ksUnequalSizesSf(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = m / g;
  const ng = n / g;
  const col = new Float64Array(n + 1);
  for (let j = 0; j <= n && j * mg < h; j++) col[j] = 1;
  let prevLo = 0;
  for (let i = 1; i <= m; i++) {
    const lo = Math.max(0, Math.floor((i * ng - h) / mg) + 1);
    const hi = Math.min(n, Math.ceil((i * ng + h) / mg) - 1);
    for (let j = prevLo; j < Math.min(lo, n + 1); j++) col[j] = 0;
    prevLo = lo;
    for (let j = lo; j <= hi; j++) col[j] = (i * col[j] + (j > 0 ? j * col[j - 1] : 0)) / (i + j);
  }
  return 1 - col[n];
}

/**
 * Two-sided two-sample Kolmogorov-Smirnov test, as scipy.stats.ks_2samp(method='auto'): exact
 * null distribution when both samples have at most 10,000 values, otherwise the one-sample
 * Kolmogorov distribution at n = round(n₁n₂/(n₁+n₂)). Sample sizes are the weight totals.
 *
 * @example
 *   ksTwoSample(weightedSample([1, 2, 3]), weightedSample([4, 5, 6])); // { statistic: 1, pValue: 0.1, method: 'exact' }
 */
export function ksTwoSample(a: WeightedSample, b: WeightedSample, method: 'auto' | 'exact' | 'asymp' = 'auto'): KsResult {
  const n1 = total(a.weights);
  const n2 = total(b.weights);
  if (n1 === 0 || n2 === 0) throw new StewardError('InvalidInput', 'KS test needs two non-empty samples');
  let maxPos = 0;
  let maxNeg = 0;
  walkCdfs(a, b, (_x, fa, fb) => {
    const d = fa - fb;
    if (d > maxPos) maxPos = d;
    if (-d > maxNeg) maxNeg = -d;
  });
  let d = Math.min(1, Math.max(maxPos, maxNeg));
  const integral = Number.isInteger(n1) && Number.isInteger(n2);
  let mode = method === 'auto' ? (Math.max(n1, n2) <= KS_MAX_EXACT_N && integral ? 'exact' : 'asymp') : method;
  if (mode === 'exact') {
    const g = gcd(n1, n2);
    const lcm = (n1 / g) * n2;
    const h = roundHalfEven(d * lcm);
    d = h / lcm;
    if (h === 0) return { statistic: d, pValue: 1, method: 'exact' };
    const p = n1 === n2 ? ksEqualSizesSf(n1, h) : ksUnequalSizesSf(n1, n2, g, h);
    if (p >= 0 && p <= 1) return { statistic: d, pValue: p, method: 'exact' };
    mode = 'asymp';
  }
  const big = Math.max(n1, n2);
  const small = Math.min(n1, n2);
  const en = (big * small) / (big + small);
  return { statistic: d, pValue: Math.min(1, Math.max(0, kolmogorovSf(roundHalfEven(en), d))), method: 'asymp' };
}

/**
 * First Wasserstein (earth mover's) distance between two empirical distributions,
 * ∫|F_a − F_b| dx, as scipy.stats.wasserstein_distance.
 *
 * @example
 *   wassersteinDistance(weightedSample([0, 1, 3]), weightedSample([5, 6, 8])); // 5
 */
export function wassersteinDistance(a: WeightedSample, b: WeightedSample): number {
  if (total(a.weights) === 0 || total(b.weights) === 0) {
    throw new StewardError('InvalidInput', 'Wasserstein distance needs two non-empty samples');
  }
  let sum = 0;
  walkCdfs(a, b, (x, fa, fb, next) => {
    if (next !== Number.POSITIVE_INFINITY) sum += Math.abs(fa - fb) * (next - x);
  });
  return sum;
}

/** p·ln(p/q) with the conventions of scipy.special.rel_entr (0·ln 0 = 0). */
function relEntr(p: number, q: number): number {
  if (p === 0) return 0;
  if (q === 0) return Number.POSITIVE_INFINITY;
  return p * Math.log(p / q);
}

function normalise(xs: ArrayLike<number>): number[] {
  const s = total(xs);
  if (!(s > 0)) throw new StewardError('InvalidInput', 'a distribution needs a positive total');
  return Array.from(xs, (x) => x / s);
}

/**
 * Jensen-Shannon distance (square root of the JS divergence) between two count or probability
 * vectors over the same bins, as scipy.spatial.distance.jensenshannon(p, q, base). The default
 * base is e (natural log), which is scipy's default and what Evidently's 0.1 threshold assumes;
 * with base 2 the distance lies in [0, 1].
 *
 * @example
 *   jensenShannonDistance([1, 0], [0, 1]); // sqrt(ln 2) = 0.8326
 */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>, base: number = Math.E): number {
  if (p.length !== q.length) throw new StewardError('InvalidInput', 'distributions must have the same bins');
  const pp = normalise(p);
  const qq = normalise(q);
  let left = 0;
  let right = 0;
  for (let i = 0; i < pp.length; i++) {
    const m = (pp[i] + qq[i]) / 2;
    left += relEntr(pp[i], m);
    right += relEntr(qq[i], m);
  }
  let js = left + right;
  if (base !== Math.E) js /= Math.log(base);
  return Math.sqrt(Math.max(0, js / 2));
}

/**
 * Population Stability Index Σ (c_i − r_i)·ln(c_i / r_i) over bin proportions. A bin empty on one
 * side would make the term infinite, so proportions of exactly 0 are replaced by `epsilon`
 * (default 1e-4, i.e. "at most one in ten thousand"; no renormalisation): an empty bin then adds
 * a large but finite penalty that grows with the other side's mass.
 *
 * @example
 *   populationStabilityIndex([50, 50], [60, 40]); // 0.0405
 */
export function populationStabilityIndex(reference: ArrayLike<number>, current: ArrayLike<number>, epsilon = 1e-4): number {
  if (reference.length !== current.length) throw new StewardError('InvalidInput', 'distributions must have the same bins');
  const r = normalise(reference);
  const c = normalise(current);
  let s = 0;
  for (let i = 0; i < r.length; i++) {
    const ri = r[i] === 0 ? epsilon : r[i];
    const ci = c[i] === 0 ? epsilon : c[i];
    s += (ci - ri) * Math.log(ci / ri);
  }
  return s;
}

/**
 * Largest absolute difference between two proportion vectors (L∞ / Chebyshev distance).
 *
 * @example
 *   lInfinityDistance([50, 50], [70, 30]); // 0.2
 */
export function lInfinityDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p.length !== q.length) throw new StewardError('InvalidInput', 'distributions must have the same bins');
  const pp = normalise(p);
  const qq = normalise(q);
  let m = 0;
  for (let i = 0; i < pp.length; i++) m = Math.max(m, Math.abs(pp[i] - qq[i]));
  return m;
}

/** Result of a chi-square goodness-of-fit test. */
export interface ChiSquareResult {
  statistic: number;
  pValue: number;
  df: number;
}

/**
 * Pearson chi-square goodness of fit of observed counts against expected proportions (scaled to
 * the observed total), as scipy.stats.chisquare(observed, expected). A category with expected
 * proportion 0 but observed count > 0 makes the statistic infinite and the p-value 0: a value never
 * seen in the reference is certain evidence of change.
 *
 * @example
 *   chiSquareGoodnessOfFit([30, 70], [0.5, 0.5]); // { statistic: 16, pValue: 6.33e-5, df: 1 }
 */
export function chiSquareGoodnessOfFit(observed: ArrayLike<number>, expectedProportions: ArrayLike<number>): ChiSquareResult {
  if (observed.length !== expectedProportions.length || observed.length < 2) {
    throw new StewardError('InvalidInput', 'chi-square needs at least two categories, aligned');
  }
  const n = total(observed);
  const e = normalise(expectedProportions);
  let stat = 0;
  for (let i = 0; i < e.length; i++) {
    const exp = e[i] * n;
    if (exp === 0) {
      if (observed[i] > 0) stat = Number.POSITIVE_INFINITY;
      continue;
    }
    const d = observed[i] - exp;
    stat += (d * d) / exp;
  }
  const df = observed.length - 1;
  return { statistic: stat, pValue: stat === Number.POSITIVE_INFINITY ? 0 : chiSquareSf(stat, df), df };
}

/** Result of a z-test. */
export interface ZTestResult {
  statistic: number;
  pValue: number;
}

/**
 * Two-sided pooled two-proportion z-test: z = (p₁ − p₂)/√(P(1−P)(1/n₁ + 1/n₂)) with P the pooled
 * proportion, p = 2·Φ(−|z|) (computed from erfc, so tiny p-values keep their precision). When both
 * samples are all one value the proportions cannot differ: z = 0, p = 1.
 *
 * @example
 *   twoProportionZTest(40, 100, 60, 100); // { statistic: -2.828, pValue: 0.00468 }
 */
export function twoProportionZTest(successes1: number, n1: number, successes2: number, n2: number): ZTestResult {
  if (!(n1 > 0 && n2 > 0)) throw new StewardError('InvalidInput', 'z-test needs two non-empty samples');
  const p1 = successes1 / n1;
  const p2 = successes2 / n2;
  const pooled = (successes1 + successes2) / (n1 + n2);
  const v = pooled * (1 - pooled) * (1 / n1 + 1 / n2);
  if (!(v > 0)) return { statistic: 0, pValue: 1 };
  const z = (p1 - p2) / Math.sqrt(v);
  return { statistic: z, pValue: Math.min(1, 2 * normalSf(Math.abs(z))) };
}
