import { join } from 'node:path';
import { sharedDataDir } from '../runtime/paths';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DataChunk } from './chunk';
import { ProfileBuilder } from './profile';
import { computeDrift, computeDriftFromChunks, driftConfigSchema, formatDriftTable } from './suite';

/**
 * scipy values from `/tmp/venv-drift/bin/python bench/drift/reference_values.py` (keys in brackets):
 * the same slices are rebuilt below.
 */
const SCIPY = {
  ksAge800vs700: [0.08892857142857143, 0.005077605829584185], // [ks_age_800_700]
  wdAge800vs700Normalised: 0.162181673714494, // [wd_age_800_700][1]
  chisqEducation800vs700: [35.20001845147853, 0.0023027517198249484], // [edu_small].chisq
  zSex800vs700: [0.99853819101102, 0.3180184548868116], // [z_sex_800_700] (Female as success)
  wdCnt8000vsRestNormalised: 0.5894214391350628, // [wd_cnt_8000_rest][1]
  psiCnt: 0.18952866089575882, // [psi_cnt]
  jsCnt: 0.15247512904129643, // [js_cnt_e]
  jsEducation20000vsRest: 0.019620882079682805, // [edu_large].js_e
};

const adult = readFileSync(join(sharedDataDir(), 'adult', 'adult.data'), 'utf8').split('\n').filter((l) => l.trim()).map((l) => l.split(', '));
const bike = readFileSync(join(sharedDataDir(), 'bike-sharing', 'hour.csv'), 'utf8').split('\n').slice(1).filter((l) => l.trim()).map((l) => l.split(','));

/** Adult rows [a, b) as chunks of 256 rows: age, fnlwgt (numeric), education, sex (categorical). */
function adultChunks(a: number, b?: number): DataChunk[] {
  const rows = adult.slice(a, b);
  const dicts = { education: [] as string[], sex: [] as string[] };
  const code = (d: string[], v: string) => (d.indexOf(v) >= 0 ? d.indexOf(v) : d.push(v) - 1);
  const out: DataChunk[] = [];
  for (let i = 0; i < rows.length; i += 256) {
    const r = rows.slice(i, i + 256);
    out.push({
      firstRow: i + 1,
      rows: r.length,
      columns: [
        { name: 'age', type: 'integer', values: Float64Array.from(r, (x) => Number(x[0])) },
        { name: 'fnlwgt', type: 'integer', values: Float64Array.from(r, (x) => Number(x[2])) },
        { name: 'education', type: 'categorical', codes: Int32Array.from(r, (x) => code(dicts.education, x[3])), dictionary: dicts.education },
        { name: 'sex', type: 'categorical', codes: Int32Array.from(r, (x) => code(dicts.sex, x[9])), dictionary: dicts.sex },
      ],
    });
  }
  return out;
}

function bikeChunks(a: number, b?: number): DataChunk[] {
  const r = bike.slice(a, b);
  return [{ firstRow: 1, rows: r.length, columns: [{ name: 'cnt', type: 'integer', values: Float64Array.from(r, (x) => Number(x[16])) }] }];
}

const close = (a: number | undefined, b: number, rel = 1e-9) => expect(Math.abs((a as number) - b)).toBeLessThanOrEqual(rel * Math.abs(b));

