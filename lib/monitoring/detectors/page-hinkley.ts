/**
 * The Page-Hinkley test (Page, 1954) with river 0.26's definitions: with x̄ the running mean, the
 * cumulative sums m⁺ = alpha·m⁺ + (x - x̄) - delta and m⁻ = alpha·m⁻ + (x - x̄) + delta are kept with
 * their extremes (min of m⁺, max of m⁻); after `min_instances` values a rise (m⁺ - min m⁺) or a fall
 * (max m⁻ - m⁻) above `threshold` is a drift, depending on `mode` (`both`, `up`, `down`). No warnings.
 */
import type { DetectorSignal } from './types';

export const pageHinkleyModes = ['both', 'up', 'down'] as const;
export type PageHinkleyMode = (typeof pageHinkleyModes)[number];
export const pageHinkleyDefaults = { min_instances: 30, delta: 0.005, threshold: 50.0, alpha: 1 - 0.0001, mode: 'both' as PageHinkleyMode };
export type PageHinkleyParams = typeof pageHinkleyDefaults;

export interface PageHinkleyState {
  n: number;
  mean: number;
  sumIncrease: number;
  sumDecrease: number;
  /** null until the first value (river: inf). */
  minIncrease: number | null;
  maxDecrease: number;
  drift: boolean;
}

export const pageHinkleyInitial = (): PageHinkleyState => ({ n: 0, mean: 0, sumIncrease: 0, sumDecrease: 0, minIncrease: null, maxDecrease: -1, drift: false });

export function pageHinkleyUpdate(p: PageHinkleyParams, s: PageHinkleyState, x: number): DetectorSignal {
  if (s.drift) Object.assign(s, pageHinkleyInitial());
  s.n += 1;
  s.mean += (1 / s.n) * (x - s.mean);
  const dev = x - s.mean;
  s.sumIncrease = p.alpha * s.sumIncrease + dev - p.delta;
  s.sumDecrease = p.alpha * s.sumDecrease + dev + p.delta;
  if (s.minIncrease === null || s.sumIncrease < s.minIncrease) s.minIncrease = s.sumIncrease;
  if (s.sumDecrease > s.maxDecrease) s.maxDecrease = s.sumDecrease;
  if (s.n >= p.min_instances) {
    const up = s.sumIncrease - s.minIncrease > p.threshold;
    const down = s.maxDecrease - s.sumDecrease > p.threshold;
    s.drift = p.mode === 'up' ? up : p.mode === 'down' ? down : up || down;
  }
  return { drift: s.drift, warning: false };
}
