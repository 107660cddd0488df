/** `steward versions`: a model's versions with their metrics and lineage. */
import { apiFlag, defineCommand } from '../command';

export const versions = defineCommand({
  name: 'versions',
  summary: "list a model's versions with metrics and lineage (and why a version is bad)",
  positionals: [{ name: 'model', description: 'a registered model' }],
  flags: apiFlag,
  examples: ['steward versions adult-income'],
  async run({ model, api }, ctx) {
    const { versionSchema, isoDates } = await import('../../api/schemas');
    const remote = await ctx.remote(api);
    const raw = remote
      ? await remote.get<unknown[]>(`/v1/models/${encodeURIComponent(model)}/versions`)
      : (await (await import('../../lib/registry/models')).listVersions((await ctx.database()).db, model)).map(isoDates);
    const rows = raw.map((r) => versionSchema.parse(r));
    ctx.print(
      rows,
      () =>
        rows
          .map(
            (v) =>
              `v${v.version} ${v.status.padEnd(10)} ${JSON.stringify(v.metrics)} model ${v.modelSha256.slice(0, 12)} data ${String(v.lineage.dataSha256).slice(0, 12)}${v.badReason ? `\n    bad: ${v.badReason}` : ''}`,
          )
          .join('\n') || 'no versions',
    );
    return 0;
  },
});
