/**
 * `steward detect`: runs a streaming change detector (river 0.26's DDM, EDDM, ADWIN or Page-Hinkley,
 * same definitions and defaults) over one column of a file, row by row, and reports the 0-based row
 * indices after which it signalled a drift or a warning.
 */
import { defineCommand } from '../command';

export const detect = defineCommand({
  name: 'detect',
  summary: 'change points of a column with a streaming detector (ddm, eddm, adwin, page-hinkley; as river 0.26)',
  details: [
    'Feeds the column to the detector in file order; indices are 0-based data rows (the header is not a row).',
    'DDM and EDDM read an error indicator (1 = error, 0 = correct); ADWIN and Page-Hinkley any number.',
    'Parameters keep river\'s names and defaults:',
    '  ddm: warm_start=30 warning_threshold=2 drift_threshold=3',
    '  eddm: warm_start=30 alpha=0.95 beta=0.9',
    '  adwin: delta=0.002 clock=32 max_buckets=5 min_window_length=5 grace_period=10',
    '  page-hinkley: min_instances=30 delta=0.005 threshold=50 alpha=0.9999 mode=both (up, down)',
    'Every row needs a value: a missing or non-numeric value is an error naming its row.',
  ].join('\n'),
  positionals: [{ name: 'file', type: 'path', description: 'a CSV (or JSON Lines) file, rows in time order' }],
  flags: {
    column: { type: 'string', required: true, description: 'the column to watch' },
    detector: { type: 'string', required: true, placeholder: 'ddm|eddm|adwin|page-hinkley', description: 'the change detector' },
    param: { type: 'string', multiple: true, placeholder: 'name=value', description: "a detector parameter by river's name (repeatable)" },
    separator: { type: 'string', placeholder: 'char', description: 'field separator (default ",")' },
  },
  examples: ['steward detect errors.csv --column error --detector ddm --json', 'steward detect latency.csv --column p99 --detector page-hinkley --param threshold=20 --param mode=up'],
  async run({ file, column, detector, param, separator }, ctx) {
    const [{ StewardError }, { closest }, { createDetector, detectorNames, resolveDetectorParams }, { readHeader, readTable }] = await Promise.all([
      import('../../lib/core/errors'),
      import('../../lib/core/text'),
      import('../../lib/monitoring/detectors'),
      import('../../lib/data/reader'),
    ]);
    if (!(detectorNames as readonly string[]).includes(detector)) {
      const guess = closest(detector, [...detectorNames]);
      throw new StewardError('InvalidInput', `unknown detector "${detector}"${guess ? `; did you mean ${guess}?` : ''} (detectors: ${detectorNames.join(', ')})`, { field: '--detector' });
    }
    const name = detector as (typeof detectorNames)[number];
    const raw: Record<string, number | string> = {};
    for (const p of param) {
      const eq = p.indexOf('=');
      if (eq <= 0) throw new StewardError('InvalidInput', `"${p}" is not name=value (e.g. --param delta=0.01)`, { field: '--param' });
      const key = p.slice(0, eq).trim();
      const text = p.slice(eq + 1).trim();
      if (Object.hasOwn(raw, key)) throw new StewardError('InvalidInput', `parameter "${key}" is given twice`, { field: '--param' });
      raw[key] = text !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
    }
    let params: Record<string, number | string>;
    try {
      params = resolveDetectorParams(name, raw);
    } catch (e) {
      const err = e as InstanceType<typeof StewardError>;
      throw new StewardError('InvalidInput', err.reason ?? err.message, { field: `--param ${err.location?.field ?? ''}`.trim() });
    }
    const options = { separator: separator ?? ',', trim: true };
    const names = await readHeader(file, options);
    if (!names.includes(column)) {
      const guess = closest(column, names);
      throw new StewardError('InvalidInput', `no column "${column}"${guess ? `; did you mean "${guess}"?` : ''} (columns: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', ...' : ''})`, { file, field: '--column' });
    }
    // The column's type is inferred, so a true/false error column reads as 1/0.
    const table = await readTable(file, options);
    const read = table.columns.find((c) => c.name === column);
    if (!read || read.type === 'categorical') {
      throw new StewardError('DataContractViolation', `holds text (e.g. "${read?.type === 'categorical' ? (read.dictionary[0] ?? '') : ''}"); a detector reads numbers, or true/false`, { file, column });
    }
    const values = read.values;
    const running = createDetector(name, params);
    const drifts: number[] = [];
    const warnings: number[] = [];
    for (let i = 0; i < values.length; i++) {
      const x = values[i];
      const where = { file, row: table.lines[i], column };
      if (Number.isNaN(x)) throw new StewardError('MalformedData', `missing value (data row ${i}): a detector needs a value on every row; drop or fill the row`, where);
      if ((name === 'ddm' || name === 'eddm') && x !== 0 && x !== 1) throw new StewardError('MalformedData', `${name} reads an error indicator (1 = error, 0 = correct), found ${x} (data row ${i})`, where);
      const signal = running.update(x);
      if (signal.drift) drifts.push(i);
      if (signal.warning) warnings.push(i);
    }
    const result = { drifts, warnings, detector: name, params, column, rows: values.length };
    const list = (xs: number[]) => (xs.length === 0 ? 'none' : xs.length > 30 ? `${xs.slice(0, 30).join(', ')}, ... (${xs.length} in all)` : xs.join(', '));
    ctx.print(result, () =>
      [
        `${name} (${Object.entries(params).map(([k, v]) => `${k}=${v}`).join(' ')}) on "${column}", ${values.length} rows`,
        `drifts: ${list(drifts)}`,
        ...(name === 'ddm' || name === 'eddm' ? [`warnings: ${list(warnings)}`] : []),
      ].join('\n'),
    );
    return 0;
  },
});
