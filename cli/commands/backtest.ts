/**
 * `steward backtest`: replays a time-ordered labelled file through the policy's monitoring triggers
 * (the monitor's own trigger code), prequentially, next to `never` and `periodic:N` retraining, and
 * reports each strategy's accuracy, retrains, training time and the windows where it acted.
 */
import type { BacktestResult } from '../../lib/monitoring/backtest';
import { defineCommand } from '../command';

function formatTable(r: BacktestResult): string {
  const head = ['strategy', 'accuracy', 'retrains', 'training s', 'retrained after windows'];
  const rows = r.strategies.map((s) => [s.strategy, (100 * s.accuracy).toFixed(2) + '%', String(s.retrains), (s.trainingMs / 1000).toFixed(1), s.retrainedAfter.length > 12 ? `${s.retrainedAfter.slice(0, 12).join(', ')}, ...` : s.retrainedAfter.join(', ') || '-']);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i].length)));
  const line = (x: string[]) => x.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  return [`${r.model}: ${r.rows - r.warmup} rows replayed after ${r.warmup} warm-up rows, windows of ${r.windowRows} rows, label delay ${r.labelDelay} rows`, line(head), ...rows.map(line)].join('\n');
}

export const backtestCommand = defineCommand({
  name: 'backtest',
  summary: "replay history through the policy's retraining triggers, beside never and periodic retraining (prequential)",
  details: [
    'Rows are predicted in file order by the model in force; a label is revealed --label-delay rows after its row;',
    "a strategy that retrains trains the policy's recipe on the last --train-rows revealed rows. The `policy`",
    "strategy evaluates the policy's monitoring triggers (the monitor's code) on every window; a fired `retrain`",
    'retrains. Windows are monitoring.window.predictions rows (or --window). Training runs in this process.',
  ].join('\n'),
  flags: {
    policy: { type: 'path', required: true, description: 'a policy file with a monitoring section' },
    data: { type: 'path', required: true, description: 'a labelled file in time order, read as the policy says' },
    strategies: { type: 'string', placeholder: 'list', description: 'comma-separated: never, periodic:<rows>, policy (default never,policy)' },
    'label-delay': { type: 'number', integer: true, min: 0, placeholder: 'rows', description: 'rows between a prediction and its label (default 0)' },
    window: { type: 'number', integer: true, min: 1, placeholder: 'rows', description: 'rows per window (default monitoring.window.predictions)' },
    'train-rows': { type: 'number', integer: true, min: 10, placeholder: 'rows', description: 'rows a (re)training uses, the most recent revealed (default 5000)' },
    warmup: { type: 'number', integer: true, min: 10, placeholder: 'rows', description: 'rows the first model trains on before the replay (default --train-rows)' },
    'row-interval': { type: 'duration', description: 'time between rows, for cooldowns (default monitoring.window.every / predictions, else 1m)' },
    svg: { type: 'path', description: 'also write the accuracy-per-window chart here' },
  },
  examples: ['steward backtest --policy policies/elec2.json --data ../shared/data/elec2/electricity-normalized.csv --strategies never,periodic:4800,policy --json'],
  async run(args, ctx) {
    const [{ writeFileSync }, { StewardError }, { loadPolicyFile }, { loadModelTable }, { labelsFromTable }, { backtest, backtestSvg, parseStrategies }, { inlineTrainer }] = await Promise.all([
      import('node:fs'),
      import('../../lib/core/errors'),
      import('../../lib/policy/load'),
      import('../../lib/policy/io'),
      import('../../lib/model/features'),
      import('../../lib/monitoring/backtest'),
      import('../../lib/monitoring/train'),
    ]);
    const strategies = parseStrategies(args.strategies ?? 'never,policy');
    if ('error' in strategies) throw new StewardError('InvalidInput', strategies.error, { field: '--strategies' });
    const policy = loadPolicyFile(args.policy);
    const monitoring = policy.monitoring;
    if (!monitoring && strategies.some((s) => s.kind === 'policy')) {
      throw new StewardError('InvalidPolicy', 'the `policy` strategy needs a monitoring section with triggers; add one or leave `policy` out of --strategies', { file: args.policy, field: 'monitoring' });
    }
    const windowRows = args.window ?? monitoring?.window.predictions;
    if (windowRows === undefined) throw new StewardError('InvalidInput', 'the policy does not size windows by count (monitoring.window.predictions): give --window <rows>', { field: '--window' });
    const every = monitoring?.window.every;
    const rowMs = args.rowInterval ?? (every !== undefined && monitoring?.window.predictions ? every / monitoring.window.predictions : 60_000);
    const { table, rows } = await loadModelTable(args.data, policy);
    const labels = labelsFromTable(table, policy.training.features.label);
    const trainRows = args.trainRows ?? 5000;
    const warmup = args.warmup ?? trainRows;
    if (warmup >= rows) throw new StewardError('InvalidInput', `--warmup ${warmup} leaves no row of the ${rows} to replay`, { file: args.data, field: '--warmup' });
    const result = await backtest({
      model: policy.model,
      table,
      labels,
      train: inlineTrainer({ ...policy.training, task: policy.task ?? 'binary' }),
      triggers: monitoring?.triggers ?? [],
      windowRows,
      warmup,
      labelDelay: args.labelDelay ?? 0,
      trainRows,
      rowMs,
      origin: 0,
      strategies,
    });
    if (args.svg) writeFileSync(args.svg, backtestSvg(result));
    ctx.print(result, () => formatTable(result));
    return 0;
  },
});
