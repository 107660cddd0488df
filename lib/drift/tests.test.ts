import { join } from 'node:path';
import { sharedDataDir } from '../runtime/paths';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chiSquareSf, kolmogorovSf, normalSf } from './special';
import {
  chiSquareGoodnessOfFit,
  jensenShannonDistance,
  ksTwoSample,
  lInfinityDistance,
  populationStabilityIndex,
  twoProportionZTest,
  wassersteinDistance,
  weightedSample,
} from './tests';

/**
 * Produced by `/tmp/venv-drift/bin/python bench/drift/reference_values.py` (scipy 1.17.1); the
 * script documents each slice. Values are copied verbatim.
 */
const SCIPY = {
  "ks_age_800_700": [
    0.08892857142857143,
    0.005077605829584185
  ],
  "ks_hours_500_500": [
    0.068,
    0.19804212658711798
  ],
  "ks_fnlwgt_300_450": [
    0.044444444444444446,
    0.8582625676946837
  ],
  "ks_temp_8000_rest": [
    0.04805804190212176,
    4.157074391623774e-09
  ],
  "ks_age_20000_rest": [
    0.004767371228405377,
    0.9944180936425661
  ],
  "ks_hum_12000_rest": [
    0.05483802751440792,
    3.7857434726733374e-10
  ],
  "ks_fnlwgt_100_15000": [
    0.08873333333333333,
    0.39380931233801214
  ],
  "wd_age_800_700": [
    2.154642857142857,
    0.162181673714494
  ],
  "wd_cnt_8000_rest": [
    79.94606389273909,
    0.5894214391350628
  ],
  "wd_fnlwgt_20000_rest": [
    1040.6826537735801,
    0.00987895410065086
  ],
  "cnt_cuts": [
    7.0,
    22.0,
    47.0,
    77.60000000000036,
    112.0,
    149.0,
    190.0,
    248.0,
    353.0
  ],
  "cnt_bins": [
    [
      710,
      852,
      833,
      805,
      796,
      791,
      809,
      790,
      812,
      802
    ],
    [
      607,
      915,
      768,
      592,
      605,
      655,
      706,
      1002,
      1363,
      2166
    ]
  ],
  "psi_cnt": 0.18952866089575882,
  "js_cnt_e": 0.15247512904129643,
  "js_cnt_2": 0.18314129427410672,
  "edu_small": {
    "chisq": [
      35.20001845147853,
      0.0023027517198249484
    ],
    "js_e": 0.08219765497147741,
    "js_2": 0.09872944533593844,
    "psi": 0.054906576596049174,
    "linf": 0.05428571428571427
  },
  "edu_large": {
    "chisq": [
      42.868162875652025,
      0.00016504429135056532
    ],
    "js_e": 0.019620882079682805,
    "js_2": 0.023567081146063498,
    "psi": 0.003088026173320148,
    "linf": 0.01178847623596846
  },
  "z_sex_800_700": [
    0.99853819101102,
    0.3180184548868116
  ],
  "z_40_100_60_100": [
    -2.8284271247461894,
    0.004677734981047275
  ],
  "z_tiny": [
    -17.91796964474805,
    8.538815457172265e-72
  ],
  "chi2_sf": [
    0.05004352124870519,
    0.01856613546304325,
    0.031074225168851003,
    0.010994608942135844,
    7.728992111216604e-09,
    0.951229424500714,
    5.0309817823062075e-05
  ],
  "norm_sf": [
    0.9772498680518208,
    0.3085375387259869,
    0.025,
    0.0013498980316300933,
    6.22096057427174e-16,
    2.7536241186061556e-89
  ],
  "kstwo_sf": [
    0.27053557479999946,
    0.2526927570063874,
    5.408871776434847e-06,
    0.013012074781090332,
    0.8108971656895577,
    0.6954557253913853,
    0.036582179671620585,
    0.910263694858373,
    9.049367287273853e-05
  ]
} as const;

const adult = readFileSync(join(sharedDataDir(), 'adult', 'adult.data'), 'utf8').split('\n').filter((l) => l.trim()).map((l) => l.split(', '));
const bike = readFileSync(join(sharedDataDir(), 'bike-sharing', 'hour.csv'), 'utf8').split('\n').slice(1).filter((l) => l.trim()).map((l) => l.split(','));
const acol = (i: number, a: number, b?: number) => adult.slice(a, b).map((r) => Number(r[i]));
const bcol = (i: number, a: number, b?: number) => bike.slice(a, b).map((r) => Number(r[i]));

