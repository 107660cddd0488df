import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../lib/runtime/paths';
import { createDetector } from '../../lib/monitoring/detectors';
import { parseMonitoringPolicy, type MonitoringPolicyInput } from '../../lib/monitoring/policy';
import { evaluateTriggers, initialTriggerState, type TriggerDecision, type TriggerState, type TriggerWindow } from '../../lib/monitoring/triggers';
import type { WindowResult } from '../../lib/monitoring/window';
import { parsePolicy, policyHash } from '../../lib/policy/schema';

const HOUR = 3_600_000;
const origin = Date.parse('2026-11-01T00:00:00Z');

/** Window `index` (one hour each) with the given accuracy (null: no labels yet) and error rate. */
function window(index: number, over: { accuracy?: number | null; errorRate?: number; p99?: number } = {}): WindowResult {
  const accuracy = over.accuracy === undefined ? 0.9 : over.accuracy;
  return {
    model: 'elec2',
    index,
    start: new Date(origin + index * HOUR).toISOString(),
    end: new Date(origin + (index + 1) * HOUR).toISOString(),
    version: 1,
    counts: { predictions: 100, served: 100, errors: Math.round((over.errorRate ?? 0) * 100), labelled: accuracy === null ? 0 : 100 },
    volume: 100,
    errorRate: over.errorRate ?? 0,
    latency: { p50Ms: 2, p99Ms: over.p99 ?? 8 },
    breaches: [],
    featureDrift: null,
    predictionDrift: null,
    performance: accuracy === null ? null : { labelled: 100, positives: 40, accuracy: { value: accuracy, lower: accuracy - 0.05, upper: accuracy + 0.05 }, rocAuc: null, ece: null, brier: null, groups: {} },
    estimated: null,
    notes: [],
  };
}

/** Runs windows through the triggers, carrying the state through JSON as a workflow would; returns every decision. */
function replay(policy: MonitoringPolicyInput, windows: TriggerWindow[], start: TriggerState = initialTriggerState()): { decisions: TriggerDecision[]; state: TriggerState } {
  const { triggers } = parseMonitoringPolicy(policy);
  let state = start;
  const decisions: TriggerDecision[] = [];
  for (const w of windows) {
    const out = evaluateTriggers(triggers, w, state);
    decisions.push(...out.decisions);
    state = JSON.parse(JSON.stringify(out.state));
  }
  return { decisions, state };
}

const accuracyDrop = (over: Record<string, unknown> = {}): MonitoringPolicyInput => ({
  triggers: [{ name: 'accuracy-drop', when: { metric: 'accuracy', op: '<', value: 0.8 }, action: { type: 'retrain' }, ...over }],
});
const at = (decisions: TriggerDecision[], status = 'fired') => decisions.filter((d) => d.status === status).map((d) => d.window.index);

describe('trigger hysteresis', () => {
  it('fires only once the condition has held for `for` windows in a row', () => {
    const acc = [0.9, 0.7, 0.9, 0.7, 0.7, 0.9, 0.7, 0.7, 0.7];
    const { decisions } = replay(accuracyDrop({ for: 2 }), acc.map((a, i) => ({ result: window(i, { accuracy: a }) })));
    // 1 alone does not count; 3-4 is two in a row; 6-7 again; 8 starts a new streak after acting.
    expect(at(decisions)).toEqual([4, 7]);
    expect(decisions[0].evidence[0]).toMatchObject({ holds: true, value: 0.7 });
    expect(decisions[0]).toMatchObject({ trigger: 'accuracy-drop', streak: 2, for: 2, action: { type: 'retrain' } });
  });

  it('skips windows it cannot judge (no labels yet) without breaking the streak', () => {
    const acc = [0.7, null, null, 0.7];
    const { decisions } = replay(accuracyDrop({ for: 2 }), acc.map((a, i) => ({ result: window(i, { accuracy: a }) })));
    expect(at(decisions)).toEqual([3]);
  });
});

describe('cooldown and maximum actions', () => {
  it('holds a due trigger back while it cools down, records that, and acts once the cooldown is over', () => {
    const { decisions } = replay(accuracyDrop({ cooldown: '3h' }), [0, 1, 2, 3, 4].map((i) => ({ result: window(i, { accuracy: 0.5 }) })));
    expect(at(decisions)).toEqual([0, 3]);
    expect(at(decisions, 'suppressed')).toEqual([1, 2, 4]);
    expect(decisions[1].reason).toMatch(/cooling down until 2026-11-01T04:00:00.000Z/);
  });

  it('acts at most `count` times in any rolling `per`', () => {
    const { decisions } = replay(accuracyDrop({ maxActions: { count: 2, per: '5h' } }), [0, 1, 2, 3, 4, 5, 6].map((i) => ({ result: window(i, { accuracy: 0.5 }) })));
    // Acted at the ends of windows 0 and 1 (01:00, 02:00); window 5 ends at 06:00, when 01:00 has left the 5 h period.
    expect(at(decisions)).toEqual([0, 1, 5, 6]);
    expect(at(decisions, 'suppressed')).toEqual([2, 3, 4]);
    expect(decisions.find((d) => d.status === 'suppressed')?.reason).toMatch(/already acted 2 times/);
  });
});

