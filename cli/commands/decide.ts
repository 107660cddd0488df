/** `steward approve` and `steward reject`: a human decision on a release waiting for sign-off. */
import { StewardError } from '../../lib/core/errors';
import type { ReleaseState } from '../../lib/release/types';
import { apiFlag, defineCommand } from '../command';

function decision(kind: 'approve' | 'reject', example: string) {
  return defineCommand({
    name: kind,
    summary: `${kind} a release waiting for sign-off`,
    details: [
      "The principal must be one of the policy's approvers and not the release's requester. Principal: --as, else $STEWARD_USER.",
      "With --api (or $STEWARD_API) the control API signs and sends the decision as the token's principal ($STEWARD_TOKEN); with auth on, that is the only way.",
    ].join('\n'),
    positionals: [{ name: 'release', description: 'the release id (printed by steward release)' }],
    flags: {
      as: { type: 'string', placeholder: 'principal', description: 'who decides (default $STEWARD_USER; refused when auth is on)' },
      comment: { type: 'string', placeholder: 'text', description: 'why; recorded in the audit trail and the model card' },
      ...apiFlag,
    },
    examples: [example],
    async run({ release: id, as, comment, api }, ctx) {
      const { releaseStateSchema } = await import('../../api/schemas');
      const remote = await ctx.remote(api);
      let state: ReleaseState;
      let who: string;
      if (remote) {
        if (as !== undefined) throw new StewardError('InvalidInput', "through the control API the decision is the token's principal's: drop --as", { field: '--as' });
        state = await remote.post<ReleaseState>(`/v1/releases/${encodeURIComponent(id)}/${kind}`, { comment: comment ?? '' });
        who = state.approvals.at(-1)?.principal ?? '?';
      } else {
        who = ctx.principal(as);
        const { decideRelease } = await import('../../lib/release/client');
        state = await decideRelease(await ctx.temporal(), id, kind, { principal: who, comment: comment ?? '' });
      }
      ctx.print(releaseStateSchema.parse(state), () => `${kind === 'approve' ? 'approved' : 'rejected'} ${id} as ${who}; release is now ${state.status === 'running' ? state.stage : state.status}`);
      return 0;
    },
  });
}

export const approve = decision('approve', 'steward approve release-adult-income-20261103-4f2a9c --as ravi --comment "fairness report reviewed"');
export const reject = decision('reject', 'steward reject release-adult-income-20261103-4f2a9c --as ravi --comment "recall regression in the 60+ group"');
