/**
 * EDDM, the Early Drift Detection Method (Baena-Garcia et al., 2006), with river 0.26's definitions:
 * it watches the distance between consecutive errors. With p' and s' the running mean and sample
 * standard deviation of those distances, the largest p' + 2s' seen is remembered; once more than
 * `warm_start` values and `warm_start` errors have been seen, an error whose p' + 2s' falls below
 * `beta` times that maximum is a drift, below `alpha` times it a warning. Only errors (x = 1) move it.
 *
 * The distances' variance follows river's `stats.Var` (Welford, ddof 1) in the same order of
 * operations. As in river, a warning stays raised until an error lifts the level back above alpha.
 */
import type { DetectorSignal } from './types';

export const eddmDefaults = { warm_start: 30, alpha: 0.95, beta: 0.9 };
export type EddmParams = typeof eddmDefaults;

export interface EddmState {
  /** Values seen since the last reset. */
  n: number;
  /** Index (1-based, in `n`'s count) of the last error. */
  lastError: number;
  errors: number;
  /** Welford's accumulators of the distances between errors: count, mean, sum of squared deviations. */
  distN: number;
  distMean: number;
  distS: number;
  /** Largest p' + 2s' so far (-1 before the first). */
  p2sMax: number;
  drift: boolean;
  warning: boolean;
}

export const eddmInitial = (): EddmState => ({ n: 0, lastError: 0, errors: 0, distN: 0, distMean: 0, distS: 0, p2sMax: -1, drift: false, warning: false });

export function eddmUpdate(p: EddmParams, s: EddmState, x: number): DetectorSignal {
  if (s.drift) Object.assign(s, eddmInitial());
  s.n += 1;
  if (x === 1) {
    s.errors += 1;
    const d = s.n - s.lastError;
    const old = s.distMean;
    s.distN += 1;
    s.distMean += (1 / s.distN) * (d - s.distMean);
    s.distS += (d - old) * (d - s.distMean);
    if (s.n > p.warm_start) {
      const mean = s.distMean;
      const variance = s.distN > 1 ? s.distS / (s.distN - 1) : 0;
      const p2s = mean + 2 * Math.sqrt(variance);
      if (p2s > s.p2sMax) s.p2sMax = p2s;
      else if (s.errors > p.warm_start) {
        const level = p2s / s.p2sMax;
        if (level < p.beta) s.drift = true;
        else if (level < p.alpha) s.warning = true;
        else s.warning = false;
      }
    }
    s.lastError = s.n;
  }
  return { drift: s.drift, warning: s.warning };
}
