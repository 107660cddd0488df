/**
 * `steward predict`: offline batch scoring of a file through the same code path the gateway serves
 * (the version's stored feature pipeline and forward pass), so its scores are the ones the gateway
 * returns for the same rows: the consistency check between serving and training-time scoring.
 */
import { defineCommand } from '../command';

export const predict = defineCommand({
  name: 'predict',
  summary: "score a file with a model version (the gateway's code path); writes line,score CSV",
  details: [
    "The file is read as the model's policy says (dialect, columns, types). Without --version, the production",
    'version scores it. Output: one `line,score` row per record (line = the record\'s line in the file), scores',
    'printed with full precision, to --out or standard output.',
  ].join('\n'),
  positionals: [{ name: 'model', description: 'a registered model' }],
  flags: {
    data: { type: 'path', required: true, description: 'the rows to score' },
    version: { type: 'number', integer: true, min: 1, description: 'version to score with (default: production)' },
    out: { type: 'path', description: 'CSV file to write (default: standard output)' },
  },
  examples: ['steward predict adult-income --data adult.test --out scores.csv', 'steward predict adult-income --data batch.csv --version 3 --out v3.csv'],
  async run({ model, data, version, out }, ctx) {
    const { db } = await ctx.database();
    const [{ getModel, getVersion, productionVersion }, { loadModelTable }, { localArtifactStore }, { loadScorer }, { StewardError }, { writeFileSync }] = await Promise.all([
      import('../../lib/registry/models'),
      import('../../lib/policy/io'),
      import('../../lib/runtime/artifacts'),
      import('../../lib/serving/scorer'),
      import('../../lib/core/errors'),
      import('node:fs'),
    ]);
    const { policy } = await getModel(db, model);
    const row = version === undefined ? await productionVersion(db, model) : await getVersion(db, model, version);
    if (!row) throw new StewardError('NotFound', `model "${model}" has no production version; pass --version`);
    const scorer = await loadScorer(await localArtifactStore(ctx.config.artifactsDir).get(row.modelSha256));
    const read = await loadModelTable(data, policy);
    const scores = scorer.score(read.table);
    const lines = ['line,score'];
    for (let i = 0; i < scores.length; i++) lines.push(`${read.lines[i]},${scores[i]}`);
    const csv = `${lines.join('\n')}\n`;
    if (out) {
      writeFileSync(out, csv);
      ctx.print({ model, version: row.version, rows: scores.length, engine: scorer.engine, out }, () => `scored ${scores.length} rows of ${data} with ${model} v${row.version} (${scorer.engine}) -> ${out}`);
    } else if (ctx.json) ctx.print({ model, version: row.version, rows: scores.length, engine: scorer.engine, scores: Array.from(scores) }, () => '');
    else ctx.write(csv);
    scorer.dispose();
    return 0;
  },
});
