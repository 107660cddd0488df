/**
 * What every streaming change detector shares: one value in, a drift and a warning flag out, and a
 * state that is plain JSON (numbers, booleans, arrays, `null` for "not yet seen"), so a monitor can
 * carry a detector across Continue-As-New and restore it bit for bit.
 */

/** The detectors, by the names the CLI and the policy use. */
export const detectorNames = ['ddm', 'eddm', 'adwin', 'page-hinkley'] as const;
export type DetectorName = (typeof detectorNames)[number];

/** What one update reports, with river's meaning: after this value, is a drift (or a warning) detected? */
export interface DetectorSignal {
  drift: boolean;
  warning: boolean;
}

/**
 * A detector's parameters by river's names (`warm_start`, `delta`, ...). Numbers, except Page-Hinkley's
 * `mode` (`both`, `up`, `down`).
 */
export type DetectorParams = Record<string, number | string>;

/** A running detector. */
export interface Detector {
  readonly name: DetectorName;
  /** The parameters in force, defaults filled in. */
  readonly params: Readonly<DetectorParams>;
  /** Feeds one value (for DDM and EDDM: 1 = error, 0 = correct). */
  update(x: number): DetectorSignal;
  /** A JSON-safe copy of the state; `restoreDetector(name, params, state)` continues from it. */
  readonly state: unknown;
}
