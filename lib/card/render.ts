/**
 * Renders a {@link ModelCardInput} as Markdown (for PR comments, registries, terminals) and as one
 * self-contained HTML page (for people deciding on a release, and for printing).
 *
 * Both outputs come from the same intermediate document (sections of paragraphs, lists and tables
 * holding plain, unescaped text), so they cannot disagree on content, and escaping happens in
 * exactly one place per format. Only the HTML page adds charts.
 */
import { calibrationChartSvg, confusionMatrixChartSvg, fairnessChartSvg, featureImportanceChartSvg, predictedActualChartSvg } from './charts';
import {
  escapeHtml,
  escapeMarkdown,
  formatBytes,
  formatCount,
  formatInterval,
  formatNumber,
  formatPercent,
  formatPValue,
  formatSigned,
  formatStat,
  isFiniteNumber,
} from './format';
import type { ColumnProfile, DatasetSummary, Estimate, FairnessGap, ModelCardInput, Verdict } from './types';

/**
 * A table cell or field value. A plain string is user text and gets full escaping; a `figure` is
 * a number the renderer formatted itself, which Markdown shows without backslashes ("0.268 [0.259,
 * 0.277]" rather than "0\.268 \[0.259, 0.277\]") so the raw Markdown stays readable.
 */
type Cell = string | { figure: string } | { verdict: Verdict } | { code: string };

const fig = (figure: string): Cell => ({ figure });

type Block =
  | { kind: 'paragraph'; text: string }
  | { kind: 'note'; text: string }
  | { kind: 'notEvaluated'; text: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'fields'; rows: Array<[string, Cell]> }
  | { kind: 'table'; caption: string; headers: string[]; numeric: boolean[]; rows: Cell[][] }
  | { kind: 'heading'; text: string }
  // The SVG is built from escaped text by charts.ts; Markdown has nowhere to put it and skips it.
  | { kind: 'chart'; svg: string; caption: string };

interface Section {
  id: string;
  title: string;
  blocks: Block[];
}

const NOT_EVALUATED = 'Not evaluated.';

const notEvaluated = (text = NOT_EVALUATED): Block => ({ kind: 'notEvaluated', text });

function withInterval(e: Estimate): string {
  const interval = formatInterval(e);
  // An estimate that is itself not computable has no interval worth showing ("n/a n/a" reads as a glitch).
  return interval === '—' || interval === 'n/a' || !isFiniteNumber(e.value) ? formatNumber(e.value) : `${formatNumber(e.value)} ${interval}`;
}

function thresholdText(gap: FairnessGap): string {
  return `${gap.kind === 'difference' ? '≤' : '≥'} ${formatNumber(gap.threshold)}`;
}

function profileSummary(c: ColumnProfile): string {
  if (c.type === 'numeric') {
    const range = isFiniteNumber(c.min) && isFiniteNumber(c.max) ? `, range ${formatStat(c.min)} to ${formatStat(c.max)}` : '';
    return `mean ${formatStat(c.mean)}, std ${formatStat(c.std)}${range}`;
  }
  const top = c.topCategories.map((t) => `${t.value} ${formatPercent(t.share)}`).join(', ');
  const distinct = c.distinct !== undefined ? `${formatCount(c.distinct)} distinct` : '';
  return [distinct, top ? `top: ${top}` : ''].filter(Boolean).join('; ') || 'no categories recorded';
}

function datasetBlocks(data: DatasetSummary | undefined): Block[] {
  if (!data) return [notEvaluated()];
  const blocks: Block[] = [
    {
      kind: 'fields',
      rows: [
        ['File', data.fileName],
        ['SHA-256', { code: data.sha256 }],
        ['Rows', fig(formatCount(data.rows))],
        ['Columns', fig(formatCount(data.columns.length))],
      ],
    },
  ];
  if (data.columns.length > 0) {
    blocks.push({
      kind: 'table',
      caption: `Column profile of ${data.fileName}`,
      headers: ['Column', 'Type', 'Missing', 'Summary'],
      numeric: [false, false, true, false],
      rows: data.columns.map((c) => [c.name, c.type, fig(formatPercent(c.missingShare)), profileSummary(c)]),
    });
  }
  return blocks;
}

