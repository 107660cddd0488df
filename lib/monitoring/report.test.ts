import { describe, expect, it } from 'vitest';
import { evaluateTriggers } from './default-triggers';
import { formatWindowTable, renderMonitorHtml } from './report';
import { summarize } from './summary';
import type { WindowResult } from './window';

function result(index: number, o: { drifted?: boolean; accuracy?: number; labelled?: number } = {}): WindowResult {
  const start = new Date(Date.UTC(2026, 11, 1, index)).toISOString();
  const end = new Date(Date.UTC(2026, 11, 1, index + 1)).toISOString();
  return {
    model: 'm',
    index,
    start,
    end,
    version: 3,
    counts: { predictions: 120, served: 100, errors: 1, labelled: o.labelled ?? 0 },
    volume: 100,
    errorRate: 0.01,
    latency: { p50Ms: 2, p99Ms: 9.5 },
    breaches: [],
    featureDrift: {
      columns: [{ column: 'age', type: 'integer', kind: 'numeric', test: 'wasserstein', statistic: o.drifted ? 0.4 : 0.01, threshold: 0.1, drifted: !!o.drifted, detail: { referenceCount: 1, currentCount: 1, referenceMissing: 0, currentMissing: 0, approximate: false } }],
      dataset: { testedColumns: 1, driftedColumns: o.drifted ? 1 : 0, share: o.drifted ? 1 : 0, threshold: 0.5, drifted: !!o.drifted },
      correction: 'none',
      referenceRows: 1000,
      currentRows: 100,
    },
    predictionDrift: { psi: 0.05, threshold: 0.2, drifted: false },
    performance: o.accuracy === undefined ? null : { labelled: o.labelled ?? 50, positives: 10, accuracy: { value: o.accuracy, lower: o.accuracy - 0.05, upper: o.accuracy + 0.05 }, rocAuc: null, ece: null, brier: null, groups: {}, slices: [] },
    estimated: { method: 'cbpe', calibration: 'reference', accuracy: 0.81, rocAuc: 0.85, n: 100 },
    notes: [],
  };
}

describe('monitor report', () => {
  it('tabulates windows with realised accuracy and its interval beside the estimate, and flags drift', () => {
    const table = formatWindowTable([result(0, { accuracy: 0.8, labelled: 50 }), result(1, { drifted: true })]);
    const [header, first, second] = table.split('\n');
    expect(header).toMatch(/^window\s+start \(UTC\)\s+v\s+volume/);
    expect(first).toMatch(/80\.0% \[75\.0%, 85\.0%\]\s+81\.0%/);
    expect(second).toMatch(/feature drift \(age\)$/);
  });

  it('draws a self-contained HTML report with one chart per series and no scripts', () => {
    const html = renderMonitorHtml('m', [result(0, { accuracy: 0.8 }), result(1, { drifted: true }), result(2)], new Date('2026-12-02T00:00:00Z'));
    expect(html.match(/<svg /g)).toHaveLength(6);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    // A window without labels breaks the realised-accuracy line instead of drawing it at zero.
    expect(html).toContain('realised window 0: 80%');
    expect(html).not.toContain('realised window 1');
  });
});

describe('built-in triggers (the extension point)', () => {
  it('fire after the hysteresis and not again within the cooldown, carrying their state as JSON', () => {
    const windows = [0, 1, 2, 3, 4, 5].map((i) => summarize(result(i, { drifted: i >= 1 })));
    let state: unknown;
    const fired: number[] = [];
    for (let i = 0; i < windows.length; i++) {
      const out = evaluateTriggers(windows.slice(0, i + 1), JSON.parse(JSON.stringify(state ?? null)), { hysteresis: 2, cooldown: 3 });
      state = out.state;
      fired.push(...out.fired.map((f) => f.window));
    }
    expect(fired).toEqual([2, 5]);
  });
});
