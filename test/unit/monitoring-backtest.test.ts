import { describe, expect, it } from 'vitest';
import { backtest, backtestSvg, parseStrategies, type Predictor, type Trainer } from '../../lib/monitoring/backtest';
import { parseMonitoringPolicy } from '../../lib/monitoring/policy';
import type { Table } from '../../lib/data/table';

/**
 * A stream whose concept flips at row 3000: label = x > 0 before, x <= 0 after. The trainer learns
 * which side of 0 is positive from the majority of its rows (a one-split stump), so a model trained
 * before the flip is wrong on almost every row after it.
 */
const n = 6000;
const flip = 3000;
let seed = 11;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const x = Float64Array.from({ length: n }, () => rand() * 2 - 1);
const labels = Uint8Array.from(x, (v, i) => ((i < flip ? v > 0 : v <= 0) ? 1 : 0));
const table: Table = { x };

/** What each training saw: its row count and the highest row index it could contain. */
const trainings: Array<{ rows: number; lastX: number }> = [];
const stump: Trainer = async (t, y) => {
  const xs = t.x as Float64Array;
  let agree = 0;
  for (let i = 0; i < xs.length; i++) if ((xs[i] > 0 ? 1 : 0) === y[i]) agree++;
  const positiveAbove = agree >= xs.length / 2;
  trainings.push({ rows: xs.length, lastX: xs[xs.length - 1] });
  return { predict: (q: Table) => Float64Array.from(q.x as Float64Array, (v) => ((v > 0) === positiveAbove ? 1 : 0)) } satisfies Predictor;
};

const monitoring = parseMonitoringPolicy({
  window: { every: '1h', predictions: 100 },
  triggers: [{ name: 'errors', when: { detector: 'ddm', series: 'error' }, cooldown: '2h', action: { type: 'retrain' } }],
});
const base = { model: 'flip', table, labels, train: stump, triggers: monitoring.triggers, windowRows: 100, warmup: 1000, trainRows: 1000, rowMs: 36_000, origin: 0 };

describe('backtest', () => {
  it('shows a trigger recovering from a concept flip that a never-retrained model does not survive', async () => {
    // Retraining on the last 150 revealed rows: right after the flip they are mostly of the new concept.
    const r = await backtest({ ...base, trainRows: 150, labelDelay: 0, strategies: [{ kind: 'never' }, { kind: 'periodic', every: 1000 }, { kind: 'policy' }] });
    const [never, periodic, policy] = r.strategies;
    expect(never.retrains).toBe(0);
    // Right before the flip, wrong after it: (3000 - 1000) of 5000 replayed rows.
    expect(never.accuracy).toBeCloseTo(0.4, 1);
    expect(periodic.retrainedAfter).toEqual([9, 19, 29, 39]);
    // DDM sees the error rate jump right after row 3000 (window 20) and the retrain fixes the model.
    expect(policy.retrainedAfter[0]).toBeGreaterThanOrEqual(20);
    expect(policy.retrainedAfter[0]).toBeLessThanOrEqual(21);
    expect(policy.accuracy).toBeGreaterThan(0.9);
    expect(policy.decisions.filter((d) => d.status === 'fired').map((d) => d.window)).toEqual(policy.retrainedAfter);
    expect(policy.windows[25].accuracy).toBe(1);
  });

  it('reveals labels only after the delay: a retrain never sees a label that has not arrived', async () => {
    trainings.length = 0;
    const r = await backtest({ ...base, labelDelay: 250, strategies: [{ kind: 'periodic', every: 1000 }] });
    // Retrains after windows 9, 19, ...: rows up to 2000 - 250 are labelled at the first one.
    expect(r.strategies[0].retrainedAfter[0]).toBe(9);
    expect(trainings[1].lastX).toBe(x[2000 - 250 - 1]);
    expect(trainings[1].rows).toBe(1000);
    // The first window sees no label of a replayed row yet.
    expect(r.strategies[0].windows[0].observedAccuracy).toBeNull();
    expect(r.strategies[0].windows[3].observedAccuracy).not.toBeNull();
  });

  it('draws every strategy in one SVG', async () => {
    const r = await backtest({ ...base, labelDelay: 0, strategies: [{ kind: 'never' }, { kind: 'policy' }] });
    const svg = backtestSvg(r);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('>policy</text>');
  });

  it('reads strategies and refuses what it does not know', () => {
    expect(parseStrategies('never, periodic:4800,policy')).toEqual([{ kind: 'never' }, { kind: 'periodic', every: 4800 }, { kind: 'policy' }]);
    expect(parseStrategies('periodic')).toEqual({ error: expect.stringMatching(/"periodic" is not a strategy/) });
    expect(parseStrategies('')).toEqual({ error: expect.stringMatching(/no strategy/) });
  });
});
