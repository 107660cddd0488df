/**
 * DDM, the Drift Detection Method (Gama et al., SBIA 2004), with river 0.26's definitions: the error
 * rate p and its Bernoulli standard deviation s = sqrt(p(1-p)/n) are tracked; after `warm_start`
 * values, the point where p + s was lowest is remembered (p_min, s_min), and a warning (drift) is
 * signalled while p + s > p_min + warning_threshold * s_min (drift_threshold * s_min). After a drift
 * the next value starts from scratch.
 *
 * The running mean is updated as river's `stats.Mean` does (mean += (1/n)(x - mean)), in the same
 * order of operations, so the same stream crosses the thresholds at the same index.
 */
import type { DetectorSignal } from './types';

export const ddmDefaults = { warm_start: 30, warning_threshold: 2.0, drift_threshold: 3.0 };
export type DdmParams = typeof ddmDefaults;

export interface DdmState {
  n: number;
  mean: number;
  /** null until the warm start is over (river: None / inf). */
  pMin: number | null;
  sMin: number | null;
  psMin: number | null;
  drift: boolean;
  warning: boolean;
}

export const ddmInitial = (): DdmState => ({ n: 0, mean: 0, pMin: null, sMin: null, psMin: null, drift: false, warning: false });

/** One update of DDM; mutates and returns nothing but the signal. */
export function ddmUpdate(p: DdmParams, s: DdmState, x: number): DetectorSignal {
  if (s.drift) Object.assign(s, ddmInitial());
  s.n += 1;
  s.mean += (1 / s.n) * (x - s.mean);
  const pi = s.mean;
  const si = Math.sqrt((pi * (1 - pi)) / s.n);
  if (s.n > p.warm_start) {
    if (s.psMin === null || pi + si <= s.psMin) {
      s.pMin = pi;
      s.sMin = si;
      s.psMin = s.pMin + s.sMin;
    }
    const pMin = s.pMin as number;
    const sMin = s.sMin as number;
    s.warning = pi + si > pMin + p.warning_threshold * sMin;
    if (pi + si > pMin + p.drift_threshold * sMin) {
      s.drift = true;
      s.warning = false;
    }
  }
  return { drift: s.drift, warning: s.warning };
}
