/** `steward eval`: audit scores produced elsewhere (metrics, fairness, regression) from a CSV file. */
import { defineCommand } from '../command';

export const evaluate = defineCommand({
  name: 'eval',
  summary: 'audit externally produced scores: metrics, fairness, regression',
  details: [
    'Metrics with bootstrap intervals always; fairness for each --group column; the regression gate against',
    '--baseline-score. Exit code 1 when the fairness or regression verdict fails.',
  ].join('\n'),
  flags: {
    // Kept as typed, not resolved: the report names the file the way the user did.
    data: { type: 'string', required: true, placeholder: 'csv', description: 'the scores file (CSV with a header row)' },
    label: { type: 'string', required: true, placeholder: 'column', description: 'the true outcome (0/1, true/false, or see --positive-label)' },
    score: { type: 'string', required: true, placeholder: 'column', description: "the model's score" },
    threshold: { type: 'number', description: 'decision threshold on the score (default 0.5)' },
    group: { type: 'string', multiple: true, placeholder: 'column', description: 'a protected attribute to judge fairness on' },
    'baseline-score': { type: 'string', placeholder: 'column', description: "the production model's score, for the regression gate" },
    'positive-label': { type: 'string', placeholder: 'value', description: 'the label value meaning positive (e.g. ">50K"); others are negative' },
  },
  examples: ['steward eval --data scores.csv --label y --score p --group sex --group race --baseline-score p_prod'],
  async run({ data, label, score, threshold, group, baselineScore, positiveLabel, json }, ctx) {
    const { evaluateScoresFile, formatEvaluationReport } = await import('../../lib/metrics/external');
    const report = await evaluateScoresFile({ file: data, label, score, threshold, groups: group, baselineScore, positiveLabel });
    // Infinite values (e.g. an undefined ratio) have no JSON spelling: they are written as null.
    const output = json ? `${JSON.stringify(report, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n` : formatEvaluationReport(report);
    ctx.write(`${output}\n`);
    return report.pass ? 0 : 1;
  },
});
