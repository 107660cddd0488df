/**
 * Stubbed monitor and incident activities for workflow tests: windows, firings, events and incident
 * records kept in memory, with knobs for drift, late labels and prediction counts.
 */
import type { IncidentActivities, MonitoringActivities } from '../../activities/types';
import type { TriggerFiring, WindowSummary } from '../../lib/monitoring/types';

/** In-memory windows per model: what the real activities store in `monitor_windows`. */
export function createMonitorStubs() {
  const windows = new Map<string, Map<number, WindowSummary>>();
  const computed: Array<{ model: string; index: number; start: string; end: string }> = [];
  const firings: Array<TriggerFiring & { model: string }> = [];
  const events: string[] = [];
  const labelled = new Map<string, number>();
  /** Per model: from which window index the stub reports feature drift. */
  const driftFrom = new Map<string, number>();
  let predictions = 0;
  /** Per model: the file a retrain on the prediction log would get (absent: too few labels). */
  const loggedData = new Map<string, string>();
  /** Per model: a policy trigger firing from a window on (the policy's rules, as evaluateWindowTriggers returns them). */
  const policyTriggers = new Map<string, { name: string; from: number; action: { type: 'retrain'; data?: string } | { type: 'open-incident'; severity: 'SEV1' | 'SEV2' | 'SEV3' | 'SEV4' | 'SEV5' } }>();
  const summary = (model: string, index: number, start: string, end: string): WindowSummary => {
    const drifted = index >= (driftFrom.get(model) ?? Infinity);
    return {
      index,
      start,
      end,
      volume: 100,
      errorRate: 0,
      latencyP99Ms: 5,
      featureDrift: { drifted, share: drifted ? 0.6 : 0, driftedColumns: drifted ? ['age'] : [] },
      predictionDrift: { psi: 0.01, drifted: false },
      accuracy: null,
      estimatedAccuracy: 0.8,
      labelled: labelled.get(`${model}/${index}`) ?? 0,
      breaches: [],
    };
  };
  /** Per model and window index: a gate the window's computation waits on (to land a message mid-window). */
  const holds = new Map<string, Promise<void>>();
  const activities: MonitoringActivities = {
    async computeMonitorWindow({ model, index, start, end }) {
      computed.push({ model, index, start, end });
      await holds.get(`${model}/${index}`);
      const s = summary(model, index, start, end);
      if (!windows.has(model)) windows.set(model, new Map());
      windows.get(model)!.set(index, s);
      return s;
    },
    async refreshLateLabels({ model, fromIndex, toIndex }) {
      const out: WindowSummary[] = [];
      for (const [i, w] of windows.get(model) ?? []) {
        const now = labelled.get(`${model}/${i}`) ?? 0;
        if (i >= fromIndex && i <= toIndex && now !== w.labelled) {
          const s = { ...w, labelled: now, accuracy: 0.7 };
          windows.get(model)!.set(i, s);
          out.push(s);
        }
      }
      return out;
    },
    // Without policy triggers for a model the monitor uses its built-in ones.
    async evaluateWindowTriggers({ model, index, state }) {
      const rule = policyTriggers.get(model);
      if (!rule) return null;
      const seen = (state as number[] | undefined) ?? [];
      const fire = rule.from <= index && !seen.includes(index);
      const decisions = fire
        ? [{ trigger: rule.name, status: 'fired' as const, action: rule.action, window: { index, start: '', end: '' }, streak: 1, for: 1, evidence: [{ condition: { metric: 'accuracy', op: '<', value: 0.8 } as never, holds: true, value: 0.7 }] }]
        : [];
      return { decisions, state: [...seen, index] };
    },
    async countMonitorPredictions() {
      return predictions;
    },
    async storedWindowSummaries({ model, last }) {
      return [...(windows.get(model)?.values() ?? [])].sort((a, b) => a.index - b.index).slice(-last);
    },
    async recordTriggerFirings({ model, firings: f }) {
      firings.push(...f.map((x) => ({ ...x, model })));
    },
    async exportRetrainingData({ model, window }) {
      const file = loggedData.get(model);
      return file ? { file: `${file}-w${window}`, rows: 500 } : { note: 'only 0 labelled prediction(s) in the log' };
    },
    async recordMonitorEvent({ model, event }) {
      events.push(`${model}:${event}`);
    },
  };
  const incidentRecords: Array<{ id: string; action: string; eventKey: string; row: Record<string, unknown> }> = [];
  const incidentActivities: IncidentActivities = {
    async openIncident(args) {
      incidentRecords.push({ id: args.id, action: 'incident.opened', eventKey: `${args.id}:opened`, row: { severity: args.severity } });
    },
    async recordIncidentChange(args) {
      incidentRecords.push({ id: args.id, action: args.action, eventKey: args.eventKey, row: args.row });
    },
  };
  return {
    activities: { ...activities, ...incidentActivities },
    incidentRecords,
    computed,
    firings,
    events,
    windows,
    label: (model: string, index: number, n: number) => labelled.set(`${model}/${index}`, n),
    /** Holds the computation of a window until the returned function is called. */
    hold: (model: string, index: number) => {
      let release!: () => void;
      holds.set(`${model}/${index}`, new Promise<void>((r) => (release = r)));
      return release;
    },
    drift: (model: string, from: number) => driftFrom.set(model, from),
    setPredictions: (n: number) => (predictions = n),
    loggedData: (model: string, file: string) => loggedData.set(model, file),
    policyTrigger: (model: string, rule: Parameters<typeof policyTriggers.set>[1]) => policyTriggers.set(model, rule),
  };
}

