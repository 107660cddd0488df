/**
 * The monitor's built-in triggers, used when the model's policy declares no `monitoring.triggers`
 * (with them, the monitor runs the policy's rules: lib/monitoring/triggers.ts). An action (the
 * monitor's `triggerAction`, `alert` by default) when feature or prediction drift, or a broken budget,
 * holds for `hysteresis` consecutive windows, at most once per `cooldown` windows. State is plain JSON,
 * so it crosses Continue-As-New.
 *
 * Pure and deterministic: workflow code imports it.
 */
import type { TriggerFiring, WindowSummary } from './types';

export interface DefaultTriggerState {
  /** Consecutive windows the condition has held, per trigger. */
  streak: Record<string, number>;
  /** Index of the last window each trigger fired on. */
  lastFired: Record<string, number>;
}

const rules: Array<{ name: string; holds(w: WindowSummary): string | null }> = [
  {
    name: 'feature-drift',
    holds: (w) => (w.featureDrift?.drifted ? `feature drift in ${w.featureDrift.driftedColumns.join(', ')} (${(w.featureDrift.share * 100).toFixed(0)}% of columns)` : null),
  },
  { name: 'prediction-drift', holds: (w) => (w.predictionDrift?.drifted ? `prediction drift: PSI ${w.predictionDrift.psi.toFixed(3)}` : null) },
  { name: 'budget', holds: (w) => (w.breaches.length > 0 ? w.breaches.join('; ') : null) },
];

/**
 * @example const { fired, state } = evaluateTriggers(recent, previous) // fired: [{ trigger: 'feature-drift', action: 'alert', ... }]
 */
export function evaluateTriggers(windows: readonly WindowSummary[], previous: unknown, options: { hysteresis?: number; cooldown?: number; action?: TriggerFiring['action'] } = {}): { fired: TriggerFiring[]; state: DefaultTriggerState } {
  const hysteresis = options.hysteresis ?? 1;
  const cooldown = options.cooldown ?? 3;
  const prev = (previous ?? { streak: {}, lastFired: {} }) as DefaultTriggerState;
  const state: DefaultTriggerState = { streak: { ...prev.streak }, lastFired: { ...prev.lastFired } };
  const latest = windows[windows.length - 1];
  const fired: TriggerFiring[] = [];
  if (!latest) return { fired, state };
  for (const rule of rules) {
    const reason = rule.holds(latest);
    state.streak[rule.name] = reason ? (state.streak[rule.name] ?? 0) + 1 : 0;
    const last = state.lastFired[rule.name];
    if (reason && state.streak[rule.name] >= hysteresis && (last === undefined || latest.index - last >= cooldown)) {
      state.lastFired[rule.name] = latest.index;
      fired.push({ trigger: rule.name, window: latest.index, action: options.action ?? 'alert', reason, evidence: { window: latest } });
    }
  }
  return { fired, state };
}
