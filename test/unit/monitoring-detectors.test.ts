import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDetector, detectorDefaults, restoreDetector, type DetectorName, type DetectorParams } from '../../lib/monitoring/detectors';

/** Streams and river 0.26.1's change points, recorded by test/support/river/record_detectors.py. */
interface RiverCase {
  kind: 'doctest' | 'random';
  detector: DetectorName;
  params: DetectorParams;
  stream: number[];
  drifts: number[];
  warnings: number[];
}
const reference = JSON.parse(readFileSync(join(import.meta.dirname, '../support/river/detectors.json'), 'utf8')) as { river: string; cases: RiverCase[] };
const doctest = (name: DetectorName) => reference.cases.find((c) => c.kind === 'doctest' && c.detector === name) as RiverCase;

function run(name: DetectorName, params: DetectorParams, stream: number[]) {
  const detector = createDetector(name, params);
  const drifts: number[] = [];
  const warnings: number[] = [];
  stream.forEach((x, i) => {
    const { drift, warning } = detector.update(x);
    if (drift) drifts.push(i);
    if (warning) warnings.push(i);
  });
  return { drifts, warnings };
}

/** What river's DDM/EDDM doctests print: the first warning after the start or after each drift, and every drift. */
function doctestLines(name: DetectorName, params: DetectorParams, stream: number[]): string[] {
  const detector = createDetector(name, params);
  const lines: string[] = [];
  let printWarning = true;
  stream.forEach((x, i) => {
    const { drift, warning } = detector.update(x);
    if (warning && printWarning) {
      lines.push(`Warning detected at index ${i}`);
      printWarning = false;
    }
    if (drift) {
      lines.push(`Change detected at index ${i}`);
      printWarning = true;
    }
  });
  return lines;
}

describe("river's doctests", () => {
  it('DDM warns at 1084, detects the change at 1334 and warns again at 1492', () => {
    const c = doctest('ddm');
    expect(doctestLines('ddm', {}, c.stream)).toEqual(['Warning detected at index 1084', 'Change detected at index 1334', 'Warning detected at index 1492']);
  });

  it('EDDM (alpha 0.8, beta 0.75) warns at 1059 and detects the change at 1278', () => {
    const c = doctest('eddm');
    expect(doctestLines('eddm', { alpha: 0.8, beta: 0.75 }, c.stream)).toEqual(['Warning detected at index 1059', 'Change detected at index 1278']);
  });

  it('ADWIN detects the change at index 1023 (input value 4)', () => {
    const c = doctest('adwin');
    const { drifts } = run('adwin', {}, c.stream);
    expect(drifts).toEqual([1023]);
    expect(c.stream[1023]).toBe(4);
  });

  it('Page-Hinkley detects the change at index 1006 (input value 5)', () => {
    const c = doctest('page-hinkley');
    const { drifts } = run('page-hinkley', {}, c.stream);
    expect(drifts).toEqual([1006]);
    expect(c.stream[1006]).toBe(5);
  });
});

describe('same change points as river on recorded random streams', () => {
  it('covers every detector with default and non-default parameters', () => {
    const random = reference.cases.filter((c) => c.kind === 'random');
    for (const name of ['ddm', 'eddm', 'adwin', 'page-hinkley'] as const) {
      const mine = random.filter((c) => c.detector === name);
      expect(mine.some((c) => Object.keys(c.params).length === 0)).toBe(true);
      expect(mine.some((c) => Object.keys(c.params).length > 0)).toBe(true);
      expect(mine.reduce((n, c) => n + c.drifts.length, 0)).toBeGreaterThan(3);
    }
  });

  for (const [i, c] of reference.cases.entries()) {
    if (c.kind !== 'random') continue;
    it(`${c.detector} ${JSON.stringify(c.params)} on stream #${i} (${c.stream.length} values)`, () => {
      expect(run(c.detector, c.params, c.stream)).toEqual({ drifts: c.drifts, warnings: c.warnings });
    });
  }
});

describe('detector state', () => {
  it('carries a detector across a JSON round trip without changing a single change point', () => {
    for (const c of reference.cases) {
      const whole = run(c.detector, c.params, c.stream);
      let detector = createDetector(c.detector, c.params);
      const drifts: number[] = [];
      const warnings: number[] = [];
      c.stream.forEach((x, i) => {
        // Restore every 97 values, as a monitor does at Continue-As-New.
        if (i % 97 === 0) detector = restoreDetector(c.detector, c.params, JSON.parse(JSON.stringify(detector.state)));
        const { drift, warning } = detector.update(x);
        if (drift) drifts.push(i);
        if (warning) warnings.push(i);
      });
      expect({ drifts, warnings }).toEqual(whole);
    }
  });

  it('refuses a state that belongs to another detector', () => {
    const ddm = createDetector('ddm');
    ddm.update(1);
    expect(() => restoreDetector('adwin', {}, ddm.state)).toThrow(/not a adwin state/);
    expect(() => restoreDetector('ddm', {}, 'nope')).toThrow(/state is an object/);
  });

  it('hands out a copy: changing it does not change the detector', () => {
    const ph = createDetector('page-hinkley');
    ph.update(3);
    const s = ph.state as { n: number };
    s.n = 1000;
    expect((ph.state as { n: number }).n).toBe(1);
  });
});

describe('parameters', () => {
  it("defaults are river 0.26's", () => {
    expect(detectorDefaults('ddm')).toEqual({ warm_start: 30, warning_threshold: 2, drift_threshold: 3 });
    expect(detectorDefaults('eddm')).toEqual({ warm_start: 30, alpha: 0.95, beta: 0.9 });
    expect(detectorDefaults('adwin')).toEqual({ delta: 0.002, clock: 32, max_buckets: 5, min_window_length: 5, grace_period: 10 });
    expect(detectorDefaults('page-hinkley')).toEqual({ min_instances: 30, delta: 0.005, threshold: 50, alpha: 1 - 0.0001, mode: 'both' });
  });

  it('refuses an unknown parameter and names the nearest one', () => {
    expect(() => createDetector('adwin', { detla: 0.1 })).toThrow(/adwin has no parameter "detla"; did you mean delta\?/);
    expect(() => createDetector('page-hinkley', { mode: 'sideways' })).toThrow(/must be one of both, up, down/);
  });

  it('refuses values out of range or of the wrong kind', () => {
    expect(() => createDetector('eddm', { alpha: 0.5, beta: 0.9 })).toThrow(/alpha.*must be at least beta/);
    expect(() => createDetector('adwin', { clock: 2.5 })).toThrow(/whole number/);
    expect(() => createDetector('ddm', { warning_threshold: -1 })).toThrow(/greater than 0/);
    expect(() => createDetector('nope' as DetectorName)).toThrow(/unknown detector "nope"/);
  });

  it('DDM and EDDM read an error indicator only', () => {
    expect(() => createDetector('ddm').update(0.5)).toThrow(/error indicator/);
    expect(() => createDetector('adwin').update(Number.NaN)).toThrow(/finite/);
  });
});
