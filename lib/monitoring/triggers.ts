/**
 * Trigger evaluation: given one more window's results and the state so far, which triggers fire
 * now, which would fire but are held back (cooldown, too many actions in the period), and the new
 * state. Pure and deterministic (no clock: time is the window's end), and the state is plain JSON,
 * so the monitor workflow can run it directly and carry it across Continue-As-New, and the backtest
 * replays history through exactly the same code.
 *
 * Semantics, per trigger:
 * - Each window the condition holds, does not hold, or cannot be judged (a metric the window lacks,
 *   e.g. accuracy before labels arrive). Detectors see every value of their series in order, and
 *   hold in a window where they signalled.
 * - Hysteresis: `streak` counts windows in a row where it held; a window where it did not hold
 *   resets it, one that cannot be judged leaves it as is. At `for` the trigger is due.
 * - A due trigger acts unless it is cooling down (`cooldown` after its last action) or has already
 *   acted `maxActions.count` times within the last `maxActions.per`; then it is recorded as
 *   suppressed with the reason and stays due. Acting resets the streak.
 *
 * @example
 *   let state = initialTriggerState();
 *   for (const result of windows) {
 *     const out = evaluateTriggers(policy.monitoring.triggers, { result }, state);
 *     out.decisions.filter((d) => d.status === 'fired').forEach(act);
 *     state = out.state;
 *   }
 */
import { StewardError } from '../core/errors';
import { createDetector, restoreDetector, type DetectorName } from './detectors';
import { isWindowMetric, windowMetric } from './metrics';
import type { Condition, Trigger, TriggerAction } from './policy';
import type { WindowResult } from './window';

/** One window as triggers see it: its results, and per-prediction series (`error`, `score`, ...) for detectors. */
export interface TriggerWindow {
  result: WindowResult;
  series?: Record<string, readonly number[]>;
}

interface DetectorSlot {
  /** The condition the state belongs to (canonical JSON): a changed condition starts a fresh detector. */
  condition: string;
  state: unknown;
}

interface TriggerSlot {
  streak: number;
  /** Window end (ISO) of the last action. */
  lastActionAt: string | null;
  /** Window ends (ISO) of the actions still inside the `maxActions` period. */
  actions: string[];
  /** Detector states by condition position (`0`, or `all.1` / `any.2`). */
  detectors: Record<string, DetectorSlot>;
}

/** What evaluation carries from one window to the next (JSON). */
export interface TriggerState {
  version: 1;
  /** Index of the last window evaluated (-1 before the first): a window is evaluated once. */
  lastWindow: number;
  triggers: Record<string, TriggerSlot>;
}

/** What one condition saw in the window. */
export interface ConditionEvidence {
  condition: Condition;
  /** true / false, or null when the window could not judge it. */
  holds: boolean | null;
  /** The metric's value in the window (metric conditions). */
  value?: number | null;
  /** 0-based positions within the window's series where the detector signalled (detector conditions). */
  signals?: number[];
  /** Values the detector read in this window. */
  read?: number;
  note?: string;
}

/** A trigger that came due in this window. */
export interface TriggerDecision {
  trigger: string;
  status: 'fired' | 'suppressed';
  /** Why a due trigger did not act. */
  reason?: string;
  action: TriggerAction;
  window: { index: number; start: string; end: string };
  /** Windows in a row the condition held, and how many the trigger needs. */
  streak: number;
  for: number;
  evidence: ConditionEvidence[];
}

/** How each trigger judged the window, fired or not (for the window's record). */
export interface TriggerEvaluation {
  trigger: string;
  holds: boolean | null;
  streak: number;
}

export interface TriggerOutcome {
  decisions: TriggerDecision[];
  evaluations: TriggerEvaluation[];
  state: TriggerState;
}

/** The state before the first window. */
export function initialTriggerState(): TriggerState {
  return { version: 1, lastWindow: -1, triggers: {} };
}

/**
 * The same state with every change detector starting afresh, streaks, cooldowns and action counts
 * kept: what a new production version needs (its error stream is not its predecessor's).
 *
 * @example state = resetDetectors(state);
 */
export function resetDetectors(state: TriggerState): TriggerState {
  return { ...state, triggers: Object.fromEntries(Object.entries(state.triggers).map(([name, slot]) => [name, { ...slot, detectors: {} }])) };
}

