/**
 * The monitor: one long-running entity workflow per model (`monitor-<model>`) that cuts the
 * prediction log into consecutive windows and computes each one (feature and prediction drift,
 * latency, errors, volume, performance once labels arrive, the CBPE estimate before), refreshes
 * recent windows when late labels land, and asks the triggers what to do.
 *
 * Windows are timed by durable timers (a worker restart or a kill -9 resumes the wait where it was);
 * with `windowPredictions`, a window also closes as soon as it holds that many predictions. Each
 * window is stored under its index by an idempotent activity, so a retried computation replaces its
 * own row; the index only advances in workflow state after the window is stored, and is carried
 * across Continue-As-New (every `windowsPerRun` windows, or when Temporal suggests it): no window is
 * skipped, repeated or counted twice.
 *
 * After each window the policy's trigger rules are evaluated on it (lib/monitoring/triggers.ts, in an
 * activity over the stored window; the built-in rules of default-triggers.ts when the policy has none).
 * Every trigger firing is in the workflow's history (the activity's input) and in the audit record.
 * Messages live in lib/monitoring/messages.ts.
 */
import { ParentClosePolicy, allHandlersFinished, condition, continueAsNew, log, patched, proxyActivities, setHandler, startChild, workflowInfo } from '@temporalio/workflow';
import type { MonitoringActivities } from '../activities/types';
import { failureTypes } from '../lib/core/errors';
import { taskQueues } from '../lib/core/names';
import { incidentWorkflowType, type IncidentWorkflow } from '../lib/incidents/messages';
import { releaseWorkflowType, type ReleaseWorkflow } from '../lib/release/messages';
import { rollbackWorkflowType, type RollbackWorkflow } from '../lib/rollout/messages';
import { evaluateTriggers } from '../lib/monitoring/default-triggers';
import type { TriggerDecision } from '../lib/monitoring/triggers';
import { monitorStatusQuery, stopMonitorUpdate } from '../lib/monitoring/messages';
import { KEEP_RECENT, monitorInputSchema, type MonitorInput, type MonitorState, type TriggerFiring, type WindowSummary } from '../lib/monitoring/types';

export { monitorStatusQuery, stopMonitorUpdate };

const monitoring = proxyActivities<MonitoringActivities>({
  taskQueue: taskQueues.control,
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1s', maximumInterval: '1 minute', nonRetryableErrorTypes: failureTypes },
});

