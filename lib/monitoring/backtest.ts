/**
 * Backtesting a retraining policy on history before trusting it: a time-ordered labelled file is
 * replayed window by window, prequentially (test, then train): every row is predicted by the model
 * in force when it arrives, its label is revealed only `labelDelay` rows later, and a strategy
 * retrains on the labels revealed so far when it decides to. Strategies:
 *
 * - `never`: the model trained on the warm-up rows serves the whole stream;
 * - `periodic:N`: retrains at the first window boundary at least N rows after the last training;
 * - `policy`: the policy's monitoring triggers, evaluated by the same code as the monitor
 *   (`evaluateTriggers`) on the same `WindowResult`s; a firing `retrain` action retrains, other
 *   actions are recorded.
 *
 * A window's results carry what a monitor would have had when the window closed: the predictions
 * made in it, and the labels that arrived during it (for predictions of this or earlier windows):
 * their accuracy is the window's `performance`, and their 0/1 errors, in arrival order, the `error`
 * series detectors read. Feature and prediction drift are not computed here (null): the backtest
 * judges triggers on performance and detectors.
 *
 * Training goes through the injected `train` function (the policy's recipe, `inlineTrainer`): the
 * CLI trains in its own process; a worker runs the whole backtest as the compute pool's `backtest`
 * task (activities/compute/tasks.ts), so no training ever blocks the worker's main thread.
 */
import type { Table } from '../data/table';
import { selectRows } from '../data/table';
import type { Trigger, TriggerAction } from './policy';
import { evaluateTriggers, initialTriggerState, type TriggerDecision } from './triggers';
import type { WindowResult } from './window';

/** A trained model: probability of the positive class for each row of a table. */
export interface Predictor {
  predict(table: Table): Float64Array | Promise<Float64Array>;
  /** Frees what the model holds (tensors) once a retrained one replaces it. */
  dispose?(): void;
}

/** Trains a model on a table of rows and their 0/1 labels. */
export type Trainer = (table: Table, labels: Uint8Array) => Promise<Predictor>;

export type Strategy = { kind: 'never' } | { kind: 'periodic'; every: number } | { kind: 'policy' };

/**
 * `never,periodic:4800,policy` as strategies; a bad entry is reported by the caller.
 *
 * @example parseStrategies('never,periodic:4800,policy')
 */
export function parseStrategies(text: string): Strategy[] | { error: string } {
  const out: Strategy[] = [];
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (part === 'never' || part === 'policy') out.push({ kind: part });
    else {
      const m = /^periodic:(\d+)$/.exec(part);
      if (!m || Number(m[1]) < 1) return { error: `"${part}" is not a strategy: use never, periodic:<rows> (e.g. periodic:4800) or policy` };
      out.push({ kind: 'periodic', every: Number(m[1]) });
    }
  }
  if (out.length === 0) return { error: 'no strategy given: use e.g. never,periodic:4800,policy' };
  return out;
}

export const strategyName = (s: Strategy): string => (s.kind === 'periodic' ? `periodic:${s.every}` : s.kind);

export interface BacktestOptions {
  model: string;
  table: Table;
  /** 0/1 label of every row. */
  labels: Uint8Array;
  train: Trainer;
  triggers: readonly Trigger[];
  /** Rows per window. */
  windowRows: number;
  /** Rows before the replay starts: the first model is trained on them, their labels known. */
  warmup: number;
  /** A label is revealed this many rows after its row (0: right after its prediction). */
  labelDelay: number;
  /** Retraining uses at most this many of the most recently revealed labelled rows. */
  trainRows: number;
  /** Time between rows (ms), to place windows in time for cooldowns and action periods. */
  rowMs: number;
  /** Time of row 0 (ms since the epoch). */
  origin: number;
  strategies: Strategy[];
  /** Called after every window of every strategy (progress). */
  onWindow?: (strategy: string, window: number, windows: number) => void;
}

export interface StrategyWindow {
  index: number;
  /** First row and end row (exclusive) of the window's predictions. */
  from: number;
  to: number;
  /** Prequential accuracy of the window's predictions (against their labels, whenever revealed). */
  accuracy: number;
  /** Accuracy of the labels that arrived during the window (what a monitor saw). */
  observedAccuracy: number | null;
  retrained: boolean;
}

