/** `steward models`: the registered models with their production and latest versions. */
import type { ModelSummary } from '../../lib/registry/models';
import { apiFlag, defineCommand } from '../command';

export const models = defineCommand({
  name: 'models',
  summary: 'list models with their production and latest versions',
  flags: apiFlag,
  examples: ['steward models', 'steward models --json'],
  async run({ api }, ctx) {
    const remote = await ctx.remote(api);
    const rows = remote ? await remote.get<ModelSummary[]>('/v1/models') : await (await import('../../lib/registry/models')).listModels((await ctx.database()).db);
    ctx.print(rows, () =>
      rows.length === 0
        ? 'no models registered (steward register <policy.json>)'
        : rows
            .map((m) => `${m.name.padEnd(24)} production ${m.productionVersion === null ? '-' : `v${m.productionVersion}`}  latest ${m.latestVersion === null ? '-' : `v${m.latestVersion}`}  releases ${m.releases}  ${m.description}`)
            .join('\n'),
    );
    return 0;
  },
});
