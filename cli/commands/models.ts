/** `steward models`: the registered models with their production and latest versions. */
import { defineCommand } from '../command';

export const models = defineCommand({
  name: 'models',
  summary: 'list models with their production and latest versions',
  examples: ['steward models', 'steward models --json'],
  async run(_args, ctx) {
    const { db } = await ctx.database();
    const rows = await (await import('../../lib/registry/models')).listModels(db);
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
