"""Reference change points for lib/monitoring/detectors, recorded with river's own detectors.

Run:  /work/main/.tools/river-venv/bin/python test/support/river/record_detectors.py > test/support/river/detectors.json
(tested with Python 3.11 and river 0.26.1; install: python3 -m venv .tools/river-venv &&
 .tools/river-venv/bin/pip install 'river==0.26.*').

Writes one JSON document: for every stream, the detector, its parameters, the stream itself and the
0-based indices after whose update river reported a drift or a warning. The first four streams are
the ones of river's doctests (random.Random(42) / random.Random(12345) and `choices`); the rest are
seeded random streams (abrupt and gradual changes, noise) with default and non-default parameters,
for the property tests. Real values are rounded to 4 decimals before either side sees them, so the
file is small and both implementations read the same doubles.
"""
import json
import random
import sys

import river
from river import drift


def run(detector, stream):
    drifts, warnings = [], []
    for i, x in enumerate(stream):
        detector.update(x)
        if detector.drift_detected:
            drifts.append(i)
        if getattr(detector, "warning_detected", False):
            warnings.append(i)
    return drifts, warnings


def make(name, params):
    if name == "ddm":
        return drift.binary.DDM(**params)
    if name == "eddm":
        return drift.binary.EDDM(**params)
    if name == "adwin":
        return drift.ADWIN(**params)
    if name == "page-hinkley":
        return drift.PageHinkley(**params)
    raise ValueError(name)


def case(kind, name, params, stream):
    drifts, warnings = run(make(name, params), stream)
    return {"kind": kind, "detector": name, "params": params, "stream": stream, "drifts": drifts, "warnings": warnings}


def binary_stream(rng, segments):
    out = []
    for n, p in segments:
        out += [1 if rng.random() < p else 0 for _ in range(n)]
    return out


def real_stream(rng, segments):
    out = []
    for n, mu, sigma in segments:
        out += [round(rng.gauss(mu, sigma), 4) for _ in range(n)]
    return out


def gradual_binary(rng, n, p0, p1):
    return [1 if rng.random() < p0 + (p1 - p0) * i / n else 0 for i in range(n)]


cases = []

# river's doctest streams, generated exactly as the doctests do.
rng = random.Random(42)
s = rng.choices([0, 1], k=1000) + rng.choices([0, 1], k=1000, weights=[0.3, 0.7])
cases.append(case("doctest", "ddm", {}, s))
rng = random.Random(42)
s = rng.choices([0, 1], k=1000) + rng.choices([0, 1], k=1000, weights=[0.3, 0.7])
cases.append(case("doctest", "eddm", {"alpha": 0.8, "beta": 0.75}, s))
rng = random.Random(12345)
s = rng.choices([0, 1], k=1000) + rng.choices(range(4, 8), k=1000)
cases.append(case("doctest", "adwin", {}, s))
rng = random.Random(12345)
s = rng.choices([0, 1], k=1000) + rng.choices(range(4, 8), k=1000)
cases.append(case("doctest", "page-hinkley", {}, s))

rng = random.Random(2026)
binary_params = {
    "ddm": [{}, {"warm_start": 10, "warning_threshold": 1.5, "drift_threshold": 2.5}],
    "eddm": [{}, {"warm_start": 20, "alpha": 0.9, "beta": 0.8}],
}
for name, param_sets in binary_params.items():
    for params in param_sets:
        for _ in range(3):
            segs = [(rng.randint(200, 1500), round(rng.uniform(0.05, 0.5), 3)) for _ in range(rng.randint(2, 4))]
            cases.append(case("random", name, params, binary_stream(rng, segs)))
        cases.append(case("random", name, params, gradual_binary(rng, 3000, 0.1, 0.6)))

real_params = {
    "adwin": [{}, {"delta": 0.01, "clock": 8}, {"delta": 0.0001, "clock": 1, "max_buckets": 3, "min_window_length": 10, "grace_period": 20}],
    "page-hinkley": [{}, {"threshold": 10.0, "delta": 0.01, "min_instances": 20}, {"mode": "up", "threshold": 20.0}, {"mode": "down", "threshold": 20.0, "alpha": 0.99}],
}
for name, param_sets in real_params.items():
    for params in param_sets:
        for _ in range(3):
            segs = [(rng.randint(300, 1500), round(rng.uniform(-2, 2), 2), round(rng.uniform(0.1, 1.5), 2)) for _ in range(rng.randint(2, 4))]
            cases.append(case("random", name, params, real_stream(rng, segs)))
        # error indicators (0/1) are what detectors most often watch in the monitor
        segs = [(rng.randint(500, 1500), round(rng.uniform(0.05, 0.4), 3)) for _ in range(3)]
        cases.append(case("random", name, params, binary_stream(rng, segs)))

json.dump({"river": river.__version__, "python": sys.version.split()[0], "cases": cases}, sys.stdout, separators=(",", ":"))
sys.stdout.write("\n")
