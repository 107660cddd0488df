/**
 * `steward rollout`: roll a version out (canary, blue-green or shadow) and act on the running
 * rollout: status, pause, resume, abort, promote (Workflow Updates; only the model's operators and
 * approvers). With `--api <url>` (or $STEWARD_API) every subcommand goes through the control API
 * (`/v1/models/{model}/rollout`), the principal from the token.
 */
import type { RolloutState } from '../../lib/rollout/types';
import { apiFlag, defineCommand, defineGroup, type RunContext } from '../command';
import type { ApiClient } from '../remote';

const rolloutPath = (model: string) => `/v1/models/${encodeURIComponent(model)}/rollout`;

/** Through the API, a rollout's outcome is its state once it no longer runs (polled). */
async function remoteOutcome(remote: ApiClient, model: string): Promise<RolloutState> {
  for (;;) {
    const state = await remote.get<RolloutState>(rolloutPath(model));
    if (state.status !== 'running') return state;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function formatRollout(s: RolloutState, ui?: string): string {
  const lines = [
    `rollout   ${s.rolloutId}`,
    `model     ${s.model} v${s.version}${s.baselineVersion !== undefined && s.baselineVersion !== null ? ` (production v${s.baselineVersion})` : ''}, ${s.strategy ?? '?'}`,
    `status    ${s.status}${s.status === 'running' ? ` (${s.stage})` : ''}${s.reason ? `: ${s.reason}` : ''}`,
    `traffic   v${s.version} ${s.weight}%${s.steps.length ? ` (steps ${s.steps.join(', ')}; at step ${s.step + 1})` : ''}`,
    `requested ${s.requestedBy}${s.releaseId ? ` (release ${s.releaseId})` : ''}`,
  ];
  if (s.pausedBecause) lines.push(`paused    ${s.pausedBecause}`);
  if (s.overrideBad) lines.push(`override  rolled out although marked bad: ${s.overrideBad.reason}`);
  for (const m of s.measurements.slice(-5)) {
    const c = m.candidate;
    const numbers = c ? `v${c.version}: ${c.predictions} predictions, ${(c.errorRate * 100).toFixed(2)}% errors, p99 ${c.latencyP99Ms?.toFixed(1) ?? '-'} ms${m.drift !== null ? `, PSI ${m.drift.toFixed(3)}` : ''}` : '';
    lines.push(`analysis  ${m.at} ${m.verdict.padEnd(12)} ${numbers}${m.reasons.length ? ` -- ${m.reasons.join('; ')}` : ''}`);
  }
  for (const d of s.decisions) lines.push(`decision  ${d.action} by ${d.principal} at ${d.at}${d.reason ? `: ${d.reason}` : ''}`);
  if (ui) lines.push(`web ui    ${ui}`);
  return lines.join('\n');
}

const uiLink = (ctx: RunContext, model: string) => {
  const ui = ctx.uiUrl();
  return ui ? `${ui}/namespaces/${ctx.config.temporal.namespace}/workflows/rollout-${model}` : undefined;
};

const start = defineCommand({
  name: 'start',
  summary: 'roll a version out: canary steps, blue-green or shadow, with automatic rollback on a failed analysis',
  details: [
    'Defaults come from the policy\'s `rollout` section. Canary: traffic moves through the steps; at each an analysis',
    'runs every interval over the live prediction log (error rate, latency p99, score drift against production on the',
    'same window, accuracy on live labels when enough have arrived). A failed analysis rolls back by itself and marks',
    'the version bad; an inconclusive one (too little traffic) pauses for a person. Production moves when it completes.',
    'A version marked bad needs --override-bad with --reason (recorded). Only operators and approvers may roll out.',
  ].join('\n'),
  positionals: [
    { name: 'model', description: 'a registered model' },
    { name: 'version', description: 'the version to roll out' },
  ],
  flags: {
    strategy: { type: 'string', placeholder: 'canary|blue-green|shadow', description: "how traffic moves (default: the policy's)" },
    steps: { type: 'string', placeholder: '10,50,100', description: 'canary traffic percentages, ending at 100' },
    interval: { type: 'duration', description: 'time between analyses, e.g. 1m' },
    'override-bad': { type: 'boolean', description: 'roll out a version marked bad (needs --reason)' },
    reason: { type: 'string', placeholder: 'text', description: 'why (required with --override-bad); recorded' },
    as: { type: 'string', placeholder: 'principal', description: "who rolls out (default $STEWARD_USER; through the API: the token's)" },
    wait: { type: 'boolean', description: 'wait for the outcome; exit 0 only when it completed' },
    ...apiFlag,
  },
  examples: ['steward rollout adult-income 3 --strategy canary --steps 10,50,100 --interval 1m --as ravi', 'steward rollout adult-income 2 --override-bad --reason "v3 is worse; v2\'s alert was a false alarm" --as ravi'],
  async run({ model, version, strategy, steps, interval, overrideBad, reason, as, wait, api }, ctx) {
    const { StewardError } = await import('../../lib/core/errors');
    const v = Number(version);
    if (!Number.isInteger(v) || v < 1) throw new StewardError('InvalidInput', `must be a version number, got "${version}"`, { field: 'version' });
    if (overrideBad && !reason) throw new StewardError('InvalidInput', 'overriding a bad version needs --reason (it is recorded)', { field: '--reason' });
    const stepList = steps === undefined ? undefined : steps.split(',').map((x) => Number(x.trim()));
    const remote = await ctx.remote(api);
    let id: string;
    let outcome: () => Promise<RolloutState>;
    if (remote) {
      (await import('../remote')).refuseAs(as);
      // The API answers once the start checks passed: a refused rollout fails here, as a problem.
      id = (await remote.post<{ workflowId: string }>(rolloutPath(model), { version: v, strategy, steps: stepList, interval, overrideBad: overrideBad || undefined, reason })).workflowId;
      outcome = () => remoteOutcome(remote, model);
    } else {
      const { startRollout, rolloutResult } = await import('../../lib/rollout/client');
      const client = await ctx.temporal();
      id = await startRollout(client, {
        model,
        version: v,
        requestedBy: ctx.principal(as),
        strategy: strategy as 'canary' | 'blue-green' | 'shadow' | undefined,
        steps: stepList,
        intervalMs: interval,
        overrideBad: overrideBad ? { reason: reason! } : undefined,
      });
      outcome = () => rolloutResult(client, model);
    }
    if (!wait) {
      ctx.print({ rolloutId: id, ui: uiLink(ctx, model) }, () => `rollout ${id} started (follow it: steward rollout status ${model})`);
      return 0;
    }
    const state = await outcome();
    ctx.print(state, () => formatRollout(state, uiLink(ctx, model)));
    return state.status === 'completed' ? 0 : 1;
  },
});

const status = defineCommand({
  name: 'status',
  summary: "a model's current (or last) rollout: traffic, analyses, decisions",
  positionals: [{ name: 'model', description: 'a registered model' }],
  flags: { ...apiFlag },
  examples: ['steward rollout status adult-income', 'steward rollout status adult-income --api http://127.0.0.1:8081 --json'],
  async run({ model, api }, ctx) {
    const remote = await ctx.remote(api);
    const state = remote ? await remote.get<RolloutState>(rolloutPath(model)) : await (await import('../../lib/rollout/client')).rolloutState(await ctx.temporal(), model);
    ctx.print(state, () => formatRollout(state, uiLink(ctx, model)));
    return 0;
  },
});

function operator(action: 'pause' | 'resume' | 'abort' | 'promote', summary: string, example: string) {
  return defineCommand({
    name: action,
    summary,
    details: "Only the model's operators and approvers; refused requests change nothing. Principal: --as, else $STEWARD_USER (through the API: the token's).",
    positionals: [{ name: 'model', description: 'a model with a running rollout' }],
    flags: {
      as: { type: 'string', placeholder: 'principal', description: 'who acts (default $STEWARD_USER)' },
      reason: { type: 'string', placeholder: 'text', description: 'why; recorded in the audit trail' },
      ...apiFlag,
    },
    examples: [example],
    async run({ model, as, reason, api }, ctx) {
      const remote = await ctx.remote(api);
      let state: RolloutState;
      if (remote) {
        (await import('../remote')).refuseAs(as);
        state = await remote.post<RolloutState>(`${rolloutPath(model)}/${action}`, reason !== undefined ? { reason } : {});
      } else {
        const { operateRollout } = await import('../../lib/rollout/client');
        state = await operateRollout(await ctx.temporal(), model, action, { principal: ctx.principal(as), reason: reason ?? '' });
      }
      ctx.print(state, () => formatRollout(state));
      return 0;
    },
  });
}

export const rollout = defineGroup({
  name: 'rollout',
  summary: 'roll versions out and steer the running rollout',
  default: start,
  subcommands: [
    status,
    operator('pause', 'pause the running rollout (traffic stays where it is)', 'steward rollout pause adult-income --as ravi --reason "holiday traffic"'),
    operator('resume', 'resume a paused rollout (it measures again)', 'steward rollout resume adult-income --as ravi'),
    operator('abort', 'abort the running rollout: all traffic back to production (the version is not marked bad)', 'steward rollout abort adult-income --as ravi --reason "wrong version"'),
    operator('promote', 'skip the remaining steps: the version takes all traffic and production moves', 'steward rollout promote adult-income --as lena --reason "business sign-off"'),
  ],
});