describe('detector conditions', () => {
  it('reads a per-prediction series across windows exactly as one detector over the whole stream', () => {
    // Errors at 10% then 60%: DDM over the concatenation is the reference.
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const errors = Array.from({ length: 3000 }, (_, i) => (rand() < (i < 2000 ? 0.1 : 0.6) ? 1 : 0));
    const ddm = createDetector('ddm');
    const expected = new Set<number>();
    errors.forEach((e, i) => {
      if (ddm.update(e).drift) expected.add(Math.floor(i / 100));
    });
    expect(expected.size).toBeGreaterThan(0);
    const windows = Array.from({ length: 30 }, (_, w) => ({ result: window(w), series: { error: errors.slice(w * 100, (w + 1) * 100) } }));
    const { decisions } = replay({ triggers: [{ name: 'ddm-errors', when: { detector: 'ddm', series: 'error' }, action: { type: 'alert' } }] }, windows);
    expect(new Set(at(decisions))).toEqual(expected);
    expect(decisions[0].evidence[0].read).toBe(100);
  });

  it('watches a window metric, one value per window, when no series is handed over', () => {
    const p99 = [...Array(40).fill(8), ...Array(40).fill(80)];
    const { decisions } = replay(
      { triggers: [{ name: 'latency-shift', when: { detector: 'page-hinkley', series: 'latencyP99Ms', params: { threshold: 100, mode: 'up' } }, action: { type: 'open-incident' } }] },
      p99.map((v, i) => ({ result: window(i, { p99: v }) })),
    );
    expect(at(decisions)[0]).toBeGreaterThanOrEqual(40);
    expect(decisions[0].action).toEqual({ type: 'open-incident', severity: 'SEV2' });
  });
});

describe('combined conditions and state', () => {
  it('`all` needs every condition in the same window, `any` one of them', () => {
    const windows = [
      { accuracy: 0.7, errorRate: 0 },
      { accuracy: 0.7, errorRate: 0.2 },
      { accuracy: 0.9, errorRate: 0.2 },
    ].map((o, i) => ({ result: window(i, o) }));
    const when = (kind: 'all' | 'any') => ({ [kind]: [{ metric: 'accuracy', op: '<', value: 0.8 }, { metric: 'errorRate', op: '>', value: 0.1 }] });
    expect(at(replay({ triggers: [{ name: 't', when: when('all'), action: { type: 'alert' } }] } as MonitoringPolicyInput, windows).decisions)).toEqual([1]);
    expect(at(replay({ triggers: [{ name: 't', when: when('any'), action: { type: 'alert' } }] } as MonitoringPolicyInput, windows).decisions)).toEqual([0, 1, 2]);
  });

  it('does not count a window twice when it is evaluated again (a replay after a restart)', () => {
    const policy = accuracyDrop({ for: 2 });
    const first = replay(policy, [{ result: window(0, { accuracy: 0.5 }) }]);
    const again = replay(policy, [{ result: window(0, { accuracy: 0.5 }) }], first.state);
    expect(again.state).toEqual(first.state);
    expect(replay(policy, [{ result: window(1, { accuracy: 0.5 }) }], again.state).decisions).toHaveLength(1);
  });

  it('starts a trigger whose condition changed with a fresh detector', () => {
    const errors = Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const first = replay({ triggers: [{ name: 'd', when: { detector: 'ddm', series: 'error' }, action: { type: 'alert' } }] }, [{ result: window(0), series: { error: errors } }]);
    const changed = replay({ triggers: [{ name: 'd', when: { detector: 'eddm', series: 'error' }, action: { type: 'alert' } }] }, [{ result: window(1), series: { error: [1] } }], first.state);
    expect((changed.state.triggers.d.detectors['0'].state as { n: number }).n).toBe(1);
  });
});

describe('monitoring policy section', () => {
  const policyFile = () => JSON.parse(readFileSync(join(projectRoot, 'policies/adult-income.json'), 'utf8'));

  it('is optional, and a policy without it keeps its hash', () => {
    const p = parsePolicy(policyFile());
    expect(p.monitoring).toBeUndefined();
    expect(policyHash(parsePolicy(p))).toBe(policyHash(p));
  });

  it('parses with defaults inside a policy and re-parses to the same hash', () => {
    const p = parsePolicy({ ...policyFile(), monitoring: { window: { predictions: 500 }, triggers: [{ name: 'drift', when: { detector: 'adwin', series: 'error' }, cooldown: '1d', action: { type: 'retrain' } }] } });
    expect(p.monitoring?.triggers[0]).toMatchObject({ for: 1, cooldown: 86_400_000, when: { params: {}, on: 'drift' } });
    expect(p.monitoring?.drift.predictionPsi).toBe(0.2);
    expect(policyHash(parsePolicy(p))).toBe(policyHash(p));
  });

  it('names the field of a bad trigger', () => {
    const bad = (triggers: unknown[]) => () => parsePolicy({ ...policyFile(), monitoring: { triggers } });
    expect(bad([{ name: 'x', when: { detector: 'adwin', series: 'error', params: { detla: 0.1 } }, action: { type: 'alert' } }])).toThrow(/monitoring\.triggers\.0\.when.*did you mean delta/);
    expect(bad([{ name: 'x', when: { detector: 'adwin', series: 'error', on: 'warning' }, action: { type: 'alert' } }])).toThrow(/adwin never warns/);
    expect(bad([{ name: 'x', when: { detector: 'adwin', series: 'errors' }, action: { type: 'alert' } }])).toThrow(/"errors" is not a series the monitor produces/);
    expect(bad([{ name: 'x', when: { detector: 'ddm', series: 'accuracy' }, action: { type: 'alert' } }])).toThrow(/ddm reads an error indicator: use the "error" series/);
    const twice = { name: 'x', when: { metric: 'accuracy', op: '<', value: 0.8 }, action: { type: 'alert' } };
    expect(bad([twice, twice])).toThrow(/monitoring\.triggers\.1\.name.*must be unique/);
    expect(() => parseMonitoringPolicy({ window: {} })).toThrow(/a window needs `every`/);
  });
});
