/** `steward status`: a release's stage, evidence and decisions. */
import type { ReleaseState } from '../../lib/release/types';
import { apiFlag, defineCommand } from '../command';
import { formatState } from '../format';

export const status = defineCommand({
  name: 'status',
  summary: "a release's stage, evidence and decisions",
  positionals: [{ name: 'release', description: 'the release id (printed by steward release)' }],
  flags: apiFlag,
  examples: ['steward status release-adult-income-20261103-4f2a9c'],
  async run({ release: id, api }, ctx) {
    const remote = await ctx.remote(api);
    const state = remote
      ? await remote.get<ReleaseState>(`/v1/releases/${encodeURIComponent(id)}`)
      : await (await import('../../lib/release/client')).releaseState(await ctx.temporal(), id);
    const { releaseStateSchema } = await import('../../api/schemas');
    ctx.print(releaseStateSchema.parse(state), () => formatState(state));
    return 0;
  },
});
