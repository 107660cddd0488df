/** `steward labels`: delayed labels from a file, joined to logged predictions by prediction id or request key. */
import { defineCommand } from '../command';

export const labels = defineCommand({
  name: 'labels',
  summary: 'record delayed labels from a CSV or JSON Lines file against logged predictions (by prediction id or request key)',
  details: [
    'Each row gives a label and the prediction it belongs to: --id-column holds prediction ids (as the gateway returned',
    'them), or, with --by key, request keys (the x-steward-key header; every served prediction made under the key gets',
    'the label, matched through its keyed hash: use the same $STEWARD_LOG_KEY as the gateways). A label lands on its',
    "prediction, so it counts in that prediction's monitor window however late it arrives. Re-sending a file changes",
    'nothing; a changed label replaces the old one. References that match no logged prediction are counted and listed.',
  ].join('\n'),
  positionals: [
    { name: 'model', description: 'a registered model' },
    { name: 'file', description: 'CSV or JSON Lines file of labels' },
  ],
  flags: {
    'id-column': { type: 'string', required: true, placeholder: 'column', description: 'the column holding prediction ids (or request keys with --by key)' },
    'label-column': { type: 'string', required: true, placeholder: 'column', description: 'the column holding the labels' },
    by: { type: 'string', placeholder: 'id|key', description: 'what the id column holds: prediction ids (default) or request keys' },
  },
  examples: ['steward labels adult-income outcomes.csv --id-column prediction_id --label-column income', 'steward labels adult-income outcomes.csv --id-column customer --label-column income --by key'],
  async run({ model, file, idColumn, labelColumn, by }, ctx) {
    const [{ StewardError }, { readTable }, { getModel }, { recordLabels }, { hashRequestKey }, { logSecret }] = await Promise.all([
      import('../../lib/core/errors'),
      import('../../lib/data/reader'),
      import('../../lib/registry/models'),
      import('../../lib/serving/log-store'),
      import('../../lib/serving/privacy'),
      import('../../lib/serving/secret'),
    ]);
    const mode = by ?? 'id';
    if (mode !== 'id' && mode !== 'key') throw new StewardError('InvalidInput', `--by must be "id" or "key", got "${mode}"`, { field: 'by' });
    if (idColumn === labelColumn) throw new StewardError('InvalidInput', 'the id and label columns must differ', { field: 'label-column' });
    const { db } = await ctx.database();
    await getModel(db, model);
    const read = await readTable(file, { columns: [{ name: idColumn, type: 'categorical' }, { name: labelColumn, type: 'categorical' }], missing: [''] });
    const column = (name: string) => {
      const c = read.columns.find((x) => x.name === name);
      if (!c || c.type !== 'categorical') throw new StewardError('DataContractViolation', `the file has no column "${name}"`, { file, column: name });
      return c;
    };
    const ids = column(idColumn);
    const values = column(labelColumn);
    const secret = mode === 'key' ? logSecret(ctx.config) : null;
    const refs = [];
    for (let i = 0; i < ids.codes.length; i++) {
      const id = ids.codes[i] < 0 ? null : ids.dictionary[ids.codes[i]];
      const label = values.codes[i] < 0 ? null : values.dictionary[values.codes[i]];
      if (id === null || label === null) {
        throw new StewardError('InvalidInput', `row without ${id === null ? 'an id' : 'a label'}: every row needs both`, { file, row: read.lines[i], column: id === null ? idColumn : labelColumn });
      }
      refs.push(secret ? { keyHash: hashRequestKey(secret, model, id), key: id, label } : { predictionId: id, label });
    }
    const outcome = await recordLabels(db, model, refs);
    const result = { model, file, rows: refs.length, recorded: outcome.recorded, unchanged: outcome.unchanged, unknown: outcome.unknown.length, unknownReferences: outcome.unknown };
    ctx.print(result, () =>
      [
        `${model}: ${refs.length} label(s) read from ${file}: ${outcome.recorded} recorded, ${outcome.unchanged} already there unchanged, ${outcome.unknown.length} unknown`,
        ...(outcome.unknown.length > 0
          ? [`unknown ${mode === 'id' ? 'prediction ids' : 'request keys'} (no logged prediction of ${model}; pruned by retention, erased, or never logged): ${outcome.unknown.slice(0, 10).join(', ')}${outcome.unknown.length > 10 ? `, ... (${outcome.unknown.length - 10} more)` : ''}`]
          : []),
      ].join('\n'),
    );
    return 0;
  },
});
