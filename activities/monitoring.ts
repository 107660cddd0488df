/**
 * Activities of the monitor workflow. Each is idempotent (activities retry, workers die): a window is
 * stored under its model and index (a recomputation replaces it), trigger firings and monitor events
 * are audit events with keys made of the model, window and trigger. The window's statistics run in
 * the compute pool, never on the thread that delivers workflow tasks.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Context } from '@temporalio/activity';
import { sha256Hex } from '../lib/core/hash';
import { appendAudit } from '../lib/registry/audit';
import { labelledLog, labelledOutcomesSince, listWindows, predictionsSince, servedSeries, storeWindow, windowReference, windowRows, staleWindows } from '../lib/registry/monitoring';
import { logRules } from '../lib/serving/privacy';
import type { WindowInput } from '../lib/monitoring/compute';
import { summarize } from '../lib/monitoring/summary';
import type { MonitorSettings, TriggerFiring, WindowSummary } from '../lib/monitoring/types';
import type { WindowPerformance, WindowResult } from '../lib/monitoring/window';
import type { Estimate } from '../lib/metrics/bootstrap';
import { computeMetrics, prepareScores } from '../lib/metrics/classification';
import { evaluateTriggers as evaluatePolicyTriggers, resetDetectors, type TriggerDecision, type TriggerState } from '../lib/monitoring/triggers';
import { policyTask } from '../lib/policy/schema';
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
        const live = liveTriggerState(args.state);
        const result = stored.result;
        // Detectors read the per-prediction series: `score` (what the window served, in order) and,
        // for a binary classifier, `error` (1 for a wrong prediction) over the predictions whose labels
        // landed since the last evaluation, in the order they were made: a label days late still
        // reaches the detector, once. Both follow the production version; a new version starts its
        // detectors afresh (its error stream is not its predecessor's).
        let triggerState = live.triggers;
        if (triggerState && live.version !== null && result.version !== null && live.version !== result.version) triggerState = resetDetectors(triggerState);
        const served = await servedSeries(db, { model: args.model, start: new Date(result.start), end: new Date(result.end) });
        const series: Record<string, number[]> = { score: served.score, latencyMs: served.latencyMs };
        let cursor = live.labelsAfter;
        let judged = result;
        const positive = policy.data.label.positive;
        if (result.version !== null && positive !== undefined && policyTask(policy) === 'binary') {
          const read = await labelledOutcomesSince(db, { model: args.model, version: result.version, after: live.version === result.version ? live.labelsAfter : null });
          const labels = Uint8Array.from(read.outcomes, (o) => (o.label === positive ? 1 : 0));
          const scores = Float64Array.from(read.outcomes, (o) => o.score);
          series.error = Array.from(labels, (y, i) => ((scores[i]! >= 0.5 ? 1 : 0) === y ? 0 : 1));
          cursor = read.cursor;
          // Performance conditions judge the same outcomes, prequentially (as the backtest does): labels
          // arrive late, so a window's own predictions are rarely labelled when it closes; the stored
          // window keeps its own performance, refreshed as its labels land.
          judged = { ...result, counts: { ...result.counts, labelled: labels.length }, performance: revealedPerformance(labels, scores) };
        }
        const outcome = evaluatePolicyTriggers(triggers, { result: judged, series }, triggerState);
        return { decisions: outcome.decisions, state: { triggers: outcome.state, labelsAfter: cursor, version: result.version } satisfies LiveTriggerState };
      });
    },

    /**
     * Writes the latest labelled predictions of a model's log as a data file in its contract's
     * columns (logged inputs and their labels) for a retrain, and returns its path; or explains why
     * the log cannot be trained on (too few labelled rows, or columns the logging policy drops,
     * hashes or generalises, which the contract needs as sent).
     */
    async exportRetrainingData(args: { model: string; window: number; rows: number }): Promise<{ file: string; rows: number; missing?: Record<string, number> } | { note: string }> {
      return withFailureTypes(async () => {
        const { policy } = await getModel(db, args.model);
        const label = policy.data.label.column;
        const columns = policy.contract.columns.map((c) => c.name);
        const rules = logRules(policy, columns.filter((c) => c !== label));
        const altered = Object.entries(rules).filter(([, rule]) => rule !== 'keep').map(([c, rule]) => `${c} (${rule})`);
        if (altered.length > 0) return { note: `the prediction log cannot be trained on: the logging policy does not keep ${altered.join(', ')} as sent; set the monitor's retrainData` };
        const rows = await labelledLog(db, { model: args.model, limit: args.rows });
        const minimum = 200;
        if (rows.length < minimum) return { note: `only ${rows.length} labelled prediction(s) in the log (a retrain on it needs ${minimum}); set the monitor's retrainData or wait for labels` };
        const missing = new Map<string, number>();
        const records = rows.map((r) => {
          const record: Record<string, unknown> = {};
          for (const c of columns) {
            const v = c === label ? r.label : r.inputs[c];
            if (v === undefined || v === null) missing.set(c, (missing.get(c) ?? 0) + 1);
            record[c] = v ?? null;
          }
          return record;
        });
        const body =
          policy.data.format === 'jsonl'
            ? records.map((r) => `${JSON.stringify(r)}\n`).join('')
            : `${[columns.map(csvField).join(','), ...records.map((r) => columns.map((c) => csvField(r[c] === null ? '' : String(r[c]))).join(','))].join('\n')}\n`;
        // Named by content, in the artifact store's folder: the release records the file's hash as its data.
        const file = join(artifacts.location.root, 'retrain-data', `${args.model}-w${args.window}-${sha256Hex(body).slice(0, 12)}.${policy.data.format}`);
        await mkdir(dirname(file), { recursive: true });
        await writeFile(`${file}.tmp`, body);
        await rename(`${file}.tmp`, file);
        return { file, rows: rows.length, ...(missing.size > 0 ? { missing: Object.fromEntries(missing) } : {}) };
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

/** What the monitor carries for the policy's triggers between windows (opaque to the workflow). */
interface LiveTriggerState {
  triggers: TriggerState | undefined;
  /** Labels recorded up to this time (database text) have reached the detectors. */
  labelsAfter: string | null;
  /** The production version the detectors follow. */
  version: number | null;
}

/** The carried state, also in its first form (the bare trigger state, before detectors read series). */
function liveTriggerState(raw: unknown): LiveTriggerState {
  if (raw === null || raw === undefined) return { triggers: undefined, labelsAfter: null, version: null };
  if (typeof raw === 'object' && 'lastWindow' in raw) return { triggers: raw as TriggerState, labelsAfter: null, version: null };
  return raw as LiveTriggerState;
}

/** Accuracy, ROC AUC, ECE and Brier score of labelled outcomes (point values), or null without any. */
function revealedPerformance(labels: Uint8Array, scores: Float64Array): WindowPerformance | null {
  if (labels.length === 0) return null;
  const m = computeMetrics(prepareScores(labels, scores));
  const positives = labels.reduce((a, y) => a + y, 0);
  const point = (value: number): Estimate => ({ value, lower: Number.NaN, upper: Number.NaN });
  return {
    labelled: labels.length,
    positives,
    accuracy: point(m.accuracy),
    rocAuc: positives > 0 && positives < labels.length ? point(m.rocAuc) : null,
    ece: Number.isFinite(m.ece) ? m.ece : null,
    brier: Number.isFinite(m.brier) ? m.brier : null,
    groups: {},
  };
}

/** A CSV field (RFC 4180: quoted when it holds a separator, quote or line break). */
function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}