function textListBlocks(items: string[] | undefined, absent: string): Block[] {
  return items && items.length > 0 ? [{ kind: 'list', items }] : [notEvaluated(absent)];
}

const TASK_TEXT = { binary: 'binary classification', multiclass: 'multiclass classification', regression: 'regression' } as const;

function sourceText(s: NonNullable<ModelCardInput['source']>): string {
  if (s.imported) return `imported ${s.imported.format} model (${s.imported.fileName}), scored with ${s.runtime ?? s.format}`;
  return `trained by Steward${s.runtime ? `, scored with ${s.runtime}` : ''}`;
}

/** Builds the format-neutral document. Chart ids (fairness-N, calibration, importance) are unique within one page. */
function buildSections(card: ModelCardInput): Section[] {
  const sections: Section[] = [];
  const add = (id: string, title: string, blocks: Block[]) => sections.push({ id, title, blocks });

  const gate = card.gate;
  add(
    'gate',
    'Gate outcome',
    gate
      ? [
          { kind: 'fields', rows: [['Verdict', { verdict: gate.verdict }], ...(gate.decidedAt ? [['Decided at', gate.decidedAt] as [string, Cell]] : [])] },
          ...(gate.checks.length > 0
            ? [
                {
                  kind: 'table',
                  caption: 'Gate checks',
                  headers: ['Check', 'Verdict', 'Detail'],
                  numeric: [false, false, false],
                  rows: gate.checks.map((c) => [c.name, { verdict: c.verdict }, c.detail ?? '']),
                } satisfies Block,
              ]
            : []),
        ]
      : [notEvaluated('Not evaluated: the release gate has not run for this version.')],
  );

  add('details', 'Model details', [
    {
      kind: 'fields',
      rows: [
        ['Name', card.name],
        ['Version', card.version],
        ['Created at', card.createdAt],
        ...(card.description ? [['Description', card.description] as [string, Cell]] : []),
        ...(card.task ? [['Task', TASK_TEXT[card.task]] as [string, Cell]] : []),
        ...(card.source ? [['Model', sourceText(card.source)] as [string, Cell]] : []),
      ],
    },
  ]);

  add('intended-use', 'Intended use', [
    { kind: 'heading', text: 'Intended uses' },
    ...textListBlocks(card.intendedUse, 'Not specified in the policy.'),
    { kind: 'heading', text: 'Out-of-scope uses' },
    ...textListBlocks(card.outOfScopeUses, 'Not specified in the policy.'),
  ]);

  const metrics = card.metrics ?? [];
  add(
    'metrics',
    'Metrics',
    metrics.length > 0
      ? [
          {
            kind: 'table',
            caption: 'Metrics on the evaluation data',
            headers: ['Metric', 'Value', '95% interval'],
            numeric: [false, true, true],
            rows: metrics.map((m) => [m.name, fig(formatNumber(m.value)), fig(formatInterval(m))]),
          },
        ]
      : [notEvaluated()],
  );

  if (card.residuals) {
    const r = card.residuals;
    add('residuals', 'Residuals and predicted against actual', [
      { kind: 'note', text: 'Residual = actual − predicted: positive when the model under-predicts.' },
      { kind: 'table', caption: 'Residual summary', headers: ['Statistic', 'Value'], numeric: [false, true], rows: r.summary.map((x) => [x.name, fig(formatNumber(x.value, 2))]) },
      ...(r.points.length > 0 || r.bins.length > 0
        ? [
            {
              kind: 'chart',
              svg: predictedActualChartSvg(r.points, r.bins, 'predicted-actual'),
              caption: 'Dots: sampled rows; orange line: mean actual value per bin of predictions (equal counts). On the dashed diagonal the prediction equals the actual value.',
            } satisfies Block,
          ]
        : []),
      {
        kind: 'table',
        caption: 'Predicted against actual, by bins of prediction (equal counts)',
        headers: ['Predicted', 'n', 'Mean predicted', 'Mean actual'],
        numeric: [false, true, true, true],
        rows: r.bins.map((b) => [fig(`${formatNumber(b.predictedLow, 1)} to ${formatNumber(b.predictedHigh, 1)}`), fig(formatCount(b.count)), fig(formatNumber(b.meanPredicted, 2)), fig(formatNumber(b.meanActual, 2))]),
      },
    ]);
  }
  if (card.classes) {
    const c = card.classes;
    add('classes', 'Per-class results', [
      {
        kind: 'table',
        caption: 'Per-class precision, recall and F1 with 95% intervals',
        headers: ['Class', 'Support', 'Predicted', 'Precision', 'Recall', 'F1'],
        numeric: [false, true, true, true, true, true],
        rows: c.perClass.map((k) => [k.class, fig(formatCount(k.support)), fig(formatCount(k.predicted)), fig(withInterval(k.precision)), fig(withInterval(k.recall)), fig(withInterval(k.f1))]),
      },
      {
        kind: 'chart',
        svg: confusionMatrixChartSvg(c.classes, c.confusion, 'confusion'),
        caption: 'Rows: actual class; columns: predicted class. Blue diagonal: correct predictions, shaded by the class\'s recall; red: confusions, shaded by their share of the row.',
      },
      {
        kind: 'table',
        caption: 'Confusion matrix (rows: actual class, columns: predicted class)',
        headers: ['Actual / predicted', ...c.classes],
        numeric: [false, ...c.classes.map(() => true)],
        rows: c.classes.map((name, t) => [name, ...c.classes.map((_, p) => fig(formatCount(c.confusion[t]?.[p] ?? 0)))]),
      },
    ]);
  }

  const fairness = card.fairness ?? [];
  const fairnessBlocks: Block[] = [];
  fairness.forEach((b, i) => {
    const name = b.attributes.join(' × ');
    fairnessBlocks.push({ kind: 'heading', text: `By ${name}` });
    const unjudged = b.groups.filter((g) => !g.judged);
    if (b.minGroupSize !== undefined || unjudged.length > 0) {
      const minSize = b.minGroupSize !== undefined ? `Groups smaller than ${formatCount(b.minGroupSize)} are reported but not judged. ` : '';
      const list = unjudged.length > 0 ? `Not judged: ${unjudged.map((g) => `${g.group} (n = ${formatCount(g.size)})`).join(', ')}.` : '';
      fairnessBlocks.push({ kind: 'note', text: (minSize + list).trim() });
    }
    if (b.groups.length > 0) {
      fairnessBlocks.push({
        kind: 'chart',
        svg: fairnessChartSvg(b, `fairness-${i}`),
        caption:
          'Bars: per-group rate; whiskers: 95% interval; grey: not judged. Dashed red line: the policy threshold ' +
          '(for a difference gap, the lowest judged group + threshold; for a ratio gap, threshold × the highest judged group).',
      });
      fairnessBlocks.push({
        kind: 'table',
        caption: `Per-group rates by ${name}`,
        headers: ['Group', 'n', 'Judged', 'Selection rate [95% CI]', 'TPR [95% CI]', 'FPR [95% CI]'],
        numeric: [false, true, false, true, true, true],
        rows: b.groups.map((g) => [g.group, fig(formatCount(g.size)), g.judged ? 'yes' : 'no', fig(withInterval(g.selectionRate)), fig(withInterval(g.tpr)), fig(withInterval(g.fpr))]),
      });
    } else {
      fairnessBlocks.push(notEvaluated('No groups were evaluated.'));
    }
    if (b.gaps.length > 0) {
      fairnessBlocks.push({
        kind: 'table',
        caption: `Fairness gaps by ${name} (judged groups only)`,
        headers: ['Gap', 'Value', '95% interval', 'Threshold', 'Verdict'],
        numeric: [false, true, true, true, false],
        rows: b.gaps.map((g) => [g.name, fig(formatNumber(g.value)), fig(formatInterval(g)), fig(thresholdText(g)), { verdict: g.verdict }]),
      });
    }
  });
  for (const b of card.taskFairness ?? []) {
    const name = b.attributes.join(' × ');
    fairnessBlocks.push({ kind: 'heading', text: `By ${name}` });
    if (b.minGroupSize !== undefined) fairnessBlocks.push({ kind: 'note', text: `Groups smaller than ${formatCount(b.minGroupSize)} are reported but not judged.` });
    const stats = Object.keys(b.groups[0]?.stats ?? {});
    fairnessBlocks.push({
      kind: 'table',
      caption: `Per-group results by ${name} (95% intervals)`,
      headers: ['Group', 'n', 'Judged', ...stats],
      numeric: [false, true, false, ...stats.map(() => true)],
      rows: b.groups.map((g) => [g.group, fig(formatCount(g.size)), g.judged ? 'yes' : 'no', ...stats.map((k) => fig(g.stats[k] ? withInterval(g.stats[k]) : '—'))]),
    });
    fairnessBlocks.push({
      kind: 'table',
      caption: `Gaps between judged groups by ${name}`,
      headers: ['Gap', 'Value', '95% interval', 'Threshold', 'Verdict'],
      numeric: [false, true, true, true, false],
      rows: b.gaps.map((g) => [`${g.name}${g.class ? ` (class ${g.class})` : ''}`, fig(formatNumber(g.value)), fig(formatInterval(g)), fig(g.threshold === null ? 'not judged' : `≤ ${formatNumber(g.threshold)}`), g.verdict ? { verdict: g.verdict } : '—']),
    });
  }
  add('fairness', 'Fairness', fairness.length > 0 || (card.taskFairness ?? []).length > 0 ? fairnessBlocks : [notEvaluated()]);

  const cal = card.calibration;
  add(
    'calibration',
    'Calibration',
    cal
      ? [
          ...(cal.ece !== undefined || cal.brier !== undefined
            ? [
                {
                  kind: 'fields',
                  rows: [
                    ...(cal.ece !== undefined ? [['Expected calibration error', fig(formatNumber(cal.ece, 4))] as [string, Cell]] : []),
                    ...(cal.brier !== undefined ? [['Brier score', fig(formatNumber(cal.brier, 4))] as [string, Cell]] : []),
                  ],
                } satisfies Block,
              ]
            : []),
          ...(cal.bins.length > 0
            ? [
                {
                  kind: 'chart',
                  svg: calibrationChartSvg(cal.bins, 'calibration'),
                  caption: 'Points above the diagonal: the model under-predicts; below: it over-predicts. Point area grows with the bin count.',
                } satisfies Block,
                {
                  kind: 'table',
                  caption: 'Calibration bins',
                  headers: ['Bin', 'Mean predicted', 'Observed', 'Count'],
                  numeric: [false, true, true, true],
                  rows: cal.bins.map((b) => [
                    fig(isFiniteNumber(b.low) && isFiniteNumber(b.high) ? `${formatNumber(b.low, 2)}–${formatNumber(b.high, 2)}` : '—'),
                    fig(formatNumber(b.meanPredicted)),
                    fig(formatNumber(b.observed)),
                    fig(formatCount(b.count)),
                  ]),
                } satisfies Block,
              ]
            : [notEvaluated(cal.note ?? 'No calibration bins were recorded.')]),
        ]
      : [notEvaluated()],
  );

  const fi = card.featureImportance;
  const hasDelta = fi?.features.some((f) => f.deltaVsProduction !== undefined) ?? false;
  add(
    'importance',
    'Feature importance',
    fi
      ? [
          {
            kind: 'note',
            text: `Permutation importance: the drop in ${fi.metric} when a feature is shuffled${fi.repeats ? `, over ${formatCount(fi.repeats)} repeats` : ''}.`,
          },
          ...(fi.features.length > 0
            ? [
                {
                  kind: 'chart',
                  svg: featureImportanceChartSvg(fi.features, fi.metric, 'importance'),
                  caption: `Bars: mean drop in ${fi.metric}; error bars: ±1 std${hasDelta ? '; orange diamond: production model' : ''}.`,
                } satisfies Block,
                {
                  kind: 'table',
                  caption: 'Permutation feature importance',
                  headers: ['Feature', 'Mean', 'Std', ...(hasDelta ? ['Change vs production'] : [])],
                  numeric: [false, true, true, true],
                  rows: fi.features.map((f) => [
                    f.feature,
                    fig(formatNumber(f.mean, 4)),
                    fig(formatNumber(f.std, 4)),
                    ...(hasDelta ? [f.deltaVsProduction === undefined ? '—' : fig(formatSigned(f.deltaVsProduction, 4))] : []),
                  ]),
                } satisfies Block,
              ]
            : [notEvaluated('No features were evaluated.')]),
        ]
      : [notEvaluated()],
  );

  const reg = card.regression;
  add(
    'regression',
    'Regression against production',
    reg
      ? [
          {
            kind: 'note',
            text: `Compared with production version ${reg.productionVersion}. Difference is candidate − production; budget is the largest degradation the policy tolerates.`,
          },
          reg.comparisons.length > 0
            ? {
                kind: 'table',
                caption: `Candidate ${card.version} against production ${reg.productionVersion}`,
                headers: ['Metric', 'Candidate', 'Production', 'Difference', 'Budget', 'p-value', 'Verdict'],
                numeric: [false, true, true, true, true, true, false],
                rows: reg.comparisons.map((c) => [
                  c.metric,
                  fig(formatNumber(c.candidate)),
                  fig(formatNumber(c.production)),
                  fig(formatSigned(c.difference)),
                  fig(formatNumber(c.budget)),
                  fig(formatPValue(c.pValue)),
                  { verdict: c.verdict },
                ]),
              }
            : notEvaluated('No metrics were compared.'),
        ]
      : [notEvaluated('Not evaluated: no production version to compare with, or the comparison has not run.')],
  );

  const lat = card.latency;
  const latencyRows: Cell[][] = [];
  if (lat?.single) latencyRows.push(['Single example', fig(formatNumber(lat.single.p50, 2)), fig(formatNumber(lat.single.p95, 2)), fig(formatNumber(lat.single.p99, 2))]);
  if (lat?.batch) latencyRows.push([`Batch of ${formatCount(lat.batch.size)}`, fig(formatNumber(lat.batch.p50, 2)), fig(formatNumber(lat.batch.p95, 2)), fig(formatNumber(lat.batch.p99, 2))]);
  add(
    'latency',
    'Latency and size',
    lat
      ? [
          ...(lat.modelSizeBytes !== undefined || lat.environment
            ? [
                {
                  kind: 'fields',
                  rows: [
                    ...(lat.modelSizeBytes !== undefined ? [['Model size', fig(formatBytes(lat.modelSizeBytes))] as [string, Cell]] : []),
                    ...(lat.environment ? [['Measured on', lat.environment] as [string, Cell]] : []),
                  ],
                } satisfies Block,
              ]
            : []),
          latencyRows.length > 0
            ? { kind: 'table', caption: 'Inference latency per call (milliseconds)', headers: ['Mode', 'p50 (ms)', 'p95 (ms)', 'p99 (ms)'], numeric: [false, true, true, true], rows: latencyRows }
            : notEvaluated('Latency not measured.'),
        ]
      : [notEvaluated()],
  );

  add('training-data', 'Training data', datasetBlocks(card.trainingData));
  add('evaluation-data', 'Evaluation data', datasetBlocks(card.evaluationData));
  add('limitations', 'Limitations', textListBlocks(card.limitations, 'None recorded.'));
  add('ethics', 'Ethical considerations', textListBlocks(card.ethicalConsiderations, 'None recorded.'));

  const lin = card.lineage;
  const lineageRows: Array<[string, Cell]> = [];
  if (lin) {
    if (lin.trainingDataSha256) lineageRows.push(['Training data SHA-256', { code: lin.trainingDataSha256 }]);
    if (lin.evaluationDataSha256) lineageRows.push(['Evaluation data SHA-256', { code: lin.evaluationDataSha256 }]);
    if (lin.codeVersion) lineageRows.push(['Code version', { code: lin.codeVersion }]);
    if (lin.trainingConfigSha256) lineageRows.push(['Training config SHA-256', { code: lin.trainingConfigSha256 }]);
    if (lin.policySha256) lineageRows.push(['Policy SHA-256', { code: lin.policySha256 }]);
    if (lin.parentVersion !== undefined) lineageRows.push(['Parent version', lin.parentVersion ?? 'none (first version)']);
    if (lin.backend) lineageRows.push(['Backend', lin.backend]);
  }
  const imported = card.source?.imported;
  if (imported) {
    lineageRows.push(['Imported artifact', `${imported.fileName} (${imported.format})`]);
    lineageRows.push(['Artifact SHA-256', { code: imported.sha256 }]);
    lineageRows.push(['Declared origin', imported.origin ?? 'not declared']);
    if (imported.producer) lineageRows.push(['Produced by', imported.producer]);
  }
  add('lineage', 'Lineage', lineageRows.length > 0 ? [{ kind: 'fields', rows: lineageRows }] : [notEvaluated('Not recorded.')]);

  const approvals = card.approvals ?? [];
  add(
    'approvals',
    'Approvals',
    approvals.length > 0
      ? [
          {
            kind: 'table',
            caption: 'Sign-off decisions',
            headers: ['Principal', 'Decision', 'Comment', 'At'],
            numeric: [false, false, false, true],
            rows: approvals.map((a) => [a.principal, a.decision === 'approve' ? 'approved' : 'rejected', a.comment ?? '', a.at]),
          },
        ]
      : [notEvaluated('No approvals recorded.')],
  );

  return sections;
}

