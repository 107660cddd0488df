/**
 * A bounded, mergeable summary of a numeric column with a certified error bound for the
 * Wasserstein-1 distance and for CDF (KS) queries.
 *
 * The stream is partitioned into at most `capacity` groups. Each group keeps the exact count, sum,
 * minimum and maximum of the values it holds. Drift statistics treat a group as `count` copies of
 * its mean. That approximation is certified, not just hoped for:
 *
 * - Wasserstein: moving every value of group i to the group's mean μᵢ costs E|X − μᵢ|. Each group
 *   also keeps its exact sum of squared deviations (merged with Chan's formula), and
 *   E|X − μᵢ| ≤ min(σᵢ, 2(μᵢ − aᵢ)(bᵢ − μᵢ)/(bᵢ − aᵢ)) (Jensen; the second term is the largest mean
 *   absolute deviation of any law on [aᵢ, bᵢ] with mean μᵢ). So W₁(true, summary) ≤
 *   Σᵢ (mᵢ/n)·min(σᵢ, 2(μᵢ − aᵢ)(bᵢ − μᵢ)/(bᵢ − aᵢ)) =: `wassersteinBound`, and by the triangle inequality the W₁ between two summaries is within
 *   boundA + boundB of the W₁ between the two true samples. Groups may overlap (after merges); the
 *   argument does not need them disjoint.
 * - CDF: the summary's CDF at x differs from the true one only through groups with aᵢ ≤ x < bᵢ, so
 *   |F̂(x) − F(x)| ≤ maxₓ Σ_{aᵢ ≤ x < bᵢ} mᵢ / n =: `rankBound`; a KS statistic between two summaries
 *   is within rankBoundA + rankBoundB of the true one.
 *
 * Both bounds are computed from the groups themselves (`boundsOf`), so they hold for any stream,
 * chunking or merge order. The compaction below only decides how small they get: it picks the
 * grouping of the (sorted) items that keeps the largest mass × width product of a group near the
 * smallest value that fits in `capacity` groups, and caps a group's mass at 2n/capacity unless all
 * its values are equal (a group of one repeated value, e.g. the zeros of `capital_gain`, is exact).
 * Heavy tails therefore get narrow groups where values are sparse and wide ones nowhere.
 *
 * @example
 *   const s = new CentroidSummary(1024);
 *   s.addArray(Float64Array.of(1, 2, 3));
 *   const st = s.toState(); // { means, counts, mins, maxs, ... , wassersteinBound, rankBound }
 */

import { newNumericKernel, type NumericKernel, sortFloat64 } from './value-table';

/** JSON form of a summary, stored in profiles. Arrays are sorted by mean. */
export interface CentroidState {
  capacity: number;
  n: number;
  means: number[];
  counts: number[];
  mins: number[];
  maxs: number[];
  /** Sum of squared deviations from the group mean, per group. */
  m2s: number[];
  /** Certified W₁(true sample, summary) in the column's units (0 = exact). */
  wassersteinBound: number;
  /** Certified sup |F̂ − F| (a fraction of n). */
  rankBound: number;
}

/** Default number of groups: ~60 KB of JSON, normalised-W₁ error well under 1e-3 on heavy tails. */
export const DEFAULT_CENTROIDS = 1024;

const BUFFER = 8192;

/** One group: exact count, sum, range and sum of squared deviations of the values it holds. */
export interface Group {
  sum: number;
  count: number;
  min: number;
  max: number;
  m2: number;
}

/**
 * Streaming builder for a CentroidState.
 *
 * @example
 *   const s = new CentroidSummary();
 *   for (const v of [3, 1, 2]) s.add(v);
 *   s.toState().n; // 3
 */
export class CentroidSummary {
  readonly capacity: number;
  n = 0;
  private sum!: Float64Array;
  private cnt!: Float64Array;
  private mn!: Float64Array;
  private mx!: Float64Array;
  private q!: Float64Array;
  private size = 0;
  private buf!: Float64Array;
  private buffered = 0;
  /** Current mass × width threshold, carried between compactions (scaled with n). */
  private tau = 0;
  private tauN = 0;
  // Scratch for merging (grown on demand).
  private s2 = new Float64Array(0);
  private c2 = new Float64Array(0);
  private a2 = new Float64Array(0);
  private b2 = new Float64Array(0);
  private q2 = new Float64Array(0);
  /**
   * The WebAssembly batch path (wasm/values.ts), when available: the arrays above are then views
   * into its memory, `addArray` and `flush` run there with the same arithmetic, and the rest of this
   * class works on the views unchanged.
   */
  private readonly kernel: NumericKernel | null;
  /** Kernel pointers and lengths of sum, cnt, mn, mx, q, buf, s2, c2, a2, b2, q2. */
  private ptrs: number[] = [];
  private sizes: number[] = [];