export async function monitorWorkflow(raw: MonitorInput): Promise<MonitorState> {
  const input = monitorInputSchema.parse(raw);
  const { settings } = input;
  const info = workflowInfo();
  const monitorId = `${info.workflowId}/${info.firstExecutionRunId}`;
  const origin = input.origin ?? new Date(Date.now()).toISOString();
  const state: MonitorState = {
    model: input.model,
    status: 'running',
    settings,
    nextIndex: input.carried?.nextIndex ?? 0,
    nextStart: input.carried?.nextStart ?? origin,
    recent: input.carried?.recent ?? [],
    firings: input.carried?.firings ?? 0,
    lastFirings: input.carried?.lastFirings ?? [],
    incidents: input.carried?.incidents ?? [],
    actions: input.carried?.actions ?? [],
    run: input.carried?.runs ?? 1,
  };
  let triggerState: unknown = (input.carried?.triggerState as { builtIn?: unknown } | undefined)?.builtIn;
  let policyTriggerState: unknown = (input.carried?.triggerState as { policy?: unknown } | undefined)?.policy;
  let stopRequested: { principal: string; reason?: string } | undefined;

  setHandler(monitorStatusQuery, () => state);
  setHandler(stopMonitorUpdate, (request) => {
    stopRequested ??= request;
    state.status = 'stopping';
    state.stoppedBy = stopRequested.principal;
    return state;
  });

  if (!input.carried) {
    // A monitor started again after a stop continues the numbering of the windows already stored.
    const stored = await monitoring.storedWindowSummaries({ model: input.model, last: KEEP_RECENT });
    const last = stored[stored.length - 1];
    if (last) {
      state.recent = stored;
      state.nextIndex = last.index + 1;
      if (input.origin === undefined) state.nextStart = Date.parse(last.end) >= Date.now() - settings.window ? last.end : origin;
      else state.nextStart = Date.parse(input.origin) > Date.parse(last.end) ? input.origin : last.end;
    }
    await monitoring.recordMonitorEvent({ model: input.model, monitorId, event: 'started', principal: input.requestedBy, detail: { origin: state.nextStart, firstIndex: state.nextIndex, settings } });
  }

  const remember = (summary: WindowSummary) => {
    const i = state.recent.findIndex((w) => w.index === summary.index);
    if (i >= 0) state.recent[i] = summary;
    else state.recent.push(summary);
    state.recent.sort((a, b) => a.index - b.index);
    if (state.recent.length > KEEP_RECENT) state.recent.splice(0, state.recent.length - KEEP_RECENT);
  };

  let windowsThisRun = 0;
  while (!stopRequested) {
    const start = Date.parse(state.nextStart);
    let end = start + settings.window;
    // Wait for the window to close: its time is up, or (count-based) it holds enough predictions.
    for (;;) {
      const untilClose = end + settings.lag - Date.now();
      if (untilClose <= 0) break;
      const wait = settings.windowPredictions === undefined ? untilClose : Math.min(untilClose, settings.countCheck);
      if (await condition(() => stopRequested !== undefined, wait)) break;
      if (settings.windowPredictions !== undefined && Date.now() < end) {
        const n = await monitoring.countMonitorPredictions({ model: input.model, from: state.nextStart });
        if (n >= settings.windowPredictions) {
          end = Date.now();
          break;
        }
      }
    }
    if (stopRequested) break;

    const index = state.nextIndex;
    const summary = await monitoring.computeMonitorWindow({ model: input.model, index, start: state.nextStart, end: new Date(end).toISOString(), settings });
    remember(summary);
    // Late labels: earlier windows whose predictions got labels since they were computed.
    if (settings.labelHorizon > 0 && index > 0) {
      for (const refreshed of await monitoring.refreshLateLabels({ model: input.model, fromIndex: index - settings.labelHorizon, toIndex: index - 1, settings })) remember(refreshed);
    }

    // ---- Trigger evaluation: the policy's trigger rules (lib/monitoring/triggers.ts, run by an activity on the
    // stored window), or the built-in ones when the policy declares none. ----
    const policyOutcome = await monitoring.evaluateWindowTriggers({ model: input.model, index, state: policyTriggerState });
    if (policyOutcome) {
      policyTriggerState = policyOutcome.state;
      const fired: TriggerFiring[] = policyOutcome.decisions
        .filter((d) => d.status === 'fired')
        .map((d) => ({
          trigger: d.trigger,
          window: d.window.index,
          action: d.action.type,
          reason: `${d.trigger} held ${d.streak} window(s): ${d.evidence.map(describeEvidence).join(', ')}`,
          evidence: { decision: d, ...(d.action.type === 'retrain' && d.action.data ? { data: d.action.data } : {}), ...('severity' in d.action ? { severity: d.action.severity } : {}) },
        }));
      if (fired.length > 0) await actOn(fired);
    } else {
      const { fired, state: nextTriggerState } = evaluateTriggers(state.recent, triggerState, { action: settings.triggerAction });
      triggerState = nextTriggerState;
      if (fired.length > 0) await actOn(fired);
    }
    // ---- end of extension point ----

    state.nextIndex = index + 1;
    state.nextStart = new Date(end).toISOString();
    windowsThisRun++;

    // A stop that arrived while this window was computed ends the monitor here: continuing as new
    // would drop it (the new run starts without it and the caller waits for a result that never comes).
    if (stopRequested && patched('stop-before-continue-as-new')) break;
    if (windowsThisRun >= settings.windowsPerRun || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      log.info('monitor continues as new', { model: input.model, nextIndex: state.nextIndex, run: state.run });
      await continueAsNew<typeof monitorWorkflow>({
        model: input.model,
        requestedBy: input.requestedBy,
        settings,
        origin,
        carried: { nextIndex: state.nextIndex, nextStart: state.nextStart, recent: state.recent, triggerState: { builtIn: triggerState, policy: policyTriggerState }, firings: state.firings, lastFirings: state.lastFirings, incidents: state.incidents, actions: state.actions, runs: state.run + 1 },
      });
    }
  }

  /**
   * Acts on trigger firings: each is recorded (audit event with its evidence) with what it started;
   * a retrain starts a release (every gate and sign-off still applies), a rollback the rollback
   * workflow, an incident the incident workflow. Workflow ids are derived from the window, so an
   * action is started once per window whatever happens to this run; they outlive the monitor.
   */
  async function actOn(fired: TriggerFiring[]) {
    const window = fired[0].window;
    const day = new Date(Date.now()).toISOString().slice(0, 10).replaceAll('-', '');
    const reasons = (action: TriggerFiring['action']) => fired.filter((f) => f.action === action).map((f) => `${f.trigger}: ${f.reason}`).join('; ');
    const started: Array<() => Promise<string>> = [];
    if (fired.some((f) => f.action === 'retrain')) {
      let data = (fired.find((f) => f.action === 'retrain' && typeof f.evidence.data === 'string')?.evidence.data as string | undefined) ?? settings.retrainData;
      let source = data ? 'named' : undefined;
      let note = 'no data source configured (settings.retrainData): not retrained';
      // Without a named source, the latest labelled predictions of the log (when the logging policy
      // keeps what the contract needs and enough labels arrived).
      if (!data && patched('retrain-on-logged-data')) {
        const exported = await monitoring.exportRetrainingData({ model: input.model, window, rows: settings.retrainRows });
        if ('file' in exported) {
          data = exported.file;
          source = `prediction log: latest ${exported.rows} labelled predictions`;
        } else note = exported.note;
      }
      if (data) {
        const releaseId = `release-${input.model}-${day}-w${window}`;
        for (const f of fired) if (f.action === 'retrain') f.evidence = { ...f.evidence, releaseId, data, ...(source && source !== 'named' ? { source } : {}) };
        started.push(async () => {
          await startChild<ReleaseWorkflow>(releaseWorkflowType, {
            workflowId: releaseId,
            taskQueue: taskQueues.control,
            parentClosePolicy: ParentClosePolicy.ABANDON,
            args: [{ model: input.model, dataFile: data!, requestedBy: `monitor-${input.model}` }],
            staticSummary: `retrain of ${input.model} requested by its monitor on window ${window}: ${reasons('retrain')}`,
          });
          return releaseId;
        });
      } else for (const f of fired) if (f.action === 'retrain') f.evidence = { ...f.evidence, note };
    }
    if (fired.some((f) => f.action === 'rollback')) {
      const rollbackId = `rollback-${input.model}-${day}-w${window}`;
      for (const f of fired) if (f.action === 'rollback') f.evidence = { ...f.evidence, rollbackId };
      started.push(async () => {
        await startChild<RollbackWorkflow>(rollbackWorkflowType, {
          workflowId: rollbackId,
          taskQueue: taskQueues.control,
          parentClosePolicy: ParentClosePolicy.ABANDON,
          args: [{ model: input.model, requestedBy: input.requestedBy, reason: `monitor window ${window}: ${reasons('rollback')}` }],
        });
        return rollbackId;
      });
    }
    state.firings += fired.length;
    state.lastFirings = fired;
    await monitoring.recordTriggerFirings({ model: input.model, monitorId, firings: fired });
    for (const start of started) state.actions.push(await start());
    // One incident per window at most, whatever number of triggers asked for one.
    const asking = fired.filter((f) => f.action === 'open-incident');
    if (asking.length > 0) {
      const incidentId = `incident-${input.model}-w${window}`;
      await startChild<IncidentWorkflow>(incidentWorkflowType, {
        workflowId: incidentId,
        taskQueue: taskQueues.control,
        parentClosePolicy: ParentClosePolicy.ABANDON,
        args: [
          {
            model: input.model,
            severity: (asking.find((f) => typeof f.evidence.severity === 'string')?.evidence.severity as typeof settings.incidentSeverity | undefined) ?? settings.incidentSeverity,
            summary: asking.map((f) => f.reason).join('; '),
            openedBy: monitorId,
            links: { windows: [...new Set(asking.map((f) => f.window))], trigger: asking.map((f) => f.trigger).join(', '), evidence: { firings: asking.map((f) => ({ trigger: f.trigger, reason: f.reason })) } },
          },
        ],
      });
      state.incidents.push(incidentId);
    }
  }

  await monitoring.recordMonitorEvent({ model: input.model, monitorId, event: 'stopped', principal: stopRequested?.principal ?? 'steward', detail: { reason: stopRequested?.reason ?? '', nextIndex: state.nextIndex } });
  state.status = 'stopped';
  await condition(allHandlersFinished);
  return state;
}

/** One condition's evidence in a firing's reason: `accuracy = 0.6458`, `ddm on error: changes at values 70, 124 of 672`. */
function describeEvidence(e: TriggerDecision['evidence'][number]): string {
  const c = e.condition as { metric?: string; detector?: string; series?: string };
  if (c.metric !== undefined) return `${c.metric}${e.value !== undefined && e.value !== null ? ` = ${Number(e.value).toPrecision(4)}` : ''}`;
  const at = (e.signals ?? []).map((i) => i + 1);
  return `${c.detector} on ${c.series}: ${at.length === 1 ? 'change at value' : 'changes at values'} ${at.join(', ')} of ${e.read ?? 0}`;
}