// ---------------------------------------------------------------------------------------------
// Markdown

const VERDICT_MD: Record<Verdict, string> = { pass: '**PASS**', fail: '**FAIL**', inconclusive: '**INCONCLUSIVE**' };

function cellMarkdown(c: Cell): string {
  if (typeof c === 'string') return c === '' ? ' ' : escapeMarkdown(c);
  if ('figure' in c) return c.figure.replace(/\|/g, '\\|').replace(/</g, '&lt;');
  if ('verdict' in c) return VERDICT_MD[c.verdict] ?? escapeMarkdown(String(c.verdict));
  // Backticks cannot be escaped inside a code span, so only digests/versions without them get one.
  return /[`|\r\n]/.test(c.code) ? escapeMarkdown(c.code) : `\`${c.code}\``;
}

function blockMarkdown(b: Block): string {
  switch (b.kind) {
    case 'paragraph':
      return escapeMarkdown(b.text);
    case 'note':
      return `_${escapeMarkdown(b.text)}_`;
    case 'notEvaluated':
      return `_${escapeMarkdown(b.text)}_`;
    case 'heading':
      return `### ${escapeMarkdown(b.text)}`;
    case 'list':
      return b.items.map((i) => `- ${escapeMarkdown(i)}`).join('\n');
    case 'fields':
      return b.rows.map(([k, v]) => `- **${escapeMarkdown(k)}:** ${cellMarkdown(v)}`).join('\n');
    case 'table': {
      // Headers are the renderer's own constants: only a pipe could break them.
      const head = `| ${b.headers.map((h) => h.replace(/\|/g, '\\|')).join(' | ')} |`;
      const sep = `| ${b.headers.map((_, i) => (b.numeric[i] ? '---:' : '---')).join(' | ')} |`;
      const rows = b.rows.map((r) => `| ${b.headers.map((_, i) => cellMarkdown(r[i] ?? '')).join(' | ')} |`);
      return [head, sep, ...rows].join('\n');
    }
    case 'chart':
      return '';
  }
}

/**
 * Renders the model card as GitHub-flavoured Markdown. All user text is escaped (no raw HTML, no
 * links, no table breakage); sections that were not evaluated say so. Charts are HTML-only.
 *
 * @example
 *   const md = renderModelCardMarkdown({ name: 'adult-income', version: 'v7', createdAt: '2024-05-01T10:00:00Z' });
 *   md.startsWith('# Model card: adult-income v7'); // true
 */
export function renderModelCardMarkdown(card: ModelCardInput): string {
  const parts = [`# Model card: ${escapeMarkdown(card.name)} ${escapeMarkdown(card.version)}`];
  for (const s of buildSections(card)) {
    parts.push(`## ${escapeMarkdown(s.title)}`);
    for (const b of s.blocks) {
      const md = blockMarkdown(b);
      if (md) parts.push(md);
    }
  }
  return `${parts.join('\n\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// HTML

const VERDICT_LABEL: Record<Verdict, string> = { pass: 'PASS', fail: 'FAIL', inconclusive: 'INCONCLUSIVE' };

function verdictHtml(v: Verdict): string {
  const known = v in VERDICT_LABEL;
  // The word carries the meaning; colour only reinforces it (readable in greyscale print and for colour-blind readers).
  return `<span class="verdict ${known ? v : 'inconclusive'}">${escapeHtml(known ? VERDICT_LABEL[v] : String(v))}</span>`;
}

function cellHtml(c: Cell): string {
  if (typeof c === 'string') return escapeHtml(c);
  if ('figure' in c) return escapeHtml(c.figure);
  if ('verdict' in c) return verdictHtml(c.verdict);
  return `<code>${escapeHtml(c.code)}</code>`;
}

function blockHtml(b: Block): string {
  switch (b.kind) {
    case 'paragraph':
      return `<p>${escapeHtml(b.text)}</p>`;
    case 'note':
      return `<p class="note">${escapeHtml(b.text)}</p>`;
    case 'notEvaluated':
      return `<p class="not-evaluated">${escapeHtml(b.text)}</p>`;
    case 'heading':
      return `<h3>${escapeHtml(b.text)}</h3>`;
    case 'list':
      return `<ul>${b.items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`;
    case 'fields':
      return `<dl class="fields">${b.rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${cellHtml(v)}</dd>`).join('')}</dl>`;
    case 'table': {
      const cls = (i: number) => (b.numeric[i] ? ' class="num"' : '');
      const head = b.headers.map((h, i) => `<th scope="col"${cls(i)}>${escapeHtml(h)}</th>`).join('');
      const rows = b.rows
        .map((r) => `<tr>${b.headers.map((_, i) => (i === 0 ? `<th scope="row">${cellHtml(r[0] ?? '')}</th>` : `<td${cls(i)}>${cellHtml(r[i] ?? '')}</td>`)).join('')}</tr>`)
        .join('');
      return `<div class="table-wrap"><table><caption>${escapeHtml(b.caption)}</caption><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table></div>`;
    }
    case 'chart':
      return `<figure>${b.svg}<figcaption>${escapeHtml(b.caption)}</figcaption></figure>`;
  }
}

const CSS = `
:root { color-scheme: light; --ink: #1f2933; --muted: #5f6b7a; --line: #d9dee4; --soft: #f6f8fa; --accent: #4c78a8; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: var(--ink); font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 1060px; margin: 0 auto; padding: 28px 32px 48px; }
header.card-header { display: flex; justify-content: space-between; align-items: flex-start; gap: 24px; border-bottom: 3px solid var(--accent); padding-bottom: 14px; }
header h1 { margin: 0 0 4px; font-size: 26px; line-height: 1.2; overflow-wrap: anywhere; }
header .subtitle { margin: 0; color: var(--muted); }
header .gate { text-align: right; white-space: nowrap; }
header .gate .label { display: block; font-size: 11px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
header .gate .verdict { font-size: 15px; padding: 4px 12px; }
nav.toc { margin: 14px 0 4px; font-size: 13px; }
nav.toc ol { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 14px; }
nav.toc a { color: var(--accent); text-decoration: none; }
section { margin-top: 26px; }
h2 { font-size: 19px; margin: 0 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 6px; }
p.note { color: var(--muted); margin: 4px 0 8px; }
p.not-evaluated { color: var(--muted); font-style: italic; background: var(--soft); border-left: 3px solid var(--line); padding: 6px 10px; margin: 6px 0; }
ul { margin: 4px 0 8px; padding-left: 22px; }
dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: 3px 18px; margin: 4px 0 10px; }
dl.fields dt { color: var(--muted); }
dl.fields dd { margin: 0; overflow-wrap: anywhere; }
code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--soft); padding: 1px 4px; border-radius: 3px; overflow-wrap: anywhere; }
.table-wrap { overflow-x: auto; margin: 8px 0 12px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
caption { text-align: left; color: var(--muted); font-size: 12px; padding-bottom: 4px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
thead th { background: var(--soft); border-bottom: 2px solid var(--line); font-weight: 600; }
tbody th { font-weight: 500; overflow-wrap: break-word; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.verdict { display: inline-block; font-weight: 700; font-size: 11px; letter-spacing: .04em; padding: 1px 8px; border-radius: 10px; border: 1px solid; }
.verdict.pass { color: #136f3a; background: #e3f5ea; border-color: #9fd8b5; }
.verdict.fail { color: #a61b1b; background: #fde8e8; border-color: #f0a8a8; }
.verdict.inconclusive { color: #7a5200; background: #fff4d6; border-color: #f0cf7a; }
figure { margin: 10px 0 14px; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: 12px; margin-top: 4px; }
footer { margin-top: 36px; padding-top: 10px; border-top: 1px solid var(--line); color: var(--muted); font-size: 12px; }
@media print {
  @page { margin: 14mm; }
  body { font-size: 11pt; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  main { max-width: none; padding: 0; }
  nav.toc { display: none; }
  h2, h3 { break-after: avoid; }
  figure, tr, dl.fields { break-inside: avoid; }
  .table-wrap { overflow: visible; }
}
`;

/**
 * Renders the model card as one self-contained HTML page: inline CSS, inline SVG charts, no
 * scripts and no external assets, so it can be archived with the release, opened offline, printed.
 * All user text is HTML-escaped; sections that were not evaluated say so.
 *
 * @example
 *   writeFileSync('card.html', renderModelCardHtml(modelCardInputSchema.parse(json)));
 */
export function renderModelCardHtml(card: ModelCardInput): string {
  const sections = buildSections(card);
  const title = `Model card: ${card.name} ${card.version}`;
  const gate = card.gate ? verdictHtml(card.gate.verdict) : '<span class="verdict inconclusive">NOT EVALUATED</span>';
  const body = sections
    .map((s) => `<section id="${s.id}" aria-labelledby="${s.id}-h"><h2 id="${s.id}-h">${escapeHtml(s.title)}</h2>${s.blocks.map(blockHtml).join('\n')}</section>`)
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<header class="card-header">
<div><h1>${escapeHtml(title)}</h1><p class="subtitle">Created ${escapeHtml(card.createdAt)}${card.description ? ` · ${escapeHtml(card.description)}` : ''}</p></div>
<div class="gate"><span class="label">Release gate</span>${gate}</div>
</header>
<nav class="toc" aria-label="Contents"><ol>${sections.map((s) => `<li><a href="#${s.id}">${escapeHtml(s.title)}</a></li>`).join('')}</ol></nav>
${body}
<footer>Model card generated by Steward, following Mitchell et al., “Model Cards for Model Reporting” (2019). Intervals are 95%.</footer>
</main>
</body>
</html>
`;
}
