/**
 * Streaming change detectors with river 0.26's definitions and defaults (DDM, EDDM, ADWIN,
 * Page-Hinkley), so a stream gives the same change points here as in river, the reference users
 * know. Parameters keep river's names (`warm_start`, `delta`, `min_window_length`, ...); a detector's
 * state is plain JSON, so a long-running monitor can carry it across Continue-As-New.
 *
 * Pure and deterministic: no clock, no randomness, no I/O (safe to call from workflow code).
 *
 * @example
 *   const ddm = createDetector('ddm');
 *   errors.forEach((e, i) => { if (ddm.update(e).drift) console.log('drift at', i); });
 *   const again = restoreDetector('ddm', ddm.params, JSON.parse(JSON.stringify(ddm.state)));
 */
import { StewardError } from '../../core/errors';
import { closest } from '../../core/text';
import { adwinDefaults, adwinInitial, adwinUpdate, type AdwinState } from './adwin';
import { ddmDefaults, ddmInitial, ddmUpdate, type DdmState } from './ddm';
import { eddmDefaults, eddmInitial, eddmUpdate, type EddmState } from './eddm';
import { pageHinkleyDefaults, pageHinkleyInitial, pageHinkleyModes, pageHinkleyUpdate, type PageHinkleyState } from './page-hinkley';
import { detectorNames, type Detector, type DetectorName, type DetectorParams, type DetectorSignal } from './types';

export { detectorNames, type Detector, type DetectorName, type DetectorParams, type DetectorSignal } from './types';

interface Definition {
  defaults: DetectorParams;
  /** Checks the parameters as a whole (beyond each one's type); returns a problem or undefined. */
  check(p: DetectorParams): { field: string; message: string } | undefined;
  initial(): object;
  update(p: DetectorParams, s: object, x: number): DetectorSignal;
  /** Whether the input must be 0 or 1 (an error indicator). */
  binary: boolean;
  /** Parameters that are whole numbers. */
  integers: readonly string[];
}

const positive = (p: DetectorParams, names: string[]) => {
  for (const n of names) if (!((p[n] as number) > 0)) return { field: n, message: `must be greater than 0, got ${p[n]}` };
  return undefined;
};
const atLeast = (p: DetectorParams, min: number, names: string[]) => {
  for (const n of names) if (!((p[n] as number) >= min)) return { field: n, message: `must be at least ${min}, got ${p[n]}` };
  return undefined;
};

const between = (p: DetectorParams, name: string) => (!((p[name] as number) > 0 && (p[name] as number) < 1) ? { field: name, message: `must be between 0 and 1, got ${p[name]}` } : undefined);

const definitions: Record<DetectorName, Definition> = {
  ddm: {
    defaults: ddmDefaults,
    binary: true,
    integers: ['warm_start'],
    check: (p) =>
      atLeast(p, 0, ['warm_start']) ??
      positive(p, ['warning_threshold', 'drift_threshold']) ??
      ((p.drift_threshold as number) < (p.warning_threshold as number) ? { field: 'drift_threshold', message: `must be at least warning_threshold (${p.warning_threshold}), got ${p.drift_threshold}` } : undefined),
    initial: ddmInitial,
    update: (p, s, x) => ddmUpdate(p as typeof ddmDefaults, s as DdmState, x),
  },
  eddm: {
    defaults: eddmDefaults,
    binary: true,
    integers: ['warm_start'],
    check: (p) =>
      atLeast(p, 0, ['warm_start']) ??
      between(p, 'alpha') ??
      between(p, 'beta') ??
      ((p.alpha as number) < (p.beta as number) ? { field: 'alpha', message: `must be at least beta (${p.beta}), got ${p.alpha}` } : undefined),
    initial: eddmInitial,
    update: (p, s, x) => eddmUpdate(p as typeof eddmDefaults, s as EddmState, x),
  },
  adwin: {
    defaults: adwinDefaults,
    binary: false,
    integers: ['clock', 'max_buckets', 'min_window_length', 'grace_period'],
    check: (p) =>
      between(p, 'delta') ??
      atLeast(p, 1, ['clock', 'max_buckets', 'min_window_length']) ??
      atLeast(p, 0, ['grace_period']),
    initial: adwinInitial,
    update: (p, s, x) => adwinUpdate(p as typeof adwinDefaults, s as AdwinState, x),
  },
  'page-hinkley': {
    defaults: pageHinkleyDefaults,
    binary: false,
    integers: ['min_instances'],
    check: (p) =>
      atLeast(p, 1, ['min_instances']) ??
      atLeast(p, 0, ['delta']) ??
      positive(p, ['threshold']) ??
      (!((p.alpha as number) > 0 && (p.alpha as number) <= 1) ? { field: 'alpha', message: `must be in (0, 1], got ${p.alpha}` } : undefined),
    initial: pageHinkleyInitial,
    update: (p, s, x) => pageHinkleyUpdate(p as typeof pageHinkleyDefaults, s as PageHinkleyState, x),
  },
};

