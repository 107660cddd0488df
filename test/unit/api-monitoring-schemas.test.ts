/**
 * The control API sends a stored monitor window as it is: its response schema (which the OpenAPI
 * document publishes) accepts a full window, drift report, realised and estimated performance and
 * groups included, and drops none of its fields.
 */
import { describe, expect, it } from 'vitest';
import { windowResultSchema } from '../../api/routes/monitoring';
import { createRng } from '../../lib/core/random';
import { ProfileBuilder } from '../../lib/drift/profile';
import { calibrationCurve } from '../../lib/metrics/classification';
import { computeWindow, type WindowRow } from '../../lib/monitoring/compute';

function rows(n: number, seed: number, shift = 0): WindowRow[] {
  const g = createRng(seed);
  return Array.from({ length: n }, () => {
    const x = g.next() * 10 + shift;
    const colour = g.next() < (shift > 0 ? 0.8 : 0.3) ? 'red' : 'blue';
    const score = Math.min(0.99, Math.max(0.01, x / 10));
    return { mode: 'serve', version: 1, latencyMs: 2 + g.next() * 8, score, error: null, inputs: { x, colour }, label: g.next() < score ? 'yes' : 'no' };
  });
}

describe('the API schema of a monitor window', () => {
  it('carries a full window (drift, performance, estimate, groups) without dropping a field', () => {
    const base = rows(1000, 1);
    const builder = new ProfileBuilder();
    builder.add({
      firstRow: 1,
      rows: base.length,
      columns: [
        { name: 'x', type: 'numeric', values: Float64Array.from(base, (r) => r.inputs.x as number) },
        { name: 'colour', type: 'categorical', codes: Int32Array.from(base, (r) => (r.inputs.colour === 'red' ? 0 : 1)), dictionary: ['red', 'blue'] },
      ],
    });
    const calibration = calibrationCurve(Uint8Array.from(base, (r) => (r.label === 'yes' ? 1 : 0)), Float64Array.from(base, (r) => r.score!), 10);
    const window = computeWindow({
      model: 'm',
      index: 3,
      start: '2026-01-01T00:00:00Z',
      end: '2026-01-01T01:00:00Z',
      version: 1,
      rows: rows(400, 2, 3),
      reference: builder.finish(),
      calibration,
      positiveLabel: 'yes',
      groupColumns: ['colour'],
    });
    expect(window.featureDrift?.dataset.drifted).toBe(true);
    expect(window.performance?.groups.colour.length).toBe(2);
    // What the database returns (jsonb) and the API sends: JSON.
    const stored = JSON.parse(JSON.stringify(window)) as unknown;
    const parsed = windowResultSchema.safeParse(stored);
    expect(parsed.success, parsed.error?.message).toBe(true);
    expect(parsed.data).toEqual(stored);
  });
});
