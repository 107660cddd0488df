/**
 * Activities of the monitor workflow. Each is idempotent (activities retry, workers die): a window is
 * stored under its model and index (a recomputation replaces it), trigger firings and monitor events
 * are audit events with keys made of the model, window and trigger. The window's statistics run in
 * the compute pool, never on the thread that delivers workflow tasks.
 */
import { Context } from '@temporalio/activity';
import { appendAudit } from '../lib/registry/audit';
import { listWindows, predictionsSince, storeWindow, windowReference, windowRows, staleWindows } from '../lib/registry/monitoring';
import type { WindowInput } from '../lib/monitoring/compute';
import { summarize } from '../lib/monitoring/summary';
import type { MonitorSettings, TriggerFiring, WindowSummary } from '../lib/monitoring/types';
import type { WindowResult } from '../lib/monitoring/window';
import { evaluateTriggers as evaluatePolicyTriggers, type TriggerDecision } from '../lib/monitoring/triggers';
import { getModel } from '../lib/registry/models';
import { runForActivity } from './compute/pool';
import type { ActivityDeps } from './deps';
import { withFailureTypes } from './failures';

export function createMonitoringActivities({ db, artifacts, compute, clock = () => new Date() }: ActivityDeps) {
  /** Reads and computes one window (in the compute pool) and stores it. */
  async function computeAndStore(model: string, index: number, start: Date, end: Date, settings: MonitorSettings): Promise<WindowResult> {
    const reference = await windowReference(db, artifacts, model);
    const { rows, truncated } = await windowRows(db, { model, start, end });
    const policy = reference.policy;
    const input: WindowInput = {
      model,
      index,
      start: start.toISOString(),
      end: end.toISOString(),
      version: reference.version,
      rows,
      reference: reference.profile,
      drift: policy.drift,
      ignoreColumns: Object.entries(policy.logging.columns)
        .filter(([, rule]) => rule !== 'keep')
        .map(([column]) => column),
      calibration: reference.calibration,
      positiveLabel: policy.data.label.positive ?? null,
      groupColumns: [...new Set([...policy.data.protectedAttributes, ...policy.evaluation.regression.slices.flatMap((s) => Object.keys(s.where))])],
      slices: policy.evaluation.regression.slices,
      budgets: settings.budgets,
      predictionDriftThreshold: settings.predictionDriftThreshold,
    };
    let ctx: ReturnType<typeof Context.current> | null = null;
    try {
      ctx = Context.current();
    } catch {
      // Called outside an activity (tests): run without heartbeats.
    }
    const result = ctx ? await runForActivity(ctx, compute, 'monitorWindow', input) : await compute.run('monitorWindow', input);
    if (truncated) result.notes.push(`computed on the latest ${rows.length} predictions of the window`);
    await storeWindow(db, result);
    return result;
  }

  return {
    /** Computes and stores window `index` ([start, end)) of a model; returns its summary. */
    async computeMonitorWindow(args: { model: string; index: number; start: string; end: string; settings: MonitorSettings }): Promise<WindowSummary> {
      return withFailureTypes(async () => summarize(await computeAndStore(args.model, args.index, new Date(args.start), new Date(args.end), args.settings)));
    },

    /**
     * Recomputes stored windows in [fromIndex, toIndex] whose labels or predictions changed since they
     * were computed (a label days late lands in its prediction's window; so does a prediction logged
     * late); returns their new summaries.
     */
    async refreshLateLabels(args: { model: string; fromIndex: number; toIndex: number; settings: MonitorSettings }): Promise<WindowSummary[]> {
      return withFailureTypes(async () => {
        if (args.toIndex < args.fromIndex) return [];
        const stale = await staleWindows(db, args.model, Math.max(0, args.fromIndex), args.toIndex);
        const out: WindowSummary[] = [];
        for (const w of stale) out.push(summarize(await computeAndStore(args.model, w.index, w.start, w.end, args.settings)));
        return out;
      });
    },

    /**
     * The policy's trigger rules (its `monitoring.triggers`) on stored window `index`, from the trigger
     * state the monitor carries: the decisions and the next state. null when the policy declares no
     * triggers (the monitor then uses its built-in ones). Pure evaluation over stored data, so a retry
     * returns the same answer; a window already evaluated decides nothing again.
     */
    async evaluateWindowTriggers(args: { model: string; index: number; state: unknown }): Promise<{ decisions: TriggerDecision[]; state: unknown } | null> {
      return withFailureTypes(async () => {
        const { policy } = await getModel(db, args.model);
        const triggers = policy.monitoring?.triggers ?? [];
        if (triggers.length === 0) return null;
        const [stored] = await listWindows(db, args.model, { fromIndex: args.index, toIndex: args.index });
        if (!stored) return { decisions: [], state: args.state };
        const outcome = evaluatePolicyTriggers(triggers, { result: stored.result }, (args.state ?? undefined) as Parameters<typeof evaluatePolicyTriggers>[2]);
        return { decisions: outcome.decisions, state: outcome.state };
      });
    },

    /** Logged predictions since `from` (count-based windows). */
    async countMonitorPredictions(args: { model: string; from: string }): Promise<number> {
      return predictionsSince(db, args.model, new Date(args.from));
    },

    /** Summaries of stored windows (a monitor restarted from scratch picks up where the last one stopped). */
    async storedWindowSummaries(args: { model: string; last: number }): Promise<WindowSummary[]> {
      return (await listWindows(db, args.model, { last: args.last })).map((w) => summarize(w.result));
    },

    /** Every trigger firing in the audit record with its evidence (once per model, window and trigger). */
    async recordTriggerFirings(args: { model: string; monitorId: string; firings: TriggerFiring[] }): Promise<void> {
      for (const f of args.firings) {
        await appendAudit(db, {
          at: clock(),
          actor: args.monitorId,
          action: `monitor.trigger.${f.action}`,
          model: args.model,
          eventKey: `monitor:${args.model}:${f.window}:${f.trigger}`,
          payload: { trigger: f.trigger, window: f.window, action: f.action, reason: f.reason, evidence: f.evidence },
        });
      }
    },

    /** Monitor started or stopped, in the audit record. */
    async recordMonitorEvent(args: { model: string; monitorId: string; event: 'started' | 'stopped'; principal: string; detail: Record<string, unknown> }): Promise<void> {
      await appendAudit(db, {
        at: clock(),
        actor: args.principal,
        action: `monitor.${args.event}`,
        model: args.model,
        eventKey: `monitor:${args.model}:${args.event}:${args.monitorId}`,
        payload: { monitorId: args.monitorId, ...args.detail },
      });
    },
  };
}

export type MonitoringActivities = ReturnType<typeof createMonitoringActivities>;