/** A deep copy through JSON: states are JSON by contract, and workflow sandboxes lack `structuredClone`. */
const jsonCopy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const freshSlot = (): TriggerSlot => ({ streak: 0, lastActionAt: null, actions: [], detectors: {} });

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function judge(condition: Condition, key: string, window: TriggerWindow, slot: TriggerSlot): ConditionEvidence {
  if ('metric' in condition) {
    const value = windowMetric(window.result, condition.metric);
    if (value === null || Number.isNaN(value)) return { condition, holds: null, value: null, note: `the window has no ${condition.metric}` };
    const holds = condition.op === '<' ? value < condition.value : condition.op === '<=' ? value <= condition.value : condition.op === '>' ? value > condition.value : value >= condition.value;
    return { condition, holds, value };
  }
  const name = condition.detector as DetectorName;
  const fingerprint = canonical(condition);
  const saved = slot.detectors[key];
  const detector = saved && saved.condition === fingerprint ? restoreDetector(name, condition.params, saved.state) : createDetector(name, condition.params);
  let values: readonly number[] | undefined = window.series?.[condition.series];
  if (values === undefined && isWindowMetric(condition.series)) {
    const v = windowMetric(window.result, condition.series);
    values = v === null || Number.isNaN(v) ? [] : [v];
  }
  const signals: number[] = [];
  let read = 0;
  for (const [i, x] of (values ?? []).entries()) {
    if (!Number.isFinite(x)) continue;
    read++;
    const s = detector.update(x);
    if (condition.on === 'warning' ? s.warning : s.drift) signals.push(i);
  }
  slot.detectors[key] = { condition: fingerprint, state: detector.state };
  if (read === 0) return { condition, holds: null, signals, read, note: values === undefined ? `the window carries no "${condition.series}" series` : `no ${condition.series} values in the window` };
  return { condition, holds: signals.length > 0, signals, read };
}

function judgeTrigger(trigger: Trigger, window: TriggerWindow, slot: TriggerSlot): { holds: boolean | null; evidence: ConditionEvidence[] } {
  const when = trigger.when;
  if ('all' in when || 'any' in when) {
    const kind = 'all' in when ? 'all' : 'any';
    const list = 'all' in when ? when.all : when.any;
    // Every condition is judged, so each detector reads every window's values.
    const evidence = list.map((c, i) => judge(c, `${kind}.${i}`, window, slot));
    const results = evidence.map((e) => e.holds);
    const holds =
      kind === 'all'
        ? results.includes(false)
          ? false
          : results.includes(null)
            ? null
            : true
        : results.includes(true)
          ? true
          : results.includes(null)
            ? null
            : false;
    return { holds, evidence };
  }
  const e = judge(when, '0', window, slot);
  return { holds: e.holds, evidence: [e] };
}

const ms = (iso: string): number => {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new StewardError('InvalidInput', `"${iso}" is not an ISO 8601 time`, { field: 'window.end' });
  return t;
};

/**
 * Evaluates every trigger on one more window. Windows must come in order: a window whose index is
 * not after the last one evaluated changes nothing and decides nothing (a replayed window after a
 * restart is not counted twice).
 *
 * @example const { decisions, state: next } = evaluateTriggers(monitoring.triggers, { result, series: { error } }, state);
 */
export function evaluateTriggers(triggers: readonly Trigger[], window: TriggerWindow, state: TriggerState = initialTriggerState()): TriggerOutcome {
  if (window.result.index <= state.lastWindow) return { decisions: [], evaluations: [], state };
  const next: TriggerState = { version: 1, lastWindow: window.result.index, triggers: {} };
  const decisions: TriggerDecision[] = [];
  const evaluations: TriggerEvaluation[] = [];
  const at = ms(window.result.end);
  for (const trigger of triggers) {
    const slot: TriggerSlot = jsonCopy(state.triggers[trigger.name] ?? freshSlot());
    const { holds, evidence } = judgeTrigger(trigger, window, slot);
    if (holds === true) slot.streak += 1;
    else if (holds === false) slot.streak = 0;
    if (trigger.maxActions) slot.actions = slot.actions.filter((t) => ms(t) > at - trigger.maxActions!.per);
    evaluations.push({ trigger: trigger.name, holds, streak: slot.streak });
    if (holds === true && slot.streak >= trigger.for) {
      const base = { trigger: trigger.name, action: trigger.action, window: { index: window.result.index, start: window.result.start, end: window.result.end }, streak: slot.streak, for: trigger.for, evidence };
      const coolUntil = slot.lastActionAt === null ? -Infinity : ms(slot.lastActionAt) + trigger.cooldown;
      if (at < coolUntil) {
        decisions.push({ ...base, status: 'suppressed', reason: `cooling down until ${new Date(coolUntil).toISOString()} (cooldown ${trigger.cooldown} ms after the action at ${slot.lastActionAt})` });
      } else if (trigger.maxActions && slot.actions.length >= trigger.maxActions.count) {
        decisions.push({ ...base, status: 'suppressed', reason: `already acted ${slot.actions.length} times in the last ${trigger.maxActions.per} ms (maxActions ${trigger.maxActions.count})` });
      } else {
        decisions.push({ ...base, status: 'fired' });
        slot.lastActionAt = window.result.end;
        if (trigger.maxActions) slot.actions.push(window.result.end);
        slot.streak = 0;
      }
    }
    next.triggers[trigger.name] = slot;
  }
  return { decisions, evaluations, state: next };
}
