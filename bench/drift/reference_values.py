"""Independent reference values for lib/drift tests, computed with scipy/numpy.

Run:  /tmp/venv-drift/bin/python bench/drift/reference_values.py   (scipy 1.17.1, numpy 2.x)
The printed JSON is recorded as literals in lib/drift/*.test.ts.

Data slices (the tests rebuild the same slices):
  adult = non-empty lines of /work/shared/data/adult/adult.data split on ', '
  bike  = /work/shared/data/bike-sharing/hour.csv rows after the header split on ','
"""
import json
import numpy as np
from scipy import stats, special
from scipy.spatial import distance

adult = [l.split(', ') for l in open('/work/shared/data/adult/adult.data').read().split('\n') if l.strip()]
bike = [l.split(',') for l in open('/work/shared/data/bike-sharing/hour.csv').read().split('\n')[1:] if l.strip()]

def acol(i, a, b):
    return np.array([float(r[i]) for r in adult[a:b]])

def bcol(i, a, b):
    return np.array([float(r[i]) for r in bike[a:b]])

def ks(x, y):
    r = stats.ks_2samp(x, y)
    return [float(r.statistic), float(r.pvalue)]

def wd(x, y):
    w = stats.wasserstein_distance(x, y)
    return [float(w), float(w / max(np.std(x), 0.001))]

def cuts_of(ref, bins=10):
    q = np.quantile(ref, [i / bins for i in range(1, bins)])  # numpy 'linear'
    return np.unique(q)

def binned(x, cuts):
    return np.bincount(np.searchsorted(cuts, x, side='right'), minlength=len(cuts) + 1)

def psi(r, c, eps=1e-4):
    r = r / r.sum(); c = c / c.sum()
    r = np.where(r == 0, eps, r); c = np.where(c == 0, eps, c)
    return float(np.sum((c - r) * np.log(c / r)))

def cat_counts(ref, cur):
    keys = sorted(set(ref) | set(cur))
    return keys, np.array([ref.count(k) for k in keys], float), np.array([cur.count(k) for k in keys], float)

out = {}
# KS exact, unequal sizes (adult age 800 vs 700), equal sizes (hours 500 vs 500), bike temp 8000 vs 9379
out['ks_age_800_700'] = ks(acol(0, 0, 800), acol(0, 800, 1500))
out['ks_hours_500_500'] = ks(acol(12, 0, 500), acol(12, 500, 1000))
out['ks_fnlwgt_300_450'] = ks(acol(2, 0, 300), acol(2, 300, 750))
out['ks_temp_8000_rest'] = ks(bcol(10, 0, 8000), bcol(10, 8000, None))
# KS asymptotic (max n > 10000)
out['ks_age_20000_rest'] = ks(acol(0, 0, 20000), acol(0, 20000, None))
out['ks_hum_12000_rest'] = ks(bcol(12, 0, 12000), bcol(12, 12000, None))
out['ks_fnlwgt_100_15000'] = ks(acol(2, 0, 100), acol(2, 100, 15100))
# Wasserstein raw and normalised by reference population std
out['wd_age_800_700'] = wd(acol(0, 0, 800), acol(0, 800, 1500))
out['wd_cnt_8000_rest'] = wd(bcol(16, 0, 8000), bcol(16, 8000, None))
out['wd_fnlwgt_20000_rest'] = wd(acol(2, 0, 20000), acol(2, 20000, None))
# Numeric PSI / JS on the reference's decile cuts (numpy linear quantiles, bins [c_i, c_{i+1}))
ref, cur = bcol(16, 0, 8000), bcol(16, 8000, None)
cuts = cuts_of(ref)
rb, cb = binned(ref, cuts), binned(cur, cuts)
out['cnt_cuts'] = [float(c) for c in cuts]
out['cnt_bins'] = [[int(v) for v in rb], [int(v) for v in cb]]
out['psi_cnt'] = psi(rb.astype(float), cb.astype(float))
out['js_cnt_e'] = float(distance.jensenshannon(rb, cb))
out['js_cnt_2'] = float(distance.jensenshannon(rb, cb, base=2))
# Categorical: education, adult 800 vs 700 and 20000 vs rest
for name, (a, b, c) in {'edu_small': (0, 800, 1500), 'edu_large': (0, 20000, None)}.items():
    keys, r, cu = cat_counts([x[3] for x in adult[a:b]], [x[3] for x in adult[b:c]])
    chi = stats.chisquare(cu, r / r.sum() * cu.sum())
    out[name] = {
        'chisq': [float(chi.statistic), float(chi.pvalue)],
        'js_e': float(distance.jensenshannon(r, cu)),
        'js_2': float(distance.jensenshannon(r, cu, base=2)),
        'psi': psi(r, cu),
        'linf': float(np.max(np.abs(r / r.sum() - cu / cu.sum()))),
    }
# Binary: sex, pooled two-proportion z-test by hand with scipy's normal
def ztest(x1, n1, x2, n2):
    p = (x1 + x2) / (n1 + n2)
    z = (x1 / n1 - x2 / n2) / np.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    return [float(z), float(2 * stats.norm.sf(abs(z)))]
s1 = [x[9] for x in adult[0:800]]; s2 = [x[9] for x in adult[800:1500]]
out['z_sex_800_700'] = ztest(s1.count('Female'), len(s1), s2.count('Female'), len(s2))
out['z_40_100_60_100'] = ztest(40, 100, 60, 100)
out['z_tiny'] = ztest(10, 1000, 300, 1000)
# Special functions
out['chi2_sf'] = [float(stats.chi2.sf(x, d)) for x, d in [(3.84, 1), (10, 3), (150.5, 120), (1000, 900), (700, 500), (0.1, 2), (25, 4)]]
out['norm_sf'] = [float(stats.norm.sf(z)) for z in [-2, 0.5, 1.959963984540054, 3, 8, 20]]
out['kstwo_sf'] = [float(stats.kstwo.sf(x, n)) for n, x in [(10, 0.3), (100, 0.1), (100, 0.25), (1000, 0.05), (1000, 0.02), (5000, 0.01), (500000, 0.002), (120, 0.05), (200000, 0.005)]]
print(json.dumps(out, indent=1))
