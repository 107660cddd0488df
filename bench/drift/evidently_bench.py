"""Times Evidently's DataDriftPreset on the benchmark CSVs (pandas read included), prints JSON.

Run by bench/drift/run.ts inside .tools/bench-venv (evidently==0.6.7, pandas==2.2.3).
"""
import json, resource, sys, time
import pandas as pd
from evidently.report import Report
from evidently.metric_preset import DataDriftPreset

ref_file, cur_file = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
ref = pd.read_csv(ref_file)
cur = pd.read_csv(cur_file)
t1 = time.perf_counter()
report = Report(metrics=[DataDriftPreset()])
report.run(reference_data=ref, current_data=cur)
result = report.as_dict()
t2 = time.perf_counter()
drift = result['metrics'][0]['result']
cols = result['metrics'][1]['result']['drift_by_columns']
print(json.dumps({
    'seconds': t2 - t0, 'readSeconds': t1 - t0, 'driftSeconds': t2 - t1,
    'maxRssMB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    'driftedColumns': drift['number_of_drifted_columns'], 'share': drift['share_of_drifted_columns'],
    'columns': {k: [v['stattest_name'], v['drift_score'], v['drift_detected']] for k, v in cols.items()},
}))
