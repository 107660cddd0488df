/** `steward status`: a release's stage, evidence and decisions. */
import { defineCommand } from '../command';
import { formatState } from '../format';

export const status = defineCommand({
  name: 'status',
  summary: "a release's stage, evidence and decisions",
  positionals: [{ name: 'release', description: 'the release id (printed by steward release)' }],
  examples: ['steward status release-adult-income-20261103-4f2a9c'],
  async run({ release: id }, ctx) {
    const state = await (await import('../../lib/release/client')).releaseState(await ctx.temporal(), id);
    ctx.print(state, () => formatState(state));
    return 0;
  },
});
