/**
 * ADWIN, adaptive windowing (Bifet and Gavaldà, SDM 2007), with river 0.26's definitions: the window
 * is kept as an exponential histogram (row i holds up to `max_buckets` + 1 buckets of 2^i values,
 * each with its total and its variance, Babcock et al. 2003); every `clock` values, once the window
 * is longer than `grace_period`, each cut into an older part W0 and a newer part W1 (both at least
 * `min_window_length` long) is tested with
 *
 *   |mean(W0) - mean(W1)| > sqrt(2 m σ² δ') + (2/3) δ' m,   m = 1/(n0 - L + 1) + 1/(n1 - L + 1),
 *   δ' = ln(2 ln(width) / delta),
 *
 * and the oldest bucket is dropped while some cut holds. That is a drift; as river's `ADWIN` does, the
 * next value then starts a fresh window. The order of floating-point operations follows river's so
 * the same stream gives the same change points.
 */
import type { DetectorSignal } from './types';

export const adwinDefaults = { delta: 0.002, clock: 32, max_buckets: 5, min_window_length: 5, grace_period: 10 };
export type AdwinParams = typeof adwinDefaults;

/** One row of the histogram: the totals and variances of its buckets, oldest first, each of 2^row values. */
export interface AdwinRow {
  totals: number[];
  variances: number[];
}

export interface AdwinState {
  total: number;
  variance: number;
  width: number;
  tick: number;
  detections: number;
  rows: AdwinRow[];
  drift: boolean;
}

export const adwinInitial = (): AdwinState => ({ total: 0, variance: 0, width: 0, tick: 0, detections: 0, rows: [{ totals: [], variances: [] }], drift: false });

const size = (row: number): number => 2 ** row;

function insert(p: AdwinParams, s: AdwinState, value: number): void {
  s.rows[0].totals.push(value);
  s.rows[0].variances.push(0);
  s.width += 1;
  let incremental = 0;
  if (s.width > 1) {
    const d = value - s.total / (s.width - 1);
    incremental = ((s.width - 1) * d * d) / s.width;
  }
  s.variance += incremental;
  s.total += value;
  // Merge the two oldest buckets of a full row into one bucket of the next row, cascading up.
  for (let i = 0; s.rows[i].totals.length === p.max_buckets + 1; i++) {
    const row = s.rows[i];
    const n = size(i);
    const mu1 = row.totals[0] / n;
    const mu2 = row.totals[1] / n;
    const total12 = row.totals[0] + row.totals[1];
    const v12 = row.variances[0] + row.variances[1] + n * 0.5 * (mu1 - mu2) * (mu1 - mu2);
    if (i + 1 === s.rows.length) s.rows.push({ totals: [], variances: [] });
    s.rows[i + 1].totals.push(total12);
    s.rows[i + 1].variances.push(v12);
    row.totals.splice(0, 2);
    row.variances.splice(0, 2);
    if (s.rows[i + 1].totals.length <= p.max_buckets) break;
  }
}

/** Drops the oldest bucket (the first of the last row). */
function dropOldest(s: AdwinState): void {
  const last = s.rows.length - 1;
  const n = size(last);
  const u = s.rows[last].totals[0];
  const v = s.rows[last].variances[0];
  const mu = u / n;
  s.width -= n;
  s.total -= u;
  const muWindow = s.total / s.width;
  s.variance -= v + (n * s.width * (mu - muWindow) * (mu - muWindow)) / (n + s.width);
  s.rows[last].totals.shift();
  s.rows[last].variances.shift();
  if (s.rows[last].totals.length === 0) s.rows.pop();
}

function cutHolds(p: AdwinParams, s: AdwinState, n0: number, n1: number, deltaMean: number): boolean {
  const deltaPrime = Math.log((2 * Math.log(s.width)) / p.delta);
  const m = 1 / (n0 - p.min_window_length + 1) + 1 / (n1 - p.min_window_length + 1);
  const epsilon = Math.sqrt(2 * m * (s.variance / s.width) * deltaPrime) + (2 / 3) * deltaPrime * m;
  return Math.abs(deltaMean) > epsilon;
}

function detectChange(p: AdwinParams, s: AdwinState): boolean {
  let change = false;
  s.tick += 1;
  if (s.tick % p.clock === 0 && s.width > p.grace_period) {
    let again = true;
    while (again) {
      again = false;
      let n0 = 0;
      let n1 = s.width;
      let u0 = 0;
      let u1 = s.total;
      // Cuts from the oldest bucket to the newest; the cut after the newest bucket leaves W1 empty.
      scan: for (let i = s.rows.length - 1; i >= 0; i--) {
        const row = s.rows[i];
        const bucketSize = size(i);
        const count = row.totals.length;
        for (let k = 0; k < count; k++) {
          n0 += bucketSize;
          n1 -= bucketSize;
          u0 += row.totals[k];
          u1 -= row.totals[k];
          if (i === 0 && k === count - 1) break scan;
          const deltaMean = u0 / n0 - u1 / n1;
          if (n1 >= p.min_window_length && n0 >= p.min_window_length && cutHolds(p, s, n0, n1, deltaMean)) {
            again = true;
            change = true;
            if (s.width > 0) {
              dropOldest(s);
              break scan;
            }
          }
        }
      }
    }
  }
  if (change) s.detections += 1;
  return change;
}

export function adwinUpdate(p: AdwinParams, s: AdwinState, x: number): DetectorSignal {
  if (s.drift) Object.assign(s, adwinInitial());
  insert(p, s, x);
  s.drift = detectChange(p, s);
  return { drift: s.drift, warning: false };
}