/** A deep copy through JSON: states are JSON by contract, and workflow sandboxes lack `structuredClone`. */
const jsonCopy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const invalid = (message: string, field: string) => new StewardError('InvalidInput', message, { field });

function definition(name: string): Definition {
  if (!Object.hasOwn(definitions, name)) {
    const guess = closest(name, [...detectorNames]);
    throw invalid(`unknown detector "${name}"${guess ? `; did you mean ${guess}?` : ''} (detectors: ${detectorNames.join(', ')})`, 'detector');
  }
  return definitions[name as DetectorName];
}

/** The parameters a detector takes, with their defaults (river 0.26's). */
export function detectorDefaults(name: DetectorName): Readonly<DetectorParams> {
  return { ...definition(name).defaults };
}

/** Whether a detector reads an error indicator (0 or 1) rather than any number. */
export function isBinaryDetector(name: DetectorName): boolean {
  return definition(name).binary;
}

/**
 * The parameters filled in with the defaults and checked: an unknown name (with the nearest known
 * one), a value of the wrong kind or out of range is `InvalidInput` naming the parameter.
 */
export function resolveDetectorParams(name: DetectorName, params: DetectorParams = {}): DetectorParams {
  const def = definition(name);
  const known = Object.keys(def.defaults);
  const resolved: DetectorParams = { ...def.defaults };
  for (const [key, value] of Object.entries(params)) {
    if (!known.includes(key)) {
      const guess = closest(key, known);
      throw invalid(`${name} has no parameter "${key}"${guess ? `; did you mean ${guess}?` : ''} (parameters: ${known.join(', ')})`, key);
    }
    if (key === 'mode') {
      if (!(pageHinkleyModes as readonly unknown[]).includes(value)) throw invalid(`must be one of ${pageHinkleyModes.join(', ')}, got "${value}"`, key);
    } else if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`must be a finite number, got ${JSON.stringify(value)}`, key);
    else if (def.integers.includes(key) && !Number.isInteger(value)) throw invalid(`must be a whole number, got ${value}`, key);
    resolved[key] = value;
  }
  const problem = def.check(resolved);
  if (problem) throw invalid(`${name}: ${problem.message}`, problem.field);
  return resolved;
}

function build(name: DetectorName, params: DetectorParams, state: object): Detector {
  const def = definition(name);
  return {
    name,
    params,
    update(x: number): DetectorSignal {
      if (!Number.isFinite(x)) throw invalid(`${name} needs finite numbers, got ${x}`, 'x');
      if (def.binary && x !== 0 && x !== 1) throw invalid(`${name} reads an error indicator (1 = error, 0 = correct), got ${x}`, 'x');
      return def.update(params, state, x);
    },
    get state() {
      return jsonCopy(state);
    },
  };
}

/**
 * A new detector; `params` by river's names, unspecified ones at river's defaults.
 *
 * @example createDetector('adwin', { delta: 0.01 }).update(0.3) // { drift: false, warning: false }
 */
export function createDetector(name: DetectorName, params: DetectorParams = {}): Detector {
  const resolved = resolveDetectorParams(name, params);
  return build(name, resolved, definition(name).initial());
}

/**
 * A detector continuing from a state taken from `detector.state` (after a JSON round trip). A state
 * that is not one of this detector's is `InvalidInput`.
 *
 * @example const next = restoreDetector('ddm', {}, saved); next.update(1);
 */
export function restoreDetector(name: DetectorName, params: DetectorParams, state: unknown): Detector {
  const resolved = resolveDetectorParams(name, params);
  const fresh = definition(name).initial() as Record<string, unknown>;
  if (typeof state !== 'object' || state === null || Array.isArray(state)) throw invalid(`a ${name} state is an object, got ${JSON.stringify(state)?.slice(0, 60)}`, 'state');
  const s = state as Record<string, unknown>;
  for (const key of Object.keys(fresh)) {
    const want = fresh[key];
    const got = s[key];
    const ok = want === null || got === null ? got === null || typeof got === 'number' : Array.isArray(want) ? Array.isArray(got) : typeof got === typeof want;
    if (!ok) throw invalid(`not a ${name} state: "${key}" is ${JSON.stringify(got)}`, `state.${key}`);
  }
  const extra = Object.keys(s).find((k) => !(k in fresh));
  if (extra !== undefined) throw invalid(`not a ${name} state: unexpected "${extra}"`, `state.${extra}`);
  return build(name, resolved, jsonCopy(s));
}
