/**
 * `steward predict`: offline batch scoring of a file through the same code path the gateway serves
 * (the version's stored feature pipeline and forward pass, or an imported model's declared inputs and
 * runtime), so its scores are the ones the gateway returns for the same rows: the consistency check
 * between serving and training-time scoring.
 */
import { defineCommand } from '../command';

/** A CSV field, quoted when it holds a comma, a quote or a line break. */
const csvField = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export const predict = defineCommand({
  name: 'predict',
  summary: "score a file with a model version (the gateway's code path); writes line,score CSV",
  details: [
    "The file is read as the model's policy says (dialect, columns, types). Without --version, the production",
    'version scores it. Output: one `line,score` row per record (line = the record\'s line in the file), scores',
    'printed with full precision, to --out or standard output. A multiclass version writes one `p_<class>`',
    'column per class (its probability, in the classes\' order) and a `predicted` column (the most probable class).',
    'Trained and imported (ONNX, TF.js Layers) versions alike.',
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
    const [{ getModel, getVersion, productionVersion }, { loadModelTable }, { localArtifactStore }, { loadScorer, rowOutput }, { StewardError }, { writeFileSync }] = await Promise.all([
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
    let scores: Float64Array;
    try {
      scores = await scorer.score(read.table);
    } finally {
      await scorer.dispose();
    }
    const rows = scores.length / scorer.outputWidth;
    const classes = scorer.classes;
    const outputs = Array.from({ length: rows }, (_, i) => rowOutput(scorer, scores, i));
    const lines = [classes ? ['line', ...classes.map((c) => csvField(`p_${c}`)), 'predicted'].join(',') : 'line,score'];
    for (let i = 0; i < rows; i++) {
      const o = outputs[i]!;
      lines.push(o.probabilities ? [read.lines[i], ...o.probabilities, csvField(o.predictedClass!)].join(',') : `${read.lines[i]},${o.score}`);
    }
    const csv = `${lines.join('\n')}\n`;
    const summary = { model, version: row.version, rows, engine: scorer.engine, format: scorer.format };
    if (out) {
      writeFileSync(out, csv);
      ctx.print({ ...summary, out }, () => `scored ${rows} rows of ${data} with ${model} v${row.version} (${scorer.engine}) -> ${out}`);
    } else if (ctx.json) {
      ctx.print(classes ? { ...summary, classes, scores: outputs.map((o) => o.probabilities), predicted: outputs.map((o) => o.predictedClass) } : { ...summary, scores: Array.from(scores) }, () => '');
    } else ctx.write(csv);
    return 0;
  },
});