  constructor(capacity = DEFAULT_CENTROIDS) {
    this.capacity = Math.max(16, Math.floor(capacity));
    const cap = this.capacity + BUFFER + 16;
    this.kernel = newNumericKernel();
    if (this.kernel) {
      // sum, cnt, mn, mx, q (cap each); buf; s2, c2, a2, b2, q2 (BUFFER each).
      const k = this.kernel;
      this.sizes = [cap, cap, cap, cap, cap, BUFFER, BUFFER, BUFFER, BUFFER, BUFFER, BUFFER];
      this.ptrs = this.sizes.map((n) => k.alloc(n * 8));
      this.rebind();
    } else {
      this.sum = new Float64Array(cap);
      this.cnt = new Float64Array(cap);
      this.mn = new Float64Array(cap);
      this.mx = new Float64Array(cap);
      this.q = new Float64Array(cap);
      this.buf = new Float64Array(BUFFER);
    }
  }

  // Re-creates the views after an allocation (memory growth detaches them) and re-points the kernel.
  private rebind(): void {
    const k = this.kernel;
    if (!k) return;
    const b = k.memory.buffer;
    const v = this.ptrs.map((p, i) => new Float64Array(b, p, this.sizes[i]));
    [this.sum, this.cnt, this.mn, this.mx, this.q, this.buf, this.s2, this.c2, this.a2, this.b2, this.q2] = v;
    k.centroidBind(this.ptrs[0], this.ptrs[1], this.ptrs[2], this.ptrs[3], this.ptrs[4], this.ptrs[6], this.ptrs[7], this.ptrs[8], this.ptrs[9], this.ptrs[10], this.ptrs[5], this.capacity);
  }

  // Kernel allocation of n doubles for array slot `which`, keeping its first `keep` values.
  private reallocate(which: number, n: number, keep: number): void {
    const k = this.kernel as NumericKernel;
    const p = k.alloc(n * 8);
    const b = k.memory.buffer;
    new Float64Array(b, p, keep).set(new Float64Array(b, this.ptrs[which], keep));
    this.ptrs[which] = p;
    this.sizes[which] = n;
  }

  private toKernel(k: NumericKernel): void {
    k.centroidSync(this.size, this.buffered, this.n, this.tau, this.tauN);
  }

  private fromKernel(k: NumericKernel): void {
    if (this.sum.buffer !== k.memory.buffer) this.rebind(); // the kernel's memory grew
    this.size = k.centroidSize();
    this.buffered = k.centroidBuffered();
    this.n = k.centroidN();
    this.tau = k.centroidTau();
    this.tauN = k.centroidTauN();
  }

  static fromState(st: CentroidState): CentroidSummary {
    const s = new CentroidSummary(st.capacity);
    const groups = st.means.map((m, i) => ({ sum: m * st.counts[i], count: st.counts[i], min: st.mins[i], max: st.maxs[i], m2: st.m2s[i] }));
    s.addGroups(groups);
    return s;
  }

  /** Add one (non-NaN) value. */
  add(v: number): void {
    this.buf[this.buffered++] = v;
    if (this.buffered === BUFFER) this.flush();
  }

