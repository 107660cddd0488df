/**
 * `steward monitor`: a model's monitor windows (table, JSON or an HTML report with charts), and
 * starting or stopping its monitor workflow (`monitor-<model>`).
 */
import type { MonitorState } from '../../lib/monitoring/types';
import type { WindowResult } from '../../lib/monitoring/window';
import { apiFlag, defineCommand, defineGroup } from '../command';
import type { ApiClient } from '../remote';

const modelPath = (model: string) => `/v1/models/${encodeURIComponent(model)}/monitor`;

const show = defineCommand({
  name: 'show',
  summary: "a model's monitor windows: volume, errors, latency, drift, realised and estimated accuracy",
  details: [
    'Reads the windows the monitor stored (newest last). Accuracy is on the labels that have arrived, with its 95%',
    'interval; the estimate beside it comes from the scores alone (CBPE, calibrated on the production version\'s',
    'evaluation holdout), so its quality shows once labels land. --html writes a self-contained report with charts.',
  ].join('\n'),
  positionals: [{ name: 'model', description: 'a registered model' }],
  flags: {
    last: { type: 'number', integer: true, min: 1, description: 'show the latest N windows (default 24)' },
    html: { type: 'path', placeholder: 'report.html', description: 'also write an HTML report with charts' },
    ...apiFlag,
  },
  examples: ['steward monitor adult-income', 'steward monitor adult-income --last 100 --html report.html', 'steward monitor adult-income --json'],
  async run({ model, last, html, api }, ctx) {
    const { formatWindowTable, renderMonitorHtml } = await import('../../lib/monitoring/report');
    const remote: ApiClient | undefined = await ctx.remote(api);
    let windows: WindowResult[];
    if (remote) windows = (await remote.get<{ windows: WindowResult[] }>(`${modelPath(model)}/windows`, { last: last ?? 24 })).windows;
    else {
      const [{ getModel }, { listWindows }] = await Promise.all([import('../../lib/registry/models'), import('../../lib/registry/monitoring')]);
      const { db } = await ctx.database();
      await getModel(db, model);
      windows = (await listWindows(db, model, { last: last ?? 24 })).map((w) => w.result);
    }
    if (html) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(html, renderMonitorHtml(model, windows, new Date()));
    }
    ctx.print({ model, windows, ...(html ? { html } : {}) }, () =>
      windows.length === 0
        ? `${model}: no monitor windows yet (start the monitor: steward monitor start ${model})`
        : `${formatWindowTable(windows)}${html ? `\nreport: ${html}` : ''}`,
    );
    return 0;
  },
});