/** |actual − expected| ≤ rel·|expected| (+ abs for p-values that scipy itself computes as 1 − x). */
function close(actual: number, expected: number, rel = 1e-9, abs = 0): void {
  const err = Math.abs(actual - expected);
  if (!(err <= rel * Math.abs(expected) + abs)) expect.fail(`${actual} vs scipy ${expected} (error ${err})`);
}

const ks = (x: number[], y: number[]) => ksTwoSample(weightedSample(x), weightedSample(y));

describe('two-sample Kolmogorov-Smirnov matches scipy.stats.ks_2samp', () => {
  it('uses the exact null distribution for unequal sizes up to 10,000', () => {
    const r = ks(acol(0, 0, 800), acol(0, 800, 1500));
    expect(r.method).toBe('exact');
    close(r.statistic, SCIPY.ks_age_800_700[0]);
    close(r.pValue, SCIPY.ks_age_800_700[1]);
    const f = ks(acol(2, 0, 300), acol(2, 300, 750));
    close(f.statistic, SCIPY.ks_fnlwgt_300_450[0]);
    close(f.pValue, SCIPY.ks_fnlwgt_300_450[1]);
  });

  it('uses the reflection series for equal sizes', () => {
    const r = ks(acol(12, 0, 500), acol(12, 500, 1000));
    close(r.statistic, SCIPY.ks_hours_500_500[0]);
    close(r.pValue, SCIPY.ks_hours_500_500[1]);
  });

  it('agrees on tiny exact p-values to the precision either side has: both compute 1 − P(inside), whose ~1e7 lattice updates leave ~1e-13 absolute rounding', () => {
    const r = ks(bcol(10, 0, 8000), bcol(10, 8000));
    close(r.statistic, SCIPY.ks_temp_8000_rest[0]);
    close(r.pValue, SCIPY.ks_temp_8000_rest[1], 1e-9, 1e-13);
  });

  it('switches to the Kolmogorov distribution at n = round(mn/(m+n)) above 10,000 values', () => {
    for (const [r, want] of [
      [ks(acol(0, 0, 20000), acol(0, 20000)), SCIPY.ks_age_20000_rest],
      [ks(bcol(12, 0, 12000), bcol(12, 12000)), SCIPY.ks_hum_12000_rest],
      [ks(acol(2, 0, 100), acol(2, 100, 15100)), SCIPY.ks_fnlwgt_100_15000],
    ] as const) {
      expect(r.method).toBe('asymp');
      close(r.statistic, want[0]);
      close(r.pValue, want[1]);
    }
  });

  it('gives statistic 0 and p-value 1 for identical samples, whatever their order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 60 }), (xs) => {
        const r = ks(xs, [...xs].reverse());
        expect(r.statistic).toBe(0);
        expect(r.pValue).toBe(1);
      }),
    );
  });

  it('is symmetric in its two samples', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 40 }),
        (x, y) => {
          const a = ks(x, y);
          const b = ks(y, x);
          expect(a.statistic).toBe(b.statistic);
          close(a.pValue, b.pValue, 1e-12, 1e-15);
        },
      ),
    );
  });
});

describe('Wasserstein-1 matches scipy.stats.wasserstein_distance', () => {
  it('on integer, count and wide-range columns', () => {
    const cases = [
      [acol(0, 0, 800), acol(0, 800, 1500), SCIPY.wd_age_800_700],
      [bcol(16, 0, 8000), bcol(16, 8000), SCIPY.wd_cnt_8000_rest],
      [acol(2, 0, 20000), acol(2, 20000), SCIPY.wd_fnlwgt_20000_rest],
    ] as const;
    for (const [x, y, want] of cases) close(wassersteinDistance(weightedSample(x), weightedSample(y)), want[0]);
  });

  it('is zero for a sample against a permutation of itself, and symmetric', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 }),
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 }),
        (x, y) => {
          expect(wassersteinDistance(weightedSample(x), weightedSample([...x].reverse()))).toBe(0);
          close(wassersteinDistance(weightedSample(x), weightedSample(y)), wassersteinDistance(weightedSample(y), weightedSample(x)), 1e-12, 1e-9);
        },
      ),
    );
  });
});

