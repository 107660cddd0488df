/**
 * The few numbers of a window result the monitor keeps in its state. Pure module.
 */
import type { WindowSummary } from './types';
import type { WindowResult } from './window';

/** @example summarize(result).featureDrift?.driftedColumns // ['age'] */
export function summarize(r: WindowResult): WindowSummary {
  return {
    index: r.index,
    start: r.start,
    end: r.end,
    volume: r.volume,
    errorRate: r.errorRate,
    latencyP99Ms: r.latency.p99Ms,
    featureDrift: r.featureDrift
      ? { drifted: r.featureDrift.dataset.drifted, share: r.featureDrift.dataset.share, driftedColumns: r.featureDrift.columns.filter((c) => c.drifted).map((c) => c.column) }
      : null,
    predictionDrift: r.predictionDrift ? { psi: r.predictionDrift.psi, drifted: r.predictionDrift.drifted } : null,
    accuracy: r.performance?.accuracy.value ?? null,
    estimatedAccuracy: r.estimated?.accuracy ?? null,
    labelled: r.counts.labelled,
    breaches: r.breaches,
  };
}
