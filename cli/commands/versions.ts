/** `steward versions`: a model's versions with their metrics and lineage. */
import { defineCommand } from '../command';

export const versions = defineCommand({
  name: 'versions',
  summary: "list a model's versions with metrics and lineage (and why a version is bad)",
  positionals: [{ name: 'model', description: 'a registered model' }],
  examples: ['steward versions adult-income'],
  async run({ model }, ctx) {
    const { db } = await ctx.database();
    const rows = await (await import('../../lib/registry/models')).listVersions(db, model);
    ctx.print(
      rows,
      () =>
        rows
          .map(
            (v) =>
              `v${v.version} ${v.status.padEnd(10)} ${JSON.stringify(v.metrics)} model ${v.modelSha256.slice(0, 12)} data ${String((v.lineage as { dataSha256?: string }).dataSha256).slice(0, 12)}${v.badReason ? `\n    bad: ${v.badReason}` : ''}`,
          )
          .join('\n') || 'no versions',
    );
    return 0;
  },
});
