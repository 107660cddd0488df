"""Reference values for lib/metrics tests, computed with scikit-learn, fairlearn and statsmodels.

Run:  python lib/metrics/reference_values.py /work/shared/data/adult/adult.test
(tested with Python 3.11, numpy, scikit-learn 1.9.1, fairlearn 0.15.0, statsmodels 0.15.0, scipy).

The fixed scoring rule (mirrored in lib/metrics/adult-fixture.ts, keep the two identical):
    z = -7.25 + 0.32*education_num + 0.035*hours_per_week + 0.028*age + 0.00025*capital_gain
    score = round(1 / (1 + exp(-z)), 6)   (six decimals, as a model exporting scores to CSV would;
                                           this also makes ties identical across numpy and V8 exp)
The "degraded" rule drops the capital-gain term (same intercept).
Label: 1 when the income column is ">50K." (the test file's labels end with a dot).
Prints one JSON document; the tests hold its numbers as literals.
"""
import json
import sys

import numpy as np
import pandas as pd
from fairlearn.metrics import (MetricFrame, demographic_parity_difference, demographic_parity_ratio,
                               equal_opportunity_difference, equalized_odds_difference,
                               false_negative_rate, false_positive_rate, selection_rate,
                               true_positive_rate)
from scipy.stats import binomtest, norm
from sklearn.calibration import calibration_curve
from sklearn.metrics import (accuracy_score, average_precision_score, brier_score_loss,
                             confusion_matrix, f1_score, log_loss, precision_score, recall_score,
                             roc_auc_score)
from statsmodels.stats.contingency_tables import mcnemar

COLS = ["age", "workclass", "fnlwgt", "education", "education_num", "marital_status", "occupation",
        "relationship", "race", "sex", "capital_gain", "capital_loss", "hours_per_week",
        "native_country", "income"]


def load(path):
    df = pd.read_csv(path, header=None, names=COLS, sep=", ", engine="python", skiprows=1)
    df = df.dropna(subset=["income"])
    return df


def score(df, with_gain=True):
    z = -7.25 + 0.32 * df.education_num.to_numpy(float) + 0.035 * df.hours_per_week.to_numpy(float) \
        + 0.028 * df.age.to_numpy(float)
    if with_gain:
        z = z + 0.00025 * df.capital_gain.to_numpy(float)
    return np.round(1.0 / (1.0 + np.exp(-z)), 6)


def classification(y, p, t=0.5, bins=10):
    yp = (p >= t).astype(int)
    tn, fp, fn, tp = confusion_matrix(y, yp, labels=[0, 1]).ravel()
    prob_true, prob_pred = calibration_curve(y, p, n_bins=bins, strategy="uniform")
    edges = np.linspace(0.0, 1.0, bins + 1)
    binids = np.searchsorted(edges[1:-1], p)
    counts = np.bincount(binids, minlength=bins)
    nz = counts[counts > 0]
    ece = float(np.sum(nz / len(y) * np.abs(prob_true - prob_pred)))
    return {
        "accuracy": accuracy_score(y, yp), "precision": precision_score(y, yp),
        "recall": recall_score(y, yp), "f1": f1_score(y, yp),
        "rocAuc": roc_auc_score(y, p), "prAuc": average_precision_score(y, p),
        "logLoss": log_loss(y, p), "brier": brier_score_loss(y, p), "ece": ece,
        "confusion": {"tp": int(tp), "fp": int(fp), "tn": int(tn), "fn": int(fn)},
        "calibration": {"fractionPositive": prob_true.tolist(), "meanPredicted": prob_pred.tolist(),
                        "count": nz.tolist()},
    }


def fairness(y, p, sf, t=0.5):
    yp = (p >= t).astype(int)
    mf = MetricFrame(metrics={"selectionRate": selection_rate, "tpr": true_positive_rate,
                              "fpr": false_positive_rate, "fnr": false_negative_rate,
                              "precision": precision_score, "count": lambda a, b: len(a)},
                     y_true=y, y_pred=yp, sensitive_features=sf)
    by = mf.by_group.reset_index()
    key_cols = list(sf.columns)
    groups = {" & ".join(f"{c}={r[c]}" for c in key_cols): {k: float(r[k]) for k in
              ["selectionRate", "tpr", "fpr", "fnr", "precision", "count"]} for _, r in by.iterrows()}
    return {
        "groups": groups,
        "demographicParityDifference": demographic_parity_difference(y, yp, sensitive_features=sf),
        "demographicParityRatio": demographic_parity_ratio(y, yp, sensitive_features=sf),
        "equalizedOddsDifference": equalized_odds_difference(y, yp, sensitive_features=sf),
        "equalOpportunityDifference": equal_opportunity_difference(y, yp, sensitive_features=sf),
    }


def main(path):
    df = load(path)
    y = (df.income == ">50K.").astype(int).to_numpy()
    p = score(df)
    q = score(df, with_gain=False)
    out = {"n": int(len(y)), "positives": int(y.sum()), "full": classification(y, p),
           "fullThreshold03": classification(y, p, t=0.3), "degraded": classification(y, q)}
    out["fairness"] = {
        "sex": fairness(y, p, df[["sex"]]),
        "race": fairness(y, p, df[["race"]]),
        "sexRace": fairness(y, p, df[["sex", "race"]]),
    }
    # McNemar, candidate = degraded (no capital gain), baseline = full. b: candidate wrong & baseline right.
    cand_ok = (q >= 0.5).astype(int) == y
    base_ok = (p >= 0.5).astype(int) == y
    b = int(np.sum(~cand_ok & base_ok))
    c = int(np.sum(cand_ok & ~base_ok))
    chi = mcnemar([[0, b], [c, 0]], exact=False, correction=True)
    out["mcnemarAdult"] = {"b": b, "c": c, "statistic": float(chi.statistic),
                           "twoSidedP": float(chi.pvalue)}
    # Small tables: exact binomial one-sided (candidate worse) and chi-square with continuity.
    out["mcnemarSmall"] = {"b": 9, "c": 3, "exactOneSidedP": binomtest(9, 12, 0.5, alternative="greater").pvalue,
                           "exactTwoSidedP": float(mcnemar([[0, 9], [3, 0]], exact=True).pvalue)}
    out["mcnemarLarge"] = {"b": 40, "c": 22,
                           "twoSidedP": float(mcnemar([[0, 40], [22, 0]], exact=False, correction=True).pvalue)}
    out["normalSf"] = {str(z): float(norm.sf(z)) for z in (3.0, 10.0, -1.0, 1.959963984540054)}
    # Ties: sklearn on a tiny tie-heavy example.
    ty = np.array([0, 1, 0, 1, 1, 0, 0, 1, 0, 1])
    ts = np.array([0.5, 0.5, 0.2, 0.8, 0.5, 0.8, 0.1, 0.9, 0.5, 0.2])
    out["ties"] = {"rocAuc": roc_auc_score(ty, ts), "prAuc": average_precision_score(ty, ts),
                   "logLoss": log_loss(ty, np.array([0.0, 1.0, 0.2, 0.8, 1.0, 0.8, 0.1, 0.9, 0.5, 0.2]))}
    print(json.dumps(out, indent=1, default=float))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/adult/adult.test")