describe('computeDrift with the default (Evidently-style) policy', () => {
  it('small reference (≤ 1000 rows): KS for numeric, chi-square for categorical, z-test for binary, all equal to scipy', async () => {
    const { report } = await computeDriftFromChunks(adultChunks(0, 800), adultChunks(800, 1500));
    const by = Object.fromEntries(report.columns.map((c) => [c.column, c]));
    expect(by.age).toMatchObject({ test: 'ks', kind: 'numeric', threshold: 0.05, drifted: true });
    close(by.age.statistic, SCIPY.ksAge800vs700[0]);
    close(by.age.pValue, SCIPY.ksAge800vs700[1]);
    expect(by.education).toMatchObject({ test: 'chisquare', kind: 'categorical', drifted: true });
    close(by.education.statistic, SCIPY.chisqEducation800vs700[0]);
    close(by.education.pValue, SCIPY.chisqEducation800vs700[1]);
    expect(by.sex).toMatchObject({ test: 'ztest', kind: 'binary', drifted: false });
    // Categories are ordered by name, so 'Female' is the success category, as in the scipy script.
    close(by.sex.statistic, SCIPY.zSex800vs700[0]);
    close(by.sex.pValue, SCIPY.zSex800vs700[1]);
    expect(report.dataset).toMatchObject({ testedColumns: 4, driftedColumns: 2, share: 0.5, drifted: true });
  });

  it('large reference: normalised Wasserstein for numeric and Jensen-Shannon for categorical', async () => {
    const { report } = await computeDriftFromChunks(adultChunks(0, 20000), adultChunks(20000));
    const by = Object.fromEntries(report.columns.map((c) => [c.column, c]));
    expect(by.age).toMatchObject({ test: 'wasserstein', threshold: 0.1 });
    expect(by.education).toMatchObject({ test: 'jensenshannon', threshold: 0.1, drifted: false });
    close(by.education.statistic, SCIPY.jsEducation20000vsRest);
    expect(report.dataset.drifted).toBe(false);
  });

  it('numeric PSI / Jensen-Shannon on reference decile bins and normalised Wasserstein equal scipy/numpy', async () => {
    const ref = new ProfileBuilder();
    bikeChunks(0, 8000).forEach((c) => ref.add(c));
    const reference = ref.finish();
    const { report: w } = await computeDriftFromChunks(reference, bikeChunks(8000));
    close(w.columns[0].statistic, SCIPY.wdCnt8000vsRestNormalised);
    const { report: p } = await computeDriftFromChunks(reference, bikeChunks(8000), { columns: { cnt: { test: 'psi' } } });
    close(p.columns[0].statistic, SCIPY.psiCnt);
    const { report: j } = await computeDriftFromChunks(reference, bikeChunks(8000), { columns: { cnt: { test: 'jensenshannon', threshold: 0.2 } } });
    close(j.columns[0].statistic, SCIPY.jsCnt);
    expect(j.columns[0]).toMatchObject({ threshold: 0.2, drifted: false, detail: { approximate: false } });
  });

  it('per-column overrides and ignores apply', async () => {
    const { report } = await computeDriftFromChunks(adultChunks(0, 800), adultChunks(800, 1500), {
      columns: { age: { test: 'wasserstein', threshold: 0.5 }, fnlwgt: { ignore: true } },
    });
    expect(report.columns.map((c) => c.column)).toEqual(['age', 'education', 'sex']);
    close(report.columns[0].statistic, SCIPY.wdAge800vs700Normalised);
    expect(report.columns[0].drifted).toBe(false);
  });

  it('Bonferroni multiplies p-values by the number of p-value tests; Benjamini-Hochberg is never stricter', async () => {
    const plain = (await computeDriftFromChunks(adultChunks(0, 800), adultChunks(800, 1500))).report;
    const bonf = (await computeDriftFromChunks(adultChunks(0, 800), adultChunks(800, 1500), { correction: 'bonferroni' })).report;
    const bh = (await computeDriftFromChunks(adultChunks(0, 800), adultChunks(800, 1500), { correction: 'benjamini-hochberg' })).report;
    bonf.columns.forEach((c, i) => close(c.adjustedPValue, Math.min(1, 4 * (plain.columns[i].pValue as number)), 1e-15));
    bh.columns.forEach((c, i) => {
      expect(c.adjustedPValue!).toBeLessThanOrEqual(bonf.columns[i].adjustedPValue!);
      expect(c.adjustedPValue!).toBeGreaterThanOrEqual(c.pValue!);
    });
  });

  it('identical data never drifts, however it is chunked', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30000 }), fc.integer({ min: 50, max: 1500 }), (start, len) => {
        const ref = new ProfileBuilder();
        adultChunks(start, start + len).forEach((c) => ref.add(c));
        const cur = new ProfileBuilder();
        adultChunks(start, start + len).reverse().forEach((c) => cur.add(c));
        const report = computeDrift(ref.finish(), cur.finish());
        for (const c of report.columns) {
          expect(c.drifted).toBe(false);
          expect(Math.abs(c.statistic)).toBeLessThan(1e-12);
        }
      }),
      { numRuns: 8 },
    );
  });

  it('rejects invalid policies and missing columns with typed errors', async () => {
    const ref = new ProfileBuilder();
    adultChunks(0, 100).forEach((c) => ref.add(c));
    const p = ref.finish();
    expect(() => computeDrift(p, p, { driftShare: 2 })).toThrow(expect.objectContaining({ type: 'InvalidPolicy' }));
    expect(() => computeDrift(p, p, { columns: { education: { test: 'ks' } } })).toThrow(expect.objectContaining({ type: 'InvalidPolicy' }));
    expect(() => computeDrift(p, p, { columns: { nope: { test: 'psi' } } })).toThrow(expect.objectContaining({ type: 'InvalidPolicy' }));
    expect(() => computeDrift(p, { ...p, columns: p.columns.slice(1) })).toThrow(expect.objectContaining({ type: 'DataContractViolation' }));
    expect(driftConfigSchema.parse({})).toMatchObject({ driftShare: 0.5, correction: 'none', smallReferenceRows: 1000 });
  });
});

describe('formatDriftTable', () => {
  it('prints one aligned line per column and a dataset verdict', async () => {
    const { report } = await computeDriftFromChunks(adultChunks(0, 800), adultChunks(800, 1500));
    const text = formatDriftTable(report);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^column\s+type\s+test\s+value\s+p-value\s+threshold\s+verdict$/);
    expect(lines.slice(2, 6).map((l) => l.split(/\s+/)[0])).toEqual(['age', 'fnlwgt', 'education', 'sex']);
    expect(lines[2]).toMatch(/age\s+integer\s+ks\s+0\.08893\s+0\.005078\s+0\.05000\s+DRIFT/);
    expect(text).toContain('dataset: 2/4 columns drifted (share 0.5000, threshold 0.5000) -> DRIFT');
  });
});

describe('computeDrift on a damaged stored profile', () => {
  it('names the column whose reference keeps neither exact values nor a summary', () => {
    const b = new ProfileBuilder();
    b.add({ firstRow: 2, rows: 3, columns: [{ name: 'x', type: 'numeric', values: Float64Array.of(1, 2, 3) }] });
    const good = b.finish();
    const damaged = structuredClone(good);
    const col = damaged.columns[0];
    if (col.kind !== 'number') throw new Error('expected a numeric column');
    col.exact = null;
    expect(() => computeDrift(damaged, good)).toThrow(/column "x": the reference profile keeps neither exact values nor a summary/);
    expect(() => computeDrift(good, good)).not.toThrow();
  });
});