describe('Jensen-Shannon distance matches scipy.spatial.distance.jensenshannon', () => {
  it('in base e (the default, as scipy and Evidently) and base 2', () => {
    const [r, c] = SCIPY.cnt_bins;
    close(jensenShannonDistance(r, c), SCIPY.js_cnt_e);
    close(jensenShannonDistance(r, c, 2), SCIPY.js_cnt_2);
  });

  it('is 0 for proportional vectors, symmetric, and at most sqrt(ln 2)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(1000), fc.nat(1000)), { minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 7 }), (pairs, k) => {
        const p = pairs.map((t) => t[0] + 1);
        const q = pairs.map((t) => t[1] + 1);
        expect(jensenShannonDistance(p, p.map((v) => v * k))).toBeLessThan(1e-7);
        close(jensenShannonDistance(p, q), jensenShannonDistance(q, p), 1e-12, 1e-15);
        expect(jensenShannonDistance(p, q)).toBeLessThanOrEqual(Math.sqrt(Math.LN2) + 1e-12);
      }),
    );
  });
});

describe('PSI, L∞, chi-square and z-test match hand/scipy computations', () => {
  it('PSI floors empty proportions at 1e-4', () => {
    const [r, c] = SCIPY.cnt_bins;
    close(populationStabilityIndex(r, c), SCIPY.psi_cnt);
    // One empty current bin: (1e-4 − 0.5)·ln(1e-4/0.5) + (1 − 0.5)·ln(1/0.5)
    close(populationStabilityIndex([1, 1], [0, 4]), (1e-4 - 0.5) * Math.log(1e-4 / 0.5) + 0.5 * Math.log(2), 1e-12);
  });

  it('categorical statistics on Adult education (small and large reference)', () => {
    for (const [want, a, b, c] of [
      [SCIPY.edu_small, 0, 800, 1500],
      [SCIPY.edu_large, 0, 20000, undefined],
    ] as const) {
      const ref = adult.slice(a, b).map((r) => r[3]);
      const cur = adult.slice(b, c).map((r) => r[3]);
      const keys = [...new Set([...ref, ...cur])].sort();
      const rc = keys.map((k) => ref.filter((v) => v === k).length);
      const cc = keys.map((k) => cur.filter((v) => v === k).length);
      const chi = chiSquareGoodnessOfFit(cc, rc);
      close(chi.statistic, want.chisq[0]);
      close(chi.pValue, want.chisq[1]);
      close(jensenShannonDistance(rc, cc), want.js_e);
      close(jensenShannonDistance(rc, cc, 2), want.js_2);
      close(populationStabilityIndex(rc, cc), want.psi);
      close(lInfinityDistance(rc, cc), want.linf);
    }
  });

  it('chi-square: a category unseen in the reference is certain drift', () => {
    expect(chiSquareGoodnessOfFit([5, 5, 1], [1, 1, 0])).toEqual({ statistic: Number.POSITIVE_INFINITY, pValue: 0, df: 2 });
  });

  it('two-proportion z-test, including a p-value far below 1e-16', () => {
    const f = (s: readonly string[]) => s.filter((v) => v === 'Female').length;
    const s1 = adult.slice(0, 800).map((r) => r[9]);
    const s2 = adult.slice(800, 1500).map((r) => r[9]);
    const z = twoProportionZTest(f(s1), s1.length, f(s2), s2.length);
    close(z.statistic, SCIPY.z_sex_800_700[0]);
    close(z.pValue, SCIPY.z_sex_800_700[1]);
    const y = twoProportionZTest(40, 100, 60, 100);
    close(y.statistic, SCIPY.z_40_100_60_100[0]);
    close(y.pValue, SCIPY.z_40_100_60_100[1]);
    close(twoProportionZTest(10, 1000, 300, 1000).pValue, SCIPY.z_tiny[1], 1e-9);
    expect(twoProportionZTest(0, 10, 0, 20)).toEqual({ statistic: 0, pValue: 1 });
  });
});

describe('special functions match scipy', () => {
  it('chi-square survival (regularised upper incomplete gamma)', () => {
    [[3.84, 1], [10, 3], [150.5, 120], [1000, 900], [700, 500], [0.1, 2], [25, 4]].forEach(([x, d], i) => close(chiSquareSf(x, d), SCIPY.chi2_sf[i], 1e-12));
  });
  it('normal survival in both tails', () => {
    [-2, 0.5, 1.959963984540054, 3, 8, 20].forEach((z, i) => close(normalSf(z), SCIPY.norm_sf[i], 1e-12));
  });
  it('one-sample Kolmogorov survival across all of its computation regions', () => {
    [[10, 0.3], [100, 0.1], [100, 0.25], [1000, 0.05], [1000, 0.02], [5000, 0.01], [500000, 0.002], [120, 0.05], [200000, 0.005]].forEach(([n, x], i) =>
      close(kolmogorovSf(n, x), SCIPY.kstwo_sf[i], 1e-9),
    );
  });
});
