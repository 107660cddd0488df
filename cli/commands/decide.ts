/** `steward approve` and `steward reject`: a human decision on a release waiting for sign-off. */
import { defineCommand } from '../command';

function decision(kind: 'approve' | 'reject', example: string) {
  return defineCommand({
    name: kind,
    summary: `${kind} a release waiting for sign-off`,
    details: "The principal must be one of the policy's approvers and not the release's requester. Principal: --as, else $STEWARD_USER.",
    positionals: [{ name: 'release', description: 'the release id (printed by steward release)' }],
    flags: {
      as: { type: 'string', placeholder: 'principal', description: 'who decides (default $STEWARD_USER)' },
      comment: { type: 'string', placeholder: 'text', description: 'why; recorded in the audit trail and the model card' },
    },
    examples: [example],
    async run({ release: id, as, comment }, ctx) {
      const who = ctx.principal(as);
      const { decideRelease } = await import('../../lib/release/client');
      const state = await decideRelease(await ctx.temporal(), id, kind, { principal: who, comment: comment ?? '' });
      ctx.print(state, () => `${kind === 'approve' ? 'approved' : 'rejected'} ${id} as ${who}; release is now ${state.status === 'running' ? state.stage : state.status}`);
      return 0;
    },
  });
}

export const approve = decision('approve', 'steward approve release-adult-income-20261103-4f2a9c --as ravi --comment "fairness report reviewed"');
export const reject = decision('reject', 'steward reject release-adult-income-20261103-4f2a9c --as ravi --comment "recall regression in the 60+ group"');