  /** Add every non-NaN value of an array. */
  addArray(values: Float64Array): void {
    const k = this.kernel;
    if (k) {
      // In slices of one batch, so the kernel's input buffer stays 64 KB whatever the chunk size.
      this.toKernel(k);
      for (let s = 0; s < values.length; s += BUFFER) {
        const n = Math.min(BUFFER, values.length - s);
        const ptr = this.inputFor(k, n);
        new Float64Array(k.memory.buffer, ptr, n).set(values.subarray(s, s + n));
        k.centroidAddInput(n);
      }
      this.fromKernel(k);
      return;
    }
    const buf = this.buf;
    let b = this.buffered;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v !== v) continue;
      buf[b++] = v + 0;
      if (b === BUFFER) {
        this.buffered = b;
        this.flush();
        b = 0;
      }
    }
    this.buffered = b;
  }

  private inputFor(k: NumericKernel, n: number): number {
    const before = k.memory.buffer;
    const ptr = k.inputPtr(n);
    if (k.memory.buffer !== before) this.rebind();
    return ptr;
  }

  /** Add `count` copies of v (exact point group). */
  addWeighted(v: number, count: number): void {
    if (count > 0) this.addGroups([{ sum: v * count, count, min: v, max: v, m2: 0 }]);
  }

  /** Fold in pre-formed groups (from another summary, a value table, or a stored state). */
  addGroups(all: Group[]): void {
    this.flush();
    const groups = all.filter((g) => g.count > 0);
    if (groups.length === 0) return;
    groups.sort((x, y) => x.sum / x.count - y.sum / y.count);
    const k = groups.length;
    this.ensureScratch(k);
    let add = 0;
    for (const g of groups) {
      this.s2[add] = g.sum;
      this.c2[add] = g.count;
      this.a2[add] = g.min;
      this.b2[add] = g.max;
      this.q2[add] = g.m2;
      add++;
      this.n += g.count;
    }
    this.mergeIn(add);
  }

  /** Merge another summary into this one. */
  merge(o: CentroidSummary): void {
    o.flush();
    const groups = [];
    for (let i = 0; i < o.size; i++) groups.push({ sum: o.sum[i], count: o.cnt[i], min: o.mn[i], max: o.mx[i], m2: o.q[i] });
    this.addGroups(groups);
  }

  private ensureScratch(k: number): void {
    if (this.s2.length >= k) return;
    const n = Math.max(k, BUFFER);
    if (this.kernel) {
      for (const which of [6, 7, 8, 9, 10]) this.reallocate(which, n, 0);
      this.rebind();
      return;
    }
    this.s2 = new Float64Array(n);
    this.c2 = new Float64Array(n);
    this.a2 = new Float64Array(n);
    this.b2 = new Float64Array(n);
    this.q2 = new Float64Array(n);
  }

  /** Sort the buffer into point groups and merge them in. */
  flush(): void {
    const b = this.buffered;
    if (b === 0) return;
    const kernel = this.kernel;
    if (kernel) {
      this.toKernel(kernel);
      kernel.centroidFlush();
      this.fromKernel(kernel);
      return;
    }
    this.buffered = 0;
    const sorted = sortFloat64(this.buf.subarray(0, b));
    this.ensureScratch(b);
    let k = 0;
    let i = 0;
    while (i < b) {
      const v = sorted[i];
      let j = i + 1;
      while (j < b && sorted[j] === v) j++;
      this.s2[k] = v * (j - i);
      this.c2[k] = j - i;
      this.a2[k] = v;
      this.b2[k] = v;
      this.q2[k] = 0;
      k++;
      i = j;
    }
    this.n += b;
    this.mergeIn(k);
  }

  /** Merge k sorted scratch groups with the current groups, then compact to capacity. */
  private mergeIn(k: number): void {
    const total = this.size + k;
    if (this.sum.length < total) this.grow(total);
    const kernel = this.kernel;
    if (kernel) {
      this.toKernel(kernel);
      kernel.mergeIn(k);
      this.fromKernel(kernel);
      return;
    }
    // Merge from the back so it can happen in place.
    let i = this.size - 1;
    let j = k - 1;
    let w = total - 1;
    const { sum, cnt, mn, mx, q, s2, c2, a2, b2, q2 } = this;
    while (j >= 0) {
      if (i >= 0 && sum[i] / cnt[i] > s2[j] / c2[j]) {
        sum[w] = sum[i];
        cnt[w] = cnt[i];
        mn[w] = mn[i];
        mx[w] = mx[i];
        q[w] = q[i];
        i--;
      } else {
        sum[w] = s2[j];
        cnt[w] = c2[j];
        mn[w] = a2[j];
        mx[w] = b2[j];
        q[w] = q2[j];
        j--;
      }
      w--;
    }
    this.size = total;
    this.compact();
  }

  private grow(total: number): void {
    if (this.kernel) {
      for (const which of [0, 1, 2, 3, 4]) this.reallocate(which, total + BUFFER, this.size);
      this.rebind();
      return;
    }
    const up = (a: Float64Array) => {
      const g = new Float64Array(total + BUFFER);
      g.set(a.subarray(0, this.size));
      return g;
    };
    this.sum = up(this.sum);
    this.cnt = up(this.cnt);
    this.mn = up(this.mn);
    this.mx = up(this.mx);
    this.q = up(this.q);
  }

  /** Number of groups the greedy pass would make with threshold tau (exact-merge of equal values always). */
  private groupsFor(tau: number, maxMass: number, write: boolean): number {
    const { sum, cnt, mn, mx, q } = this;
    const size = this.size;
    let groups = 0;
    let gs = sum[0];
    let gc = cnt[0];
    let ga = mn[0];
    let gb = mx[0];
    let gq = q[0];
    for (let i = 1; i < size; i++) {
      const a = mn[i] < ga ? mn[i] : ga;
      const b = mx[i] > gb ? mx[i] : gb;
      const c = gc + cnt[i];
      const width = b - a;
      if (width === 0 || (c <= maxMass && c * width <= tau)) {
        if (write) {
          const d = sum[i] / cnt[i] - gs / gc;
          gq += q[i] + (d * d * gc * cnt[i]) / c;
        }
        gs += sum[i];
        gc = c;
        ga = a;
        gb = b;
      } else {
        if (write) {
          sum[groups] = gs;
          cnt[groups] = gc;
          mn[groups] = ga;
          mx[groups] = gb;
          q[groups] = gq;
        }
        groups++;
        gs = sum[i];
        gc = cnt[i];
        ga = mn[i];
        gb = mx[i];
        gq = q[i];
      }
    }
    if (write) {
      sum[groups] = gs;
      cnt[groups] = gc;
      mn[groups] = ga;
      mx[groups] = gb;
      q[groups] = gq;
    }
    return groups + 1;
  }

  private compact(): void {
    const cap = this.capacity;
    if (this.size <= cap) return;
    const maxMass = Math.max(1, Math.floor((2 * this.n) / cap));
    // Start from the previous threshold scaled by the growth of n, then search geometrically for
    // (nearly) the smallest threshold that fits.
    let tau = this.tau > 0 ? (this.tau * this.n) / this.tauN : 0;
    if (!(tau > 0)) {
      const range = this.mx[this.size - 1] - this.mn[0];
      let w = 0;
      for (let i = 0; i < this.size; i++) w = Math.max(w, this.mx[i] - this.mn[i]);
      tau = ((Math.max(range, w) || 1) * this.n) / cap / 8;
    }
    if (this.groupsFor(tau, maxMass, false) <= cap) {
      for (let step = 0; step < 6; step++) {
        const t = tau * 0.7;
        if (this.groupsFor(t, maxMass, false) > cap) break;
        tau = t;
      }
    } else {
      for (let step = 0; step < 200; step++) {
        tau *= 1.4;
        if (this.groupsFor(tau, maxMass, false) <= cap) break;
      }
    }
    this.size = this.groupsFor(tau, maxMass, true);
    this.tau = tau;
    this.tauN = this.n;
  }

  /** The JSON form with its certified bounds. */
  toState(): CentroidState {
    this.flush();
    const means: number[] = [];
    const counts: number[] = [];
    const mins: number[] = [];
    const maxs: number[] = [];
    const m2s: number[] = [];
    for (let i = 0; i < this.size; i++) {
      m2s.push(this.q[i]);
      means.push(Math.min(this.mx[i], Math.max(this.mn[i], this.sum[i] / this.cnt[i])));
      counts.push(this.cnt[i]);
      mins.push(this.mn[i]);
      maxs.push(this.mx[i]);
    }
    const st: CentroidState = { capacity: this.capacity, n: this.n, means, counts, mins, maxs, m2s, wassersteinBound: 0, rankBound: 0 };
    const b = boundsOf(st);
    st.wassersteinBound = b.wasserstein;
    st.rankBound = b.rank;
    return st;
  }
}

