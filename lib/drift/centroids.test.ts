import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRng } from '../core/random';
import { sharedDataDir } from '../runtime/paths';
import { describe, expect, it } from 'vitest';
import type { DataChunk } from './chunk';
import { boundsOf, CentroidSummary } from './centroids';
import { mergeProfiles, ProfileBuilder } from './profile';
import { computeDrift } from './suite';
import { ksTwoSample, wassersteinDistance, weightedSample } from './tests';

/** The project's seeded generator (lib/metrics/random) as a plain `() => number` stream. */
function rng(seed: number): () => number {
  const g = createRng(seed);
  return () => g.next();
}
const gauss = (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

const adult = readFileSync(join(sharedDataDir(), 'adult', 'adult.data'), 'utf8')
  .split(/\r?\n/)
  .filter((l) => l.trim())
  .map((l) => l.split(', '));

/** 200k rows of Adult capital-gain (heavy tail, ~92% zeros) and fnlwgt, resampled with noise. */
function resample(seed: number, rows: number, shift: number): { gain: Float64Array; fnlwgt: Float64Array } {
  const r = rng(seed);
  const gain = new Float64Array(rows);
  const fnlwgt = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const a = adult[Math.floor(r() * adult.length)];
    const g = Number(a[10]);
    gain[i] = g > 0 ? Math.round((g * (1 + shift) + 10 * gauss(r)) * 10) / 10 : 0;
    fnlwgt[i] = Math.round(Number(a[2]) * (1 + shift) + 500 * gauss(r));
  }
  return { gain, fnlwgt };
}

function chunks(cols: Record<string, Float64Array>, size: number): DataChunk[] {
  const n = Object.values(cols)[0].length;
  const out: DataChunk[] = [];
  for (let i = 0; i < n; i += size) {
    const end = Math.min(n, i + size);
    out.push({ firstRow: i + 2, rows: end - i, columns: Object.entries(cols).map(([name, v]) => ({ name, type: 'numeric' as const, values: v.subarray(i, end) })) });
  }
  return out;
}

describe('CentroidSummary', () => {
  it('keeps exact totals, stays within capacity, and its bounds are zero for repeated values', () => {
    const s = new CentroidSummary(64);
    const r = rng(3);
    for (let i = 0; i < 100_000; i++) s.add(i % 3 === 0 ? 0 : r() * 1000);
    const st = s.toState();
    expect(st.n).toBe(100_000);
    expect(st.counts.reduce((a, b) => a + b, 0)).toBe(100_000);
    expect(st.means.length).toBeLessThanOrEqual(64);
    // The zeros stay one exact point group.
    expect(st.counts[st.means.indexOf(0)]).toBeGreaterThanOrEqual(33_334);
    const p = new CentroidSummary(64);
    p.addWeighted(5, 10);
    expect(boundsOf(p.toState())).toEqual({ wasserstein: 0, rank: 0 });
  });

  it('is certified and accurate on Adult capital-gain and fnlwgt resampled to 200k rows with noise', () => {
    const rows = 200_000;
    const ref = resample(11, rows, 0);
    const cur = resample(12, rows, 0.03);
    const opts = { exactCap: 2000 }; // force the summary at this size
    const rb = new ProfileBuilder(opts);
    chunks({ capital_gain: ref.gain, fnlwgt: ref.fnlwgt }, 65536).forEach((c) => rb.add(c));
    // The current side is built from two halves and merged: the bound survives merging.
    const half = rows / 2;
    const c1 = new ProfileBuilder(opts);
    const c2 = new ProfileBuilder(opts);
    chunks({ capital_gain: cur.gain.subarray(0, half), fnlwgt: cur.fnlwgt.subarray(0, half) }, 10000).forEach((c) => c1.add(c));
    chunks({ capital_gain: cur.gain.subarray(half), fnlwgt: cur.fnlwgt.subarray(half) }, 30000).forEach((c) => c2.add(c));
    const refP = rb.finish();
    const curP = mergeProfiles(c1.finish(), c2.finish());
    for (const p of [refP, curP]) for (const c of p.columns) if (c.kind === 'number') expect(JSON.stringify(c).length).toBeLessThan(80_000);
    const wd = computeDrift(refP, curP, { columns: {} });
    const ks = computeDrift(refP, curP, { columns: { capital_gain: { test: 'ks' }, fnlwgt: { test: 'ks' } } });
    for (const [name, x, y] of [
      ['capital_gain', ref.gain, cur.gain],
      ['fnlwgt', ref.fnlwgt, cur.fnlwgt],
    ] as const) {
      const a = weightedSample(x);
      const b = weightedSample(y);
      let mean = 0;
      for (const v of x) mean += v / rows;
      let m2 = 0;
      for (const v of x) m2 += (v - mean) ** 2;
      const exactW = wassersteinDistance(a, b) / Math.sqrt(m2 / rows);
      const exactKs = ksTwoSample(a, b).statistic;
      const w = wd.columns.find((c) => c.column === name)!;
      const k = ks.columns.find((c) => c.column === name)!;
      expect(w.detail.approximate).toBe(true);
      // The certified bound holds, and is well inside the 0.1 drift threshold.
      expect(Math.abs(w.statistic - exactW)).toBeLessThanOrEqual(w.detail.errorBound!);
      expect(w.detail.errorBound!).toBeLessThan(0.01);
      expect(Math.abs(k.statistic - exactKs)).toBeLessThanOrEqual(k.detail.errorBound!);
      // KS: groups may overlap after merges, so the certified rank bound is a few group masses (2/capacity each).
      expect(k.detail.errorBound!).toBeLessThan(0.02);
      expect(Math.abs(k.statistic - exactKs)).toBeLessThan(0.002);
    }
  });
});

describe('centroid summaries: WebAssembly batch path', () => {
  const state = (on: boolean, build: (s: CentroidSummary) => void) => {
    process.env.STEWARD_WASM = on ? '1' : '0';
    try {
      const s = new CentroidSummary(64);
      build(s);
      return s.toState();
    } finally {
      delete process.env.STEWARD_WASM;
    }
  };

  it('gives the same groups and bounds as the JavaScript path, across batches, merges and stored states', () => {
    const r = rng(11);
    const values = Float64Array.from({ length: 50_000 }, (_, i) => (i % 7 === 0 ? 0 : i % 11 === 0 ? -0 : i % 13 === 0 ? Number.NaN : Math.round(gauss(r) * 1e4) / 100));
    const other = Float64Array.from({ length: 20_000 }, () => Math.exp(gauss(r) * 3));
    const build = (s: CentroidSummary) => {
      s.addArray(values.subarray(0, 30_000));
      s.add(12.5);
      s.addWeighted(3, 1000);
      s.addArray(values.subarray(30_000));
      const o = new CentroidSummary(64);
      o.addArray(other);
      s.merge(o);
      s.merge(CentroidSummary.fromState(o.toState()));
    };
    const wasm = state(true, build);
    expect(wasm).toEqual(state(false, build));
    expect(wasm.n).toBe(50_000 - Math.floor(49_999 / 13) + Math.floor(49_999 / 91) + Math.floor(49_999 / 143) - Math.floor(49_999 / 1001) + 1 + 1000 + 40_000);
  });
});
