"""river reference for bench:backtest: progressive validation (test, then train, one row at a time) on Elec2.

Run:  .tools/river-venv/bin/python bench/backtest/river_reference.py <electricity-normalized.csv> <warmup> <label_delay>
(river 0.26; the bench creates the venv on first use). Prints one JSON document.

Features are the policy's (policies/elec2.json): period, nswprice, nswdemand, vicprice, vicdemand,
transfer and day; the label is class == UP. Each model learns from row 0; accuracy is reported over
every row (river's `evaluate.progressive_val_score`, which the manual loop must equal) and over the
rows after `warmup` (the rows the backtest replays), with labels learnt `label_delay` rows late.
"""
import csv
import json
import sys
import time

import river
from river import compose, dummy, evaluate, linear_model, metrics, preprocessing, tree

FEATURES = ["period", "nswprice", "nswdemand", "vicprice", "vicdemand", "transfer"]


def rows(path):
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            x = {k: float(r[k]) for k in FEATURES}
            x["day"] = r["day"]
            yield x, r["class"] == "UP"


def models():
    return {
        "no-change (river dummy.NoChangeClassifier)": lambda: dummy.NoChangeClassifier(),
        "logistic regression (StandardScaler and one-hot day, then LogisticRegression)": lambda: compose.Pipeline(
            compose.TransformerUnion(
                compose.Pipeline(compose.SelectType(float), preprocessing.StandardScaler()),
                compose.Pipeline(compose.SelectType(str), preprocessing.OneHotEncoder()),
            ),
            linear_model.LogisticRegression(),
        ),
        "Hoeffding adaptive tree (HoeffdingAdaptiveTreeClassifier, seed 42)": lambda: tree.HoeffdingAdaptiveTreeClassifier(seed=42),
    }


def main():
    path, warmup, delay = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    data = list(rows(path))
    out = {"river": river.__version__, "rows": len(data), "warmup": warmup, "labelDelay": delay, "models": []}
    for name, make in models().items():
        started = time.perf_counter()
        model = make()
        right_all = right_after = 0
        for i, (x, y) in enumerate(data):
            y_pred = model.predict_one(x)
            ok = y_pred == y
            right_all += ok
            if i >= warmup:
                right_after += ok
            j = i - delay
            if j >= 0:
                model.learn_one(*data[j])
        seconds = time.perf_counter() - started
        entry = {"name": name, "accuracy": right_all / len(data), "accuracyAfterWarmup": right_after / (len(data) - warmup), "seconds": round(seconds, 1)}
        if delay == 0:
            # The library's own progressive validation, as a check on the loop above.
            entry["progressiveValScore"] = evaluate.progressive_val_score(iter(data), make(), metrics.Accuracy()).get()
        out["models"].append(entry)
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


main()