/**
 * Certified error bounds of a summary (see the module comment): W₁ in value units, rank as a
 * fraction of n.
 *
 * @example
 *   boundsOf(state).wasserstein / referenceStd; // bound on the normalised-Wasserstein error of this side
 */
export function boundsOf(st: Pick<CentroidState, 'means' | 'counts' | 'mins' | 'maxs' | 'm2s'>): { wasserstein: number; rank: number } {
  let n = 0;
  let w = 0;
  const events: [number, number][] = [];
  for (let i = 0; i < st.means.length; i++) {
    const m = st.counts[i];
    n += m;
    const a = st.mins[i];
    const b = st.maxs[i];
    if (b > a) {
      const mu = Math.min(b, Math.max(a, st.means[i]));
      const spread = (2 * (mu - a) * (b - mu)) / (b - a);
      const sd = Math.sqrt(Math.max(0, st.m2s[i]) / m);
      w += m * Math.min(spread, sd);
      events.push([a, m], [b, -m]);
    }
  }
  // Sweep: mass of groups with a ≤ x < b; at equal x, closings (b) come before openings (a).
  events.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  let open = 0;
  let rank = 0;
  for (const [, d] of events) {
    open += d;
    if (open > rank) rank = open;
  }
  return n > 0 ? { wasserstein: w / n, rank: rank / n } : { wasserstein: 0, rank: 0 };
}

/** Sorted distinct means with summed counts: the weighted sample drift tests use. */
export function centroidSample(st: CentroidState): { values: number[]; weights: number[] } {
  const values: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < st.means.length; i++) {
    const v = st.means[i];
    if (values.length > 0 && values[values.length - 1] === v) weights[weights.length - 1] += st.counts[i];
    else {
      values.push(v);
      weights.push(st.counts[i]);
    }
  }
  return { values, weights };
}