export interface StrategyResult {
  strategy: string;
  /** Prequential accuracy over every replayed row. */
  accuracy: number;
  rows: number;
  retrains: number;
  /** Wall time spent training (the warm-up model included), ms. */
  trainingMs: number;
  /** Windows after which the strategy retrained. */
  retrainedAfter: number[];
  /** Trigger decisions of the `policy` strategy (every action, fired or suppressed). */
  decisions: Array<Pick<TriggerDecision, 'trigger' | 'status' | 'reason' | 'streak'> & { window: number; action: TriggerAction['type'] }>;
  windows: StrategyWindow[];
}

export interface BacktestResult {
  model: string;
  rows: number;
  warmup: number;
  windowRows: number;
  labelDelay: number;
  trainRows: number;
  strategies: StrategyResult[];
}

function windowResult(o: BacktestOptions, index: number, from: number, to: number, revealedCorrect: number, revealed: number): WindowResult {
  const accuracy = revealed > 0 ? revealedCorrect / revealed : null;
  return {
    model: o.model,
    index,
    start: new Date(o.origin + from * o.rowMs).toISOString(),
    end: new Date(o.origin + to * o.rowMs).toISOString(),
    version: null,
    counts: { predictions: to - from, served: to - from, errors: 0, labelled: revealed },
    volume: to - from,
    errorRate: 0,
    latency: { p50Ms: null, p99Ms: null },
    breaches: [],
    featureDrift: null,
    predictionDrift: null,
    performance:
      accuracy === null
        ? null
        : { labelled: revealed, positives: 0, accuracy: { value: accuracy, lower: Number.NaN, upper: Number.NaN }, rocAuc: null, ece: null, brier: null, groups: {} },
    estimated: null,
    notes: ['backtest: feature and prediction drift not computed'],
  };
}

async function trainOn(o: BacktestOptions, revealedUpTo: number): Promise<{ predictor: Predictor; ms: number }> {
  const from = Math.max(0, revealedUpTo - o.trainRows);
  const rows = Array.from({ length: revealedUpTo - from }, (_, i) => from + i);
  const started = performance.now();
  const predictor = await o.train(selectRows(o.table, rows), o.labels.subarray(from, revealedUpTo));
  return { predictor, ms: performance.now() - started };
}

async function runStrategy(o: BacktestOptions, strategy: Strategy, n: number): Promise<StrategyResult> {
  const name = strategyName(strategy);
  const first = await trainOn(o, o.warmup);
  let predictor = first.predictor;
  let trainingMs = first.ms;
  let lastTrained = o.warmup;
  let triggerState = initialTriggerState();
  const predicted = new Uint8Array(n);
  const windows: StrategyWindow[] = [];
  const retrainedAfter: number[] = [];
  const decisions: StrategyResult['decisions'] = [];
  const count = Math.ceil((n - o.warmup) / o.windowRows);
  let correct = 0;
  for (let index = 0, from = o.warmup; from < n; index++, from += o.windowRows) {
    const to = Math.min(n, from + o.windowRows);
    const rows = Array.from({ length: to - from }, (_, i) => from + i);
    const p = await predictor.predict(selectRows(o.table, rows));
    let windowCorrect = 0;
    for (let i = 0; i < rows.length; i++) {
      predicted[from + i] = p[i] >= 0.5 ? 1 : 0;
      if (predicted[from + i] === o.labels[from + i]) windowCorrect++;
    }
    correct += windowCorrect;
    // Labels arriving during the window: those of rows r with r + delay in [from, to), r replayed.
    const errors: number[] = [];
    for (let r = Math.max(o.warmup, from - o.labelDelay); r < to - o.labelDelay; r++) errors.push(predicted[r] === o.labels[r] ? 0 : 1);
    const revealedCorrect = errors.length - errors.reduce((a, b) => a + b, 0);
    const result = windowResult(o, index, from, to, revealedCorrect, errors.length);
    let retrain = false;
    if (strategy.kind === 'periodic') retrain = to - lastTrained >= strategy.every;
    else if (strategy.kind === 'policy') {
      const out = evaluateTriggers(o.triggers, { result, series: { error: errors } }, triggerState);
      triggerState = out.state;
      for (const d of out.decisions) {
        decisions.push({ trigger: d.trigger, status: d.status, reason: d.reason, streak: d.streak, window: index, action: d.action.type });
        if (d.status === 'fired' && d.action.type === 'retrain') retrain = true;
      }
    }
    // Labels revealed by the end of the window: rows before to - delay.
    const revealedUpTo = Math.max(o.warmup, to - o.labelDelay);
    if (retrain && to < n) {
      const next = await trainOn(o, revealedUpTo);
      predictor.dispose?.();
      predictor = next.predictor;
      trainingMs += next.ms;
      lastTrained = to;
      retrainedAfter.push(index);
    }
    windows.push({ index, from, to, accuracy: windowCorrect / rows.length, observedAccuracy: result.performance?.accuracy.value ?? null, retrained: retrain && to < n });
    o.onWindow?.(name, index + 1, count);
  }
  predictor.dispose?.();
  return { strategy: name, accuracy: correct / (n - o.warmup), rows: n - o.warmup, retrains: retrainedAfter.length, trainingMs: Math.round(trainingMs), retrainedAfter, decisions, windows };
}

