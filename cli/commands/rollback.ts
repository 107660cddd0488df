/**
 * `steward rollback`: production and all traffic back to an earlier version, recorded as a workflow.
 * With `--api <url>` (or $STEWARD_API) it goes through the control API, the principal from the token.
 */
import type { RollbackResult } from '../../lib/rollout/types';
import { apiFlag, defineCommand } from '../command';

export const rollback = defineCommand({
  name: 'rollback',
  summary: 'move production and all traffic back to an earlier version (never to a bad one unless overridden)',
  details: [
    'Without --to: the last version that completed a rollout and is not marked bad. The version left behind is marked',
    'bad with the reason, so no later rollout or rollback returns to it by accident. A target marked bad is refused',
    'unless --override-bad (the reason is recorded). A running rollout of the model is aborted first. Gateways serve',
    'the target within a second. Only operators and approvers. Principal: --as, else $STEWARD_USER (through the API: the token\'s).',
  ].join('\n'),
  positionals: [{ name: 'model', description: 'a registered model' }],
  flags: {
    to: { type: 'number', integer: true, min: 1, description: 'the version to return to (default: the last good one)' },
    reason: { type: 'string', required: true, placeholder: 'text', description: 'why; recorded with the rollback and on the version left behind' },
    'override-bad': { type: 'boolean', description: 'allow a target marked bad' },
    as: { type: 'string', placeholder: 'principal', description: "who rolls back (default $STEWARD_USER; through the API: the token's)" },
    ...apiFlag,
  },
  examples: ['steward rollback adult-income --as ravi --reason "complaints about v4 scores"', 'steward rollback adult-income --to 2 --override-bad --as ravi --reason "v3 worse than v2\'s false alarm"'],
  async run({ model, to, reason, overrideBad, as, api }, ctx) {
    const remote = await ctx.remote(api);
    let result: RollbackResult;
    if (remote) {
      (await import('../remote')).refuseAs(as);
      result = await remote.post<RollbackResult>(`/v1/models/${encodeURIComponent(model)}/rollback`, { to, reason, overrideBad: overrideBad || undefined });
    } else {
      const { rollback: rollBack } = await import('../../lib/rollout/client');
      result = await rollBack(await ctx.temporal(), { model, to, requestedBy: ctx.principal(as), reason, overrideBad });
    }
    ctx.print(
      result,
      () =>
        `rolled ${model} back from v${result.from} to v${result.to} (${result.rollbackId}); v${result.markedBad} is marked bad${result.overrideBad ? `; v${result.to} was marked bad: overridden` : ''}`,
    );
    return 0;
  },
});
