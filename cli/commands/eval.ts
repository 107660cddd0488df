/**
 * `steward eval`: audit predictions produced elsewhere (metrics, fairness, regression gate) from a
 * CSV file, for binary classifiers, multiclass classifiers and regressors (`--task`).
 */
import { StewardError } from '../../lib/core/errors';
import { defineCommand } from '../command';

const tasks = ['binary', 'multiclass', 'regression'] as const;

export const evaluate = defineCommand({
  name: 'eval',
  summary: 'audit externally produced predictions: metrics, fairness, regression',
  details: [
    'Metrics with bootstrap intervals always; fairness for each --group column; the regression gate against',
    'the baseline (production) model. Exit code 1 when the fairness or regression verdict fails.',
    'binary: --score is the probability of the positive class. regression: --score is the prediction and',
    '--label a number. multiclass: one --score probability column per class (the class is the column name',
    'without the common prefix, p_low -> low), or --score-prefix p_, or --predicted with a predicted-class column.',
  ].join('\n'),
  flags: {
    // Kept as typed, not resolved: the report names the file the way the user did.
    data: { type: 'string', required: true, placeholder: 'csv', description: 'the predictions file (CSV with a header row)' },
    task: { type: 'string', placeholder: 'binary|multiclass|regression', description: 'what the model predicts (default binary)' },
    label: { type: 'string', required: true, placeholder: 'column', description: 'the true outcome (binary: 0/1, true/false, or see --positive-label)' },
    score: { type: 'string', multiple: true, placeholder: 'column', description: "the model's score or prediction (multiclass: once per class)" },
    'score-prefix': { type: 'string', placeholder: 'prefix', description: 'multiclass: every column starting with it is a class probability' },
    predicted: { type: 'string', placeholder: 'column', description: 'multiclass: the predicted class, instead of probabilities' },
    threshold: { type: 'number', description: 'binary: decision threshold on the score (default 0.5)' },
    group: { type: 'string', multiple: true, placeholder: 'column', description: 'a protected attribute to judge fairness on' },
    'baseline-score': { type: 'string', multiple: true, placeholder: 'column', description: "the production model's score or prediction, for the regression gate" },
    'baseline-score-prefix': { type: 'string', placeholder: 'prefix', description: "multiclass: the production model's probability columns" },
    'baseline-predicted': { type: 'string', placeholder: 'column', description: "multiclass: the production model's predicted class" },
    'positive-label': { type: 'string', placeholder: 'value', description: 'binary: the label value meaning positive (e.g. ">50K"); others are negative' },
  },
  examples: [
    'steward eval --data scores.csv --label y --score p --group sex --group race --baseline-score p_prod',
    'steward eval --task regression --data f.csv --label cnt --score yhat --group season --json',
    'steward eval --task multiclass --data f.csv --label level --score-prefix p_ --group sex',
  ],
  async run(args, ctx) {
    const task = (args.task ?? 'binary') as (typeof tasks)[number];
    if (!tasks.includes(task)) throw new StewardError('InvalidInput', `must be one of ${tasks.join(', ')}, got "${args.task}"`, { field: '--task' });
    const only = (flags: string[], allowed: string) => {
      for (const f of flags) {
        const value = (args as Record<string, unknown>)[f.replace(/-(\w)/g, (_m, c: string) => c.toUpperCase())];
        if (value !== undefined && !(Array.isArray(value) && value.length === 0)) throw new StewardError('InvalidInput', `applies to ${allowed} only (this is --task ${task})`, { field: `--${f}` });
      }
    };
    const single = (values: string[], field: string, required: boolean): string | undefined => {
      if (values.length > 1) throw new StewardError('InvalidInput', `give one column for --task ${task}, got ${values.length} (${values.join(', ')})`, { field });
      if (required && values.length === 0) throw new StewardError('InvalidInput', 'is required (usage: steward eval --data <csv> --label <column> --score <column>)', { field });
      return values[0];
    };
    const { evaluateTaskScoresFile, formatTaskReport } = await import('../../lib/metrics/tasks');
    let report;
    if (task === 'multiclass') {
      only(['threshold', 'positive-label'], '--task binary');
      report = await evaluateTaskScoresFile({
        task,
        file: args.data,
        label: args.label,
        scores: args.score,
        scorePrefix: args.scorePrefix,
        predicted: args.predicted,
        baselineScores: args.baselineScore,
        baselineScorePrefix: args.baselineScorePrefix,
        baselinePredicted: args.baselinePredicted,
        groups: args.group,
      });
    } else {
      only(['score-prefix', 'predicted', 'baseline-score-prefix', 'baseline-predicted'], '--task multiclass');
      const score = single(args.score, '--score', true)!;
      const baselineScore = single(args.baselineScore, '--baseline-score', false);
      if (task === 'regression') {
        only(['threshold', 'positive-label'], '--task binary');
        report = await evaluateTaskScoresFile({ task, file: args.data, label: args.label, score, baselineScore, groups: args.group });
      } else {
        report = await evaluateTaskScoresFile({ file: args.data, label: args.label, score, threshold: args.threshold, groups: args.group, baselineScore, positiveLabel: args.positiveLabel });
      }
    }
    // Infinite values (e.g. an undefined ratio) have no JSON spelling: they are written as null.
    const output = args.json ? `${JSON.stringify(report, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n` : formatTaskReport(report);
    ctx.write(`${output}\n`);
    return report.pass ? 0 : 1;
  },
});