const start = defineCommand({
  name: 'start',
  summary: "start a model's monitor (one long-running workflow per model)",
  details: [
    'The monitor computes a window every --window (and earlier once a window holds --predictions predictions) from',
    'the prediction log: feature drift against the production version\'s training profile, prediction drift, latency',
    'p50/p99 and error rate against the budgets, volume, accuracy on labels and its estimate. It refreshes the last',
    'windows when late labels arrive, and continues as new every 100 windows. A monitor started again continues the',
    'numbering of the windows already stored.',
  ].join('\n'),
  positionals: [{ name: 'model', description: 'a registered model' }],
  flags: {
    window: { type: 'duration', description: 'window length (default 1h)' },
    predictions: { type: 'number', integer: true, min: 1, description: 'close a window early once it holds this many predictions' },
    'max-p99': { type: 'number', min: 0.001, placeholder: 'ms', description: 'latency p99 budget' },
    'max-p50': { type: 'number', min: 0.001, placeholder: 'ms', description: 'latency p50 budget' },
    'max-error-rate': { type: 'number', min: 0, max: 1, description: 'error rate budget (0..1)' },
    as: { type: 'string', placeholder: 'principal', description: 'who starts it (default $STEWARD_USER; through the API: the token\'s)' },
    ...apiFlag,
  },
  examples: ['steward monitor start adult-income --window 1h --max-p99 50 --max-error-rate 0.01 --as ravi'],
  async run({ model, window, predictions, maxP99, maxP50, maxErrorRate, as, api }, ctx) {
    const given = {
      ...(window !== undefined ? { window } : {}),
      ...(predictions !== undefined ? { windowPredictions: predictions } : {}),
      budgets: { ...(maxP99 !== undefined ? { latencyP99Ms: maxP99 } : {}), ...(maxP50 !== undefined ? { latencyP50Ms: maxP50 } : {}), ...(maxErrorRate !== undefined ? { errorRate: maxErrorRate } : {}) },
    };
    const remote = await ctx.remote(api);
    let id: string;
    let settings: { window?: number | string; windowPredictions?: number };
    if (remote) {
      (await import('../remote')).refuseAs(as);
      // The API applies the policy's monitoring section under these, as below.
      ({ workflowId: id, settings } = await remote.post<{ workflowId: string; settings: typeof settings }>(modelPath(model), given));
    } else {
      const [{ getModel }, { startMonitor, monitorSettingsFor }] = await Promise.all([import('../../lib/registry/models'), import('../../lib/monitoring/client')]);
      const requestedBy = ctx.principal(as);
      const { db } = await ctx.database();
      const { policy } = await getModel(db, model);
      settings = monitorSettingsFor(policy.monitoring, given);
      id = await startMonitor(await ctx.temporal(), { model, requestedBy, settings });
    }
    const minutes = typeof settings.window === 'number' ? settings.window / 60_000 : 60;
    ctx.print({ model, workflowId: id, settings }, () => `started ${id} (windows of ${minutes.toFixed(0)} min${settings.windowPredictions ? ` or ${settings.windowPredictions} predictions` : ''}); see: steward monitor ${model}`);
    return 0;
  },
});

const stop = defineCommand({
  name: 'stop',
  summary: "stop a model's monitor (its windows stay stored)",
  positionals: [{ name: 'model', description: 'a registered model' }],
  flags: {
    reason: { type: 'string', placeholder: 'text', description: 'why; recorded' },
    as: { type: 'string', placeholder: 'principal', description: 'who stops it (default $STEWARD_USER; through the API: the token\'s)' },
    ...apiFlag,
  },
  examples: ['steward monitor stop adult-income --as ravi --reason "model retired"'],
  async run({ model, reason, as, api }, ctx) {
    const remote = await ctx.remote(api);
    let state: MonitorState;
    if (remote) {
      (await import('../remote')).refuseAs(as);
      state = await remote.post<MonitorState>(`${modelPath(model)}/stop`, reason !== undefined ? { reason } : {});
    } else {
      const { stopMonitor } = await import('../../lib/monitoring/client');
      state = await stopMonitor(await ctx.temporal(), model, { principal: ctx.principal(as), reason });
    }
    ctx.print(state, () => `stopped the monitor of ${model} after ${state.nextIndex} window(s); ${state.firings} trigger firing(s)`);
    return 0;
  },
});

const status = defineCommand({
  name: 'status',
  summary: "the running monitor's state: next window, recent windows, trigger firings",
  positionals: [{ name: 'model', description: 'a registered model' }],
  flags: { ...apiFlag },
  examples: ['steward monitor status adult-income --json'],
  async run({ model, api }, ctx) {
    const remote = await ctx.remote(api);
    const s = remote ? await remote.get<MonitorState>(modelPath(model)) : await (await import('../../lib/monitoring/client')).monitorState(await ctx.temporal(), model);
    ctx.print(s, () =>
      [
        `monitor   ${model}: ${s.status} (run ${s.run})`,
        `next      window ${s.nextIndex} from ${s.nextStart}`,
        `windows   every ${s.settings.window / 60_000} min${s.settings.windowPredictions ? ` or ${s.settings.windowPredictions} predictions` : ''}`,
        `firings   ${s.firings}${s.lastFirings.length ? ` (latest: ${s.lastFirings.map((f) => `${f.trigger} on window ${f.window}: ${f.reason}`).join('; ')})` : ''}`,
      ].join('\n'),
    );
    return 0;
  },
});

export const monitor = defineGroup({
  name: 'monitor',
  summary: 'watch a served model: windows of drift, latency, errors, volume and accuracy (start, stop, status)',
  default: show,
  subcommands: [start, stop, status],
});