/**
 * Replays the table under every strategy, one after the other.
 *
 * @example
 *   const result = await backtest({ model: 'elec2', table, labels, train, triggers: policy.monitoring.triggers, windowRows: 336,
 *     warmup: 4800, labelDelay: 0, trainRows: 4800, rowMs: 1_800_000, origin: 0, strategies: [{ kind: 'never' }, { kind: 'policy' }] });
 */
export async function backtest(o: BacktestOptions): Promise<BacktestResult> {
  const n = o.labels.length;
  if (!(o.windowRows >= 1)) throw new RangeError('windowRows must be at least 1');
  if (!(o.warmup >= 1 && o.warmup < n)) throw new RangeError(`warmup must be between 1 and ${n - 1} rows, got ${o.warmup}`);
  const strategies: StrategyResult[] = [];
  for (const s of o.strategies) strategies.push(await runStrategy(o, s, n));
  return { model: o.model, rows: n, warmup: o.warmup, windowRows: o.windowRows, labelDelay: o.labelDelay, trainRows: o.trainRows, strategies };
}

/**
 * A line chart of each strategy's window accuracy, as standalone SVG (retrains marked as ticks).
 *
 * @example writeFileSync('backtest.svg', backtestSvg(result));
 */
export function backtestSvg(result: BacktestResult, extra: Array<{ name: string; windows: number[] }> = []): string {
  const width = 960;
  const height = 360;
  const pad = { left: 48, right: 160, top: 20, bottom: 32 };
  const series = [...result.strategies.map((s) => ({ name: s.strategy, values: s.windows.map((w) => w.accuracy), marks: s.retrainedAfter })), ...extra.map((e) => ({ name: e.name, values: e.windows, marks: [] as number[] }))];
  const count = Math.max(1, ...series.map((s) => s.values.length));
  const all = series.flatMap((s) => s.values);
  const lo = Math.max(0, Math.floor(Math.min(...all, 1) * 10) / 10);
  const x = (i: number) => pad.left + ((width - pad.left - pad.right) * i) / Math.max(1, count - 1);
  const y = (v: number) => pad.top + (height - pad.top - pad.bottom) * (1 - (v - lo) / (1 - lo || 1));
  const colours = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<text x="${pad.left}" y="14">${result.model}: prequential accuracy per window (${result.windowRows} rows), label delay ${result.labelDelay} rows</text>`,
  ];
  for (let v = lo; v <= 1.0001; v += 0.1) parts.push(`<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/><text x="4" y="${(y(v) + 4).toFixed(1)}">${v.toFixed(1)}</text>`);
  series.forEach((s, k) => {
    const c = colours[k % colours.length];
    parts.push(`<polyline fill="none" stroke="${c}" stroke-width="1.2" points="${s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>`);
    for (const m of s.marks) parts.push(`<line x1="${x(m).toFixed(1)}" x2="${x(m).toFixed(1)}" y1="${height - pad.bottom}" y2="${height - pad.bottom + 6 + 4 * k}" stroke="${c}"/>`);
    parts.push(`<text x="${width - pad.right + 8}" y="${pad.top + 16 * k + 10}" fill="${c}">${s.name}</text>`);
  });
  parts.push(`<text x="${pad.left}" y="${height - 4}">window →  (ticks: retrains)</text></svg>`);
  return parts.join('\n');
}
