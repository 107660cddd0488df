import { describe, expect, it } from 'vitest';
import { thresholdLine } from './charts';
import { adultIncomeCard } from '../../test/support/card-fixture';
import { renderModelCardHtml, renderModelCardMarkdown } from './render';
import { modelCardInputSchema, type FairnessBreakdown, type ModelCardInput } from './types';

const minimal: ModelCardInput = { name: 'adult-income', version: 'v1', createdAt: '2024-05-01T10:00:00Z' };

/** Every `<svg>…</svg>` element of a page. */
function svgs(html: string): string[] {
  return html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
}

/** Every number-bearing geometry attribute of an SVG (x, y, width, r, points, d, viewBox, …). */
function geometryValues(svg: string): string[] {
  const out: string[] = [];
  for (const m of svg.matchAll(/\s(x|y|x1|y1|x2|y2|cx|cy|r|width|height|viewBox|points|d|transform)="([^"]*)"/g)) {
    out.push(...(m[2].match(/-?[\d.]+(?:e-?\d+)?|NaN|Infinity/g) ?? []));
  }
  return out;
}

/** Splits a Markdown table row on the pipes that are not backslash-escaped. */
function markdownCells(row: string): string[] {
  const cells: string[] = [];
  let current = '';
  for (let i = 0; i < row.length; i++) {
    const c = row[i];
    if (c === '\\') {
      current += c + (row[i + 1] ?? '');
      i++;
    } else if (c === '|') {
      cells.push(current);
      current = '';
    } else current += c;
  }
  cells.push(current);
  return cells.slice(1, -1); // a row starts and ends with a pipe
}

/** The Markdown tables of a document, each as its lines. */
function markdownTables(md: string): string[][] {
  return md.trimEnd().split('\n\n').map((block) => block.split('\n')).filter((lines) => lines[0].startsWith('|'));
}

function expectWellFormedTables(md: string): number {
  const tables = markdownTables(md);
  for (const lines of tables) {
    expect(lines.length).toBeGreaterThanOrEqual(3); // header, separator, at least one row
    const width = markdownCells(lines[0]).length;
    expect(lines[1]).toMatch(/^\|( -{3}:? \|)+$/);
    for (const line of lines) {
      expect(line.startsWith('|') && line.endsWith('|')).toBe(true);
      expect(markdownCells(line)).toHaveLength(width);
    }
  }
  return tables.length;
}

/** A card full of hostile names: markup, quotes, pipes, newlines, Markdown syntax. */
const hostile: ModelCardInput = {
  ...minimal,
  name: '"><img src=x onerror=alert(1)>',
  description: 'line one\nline two | with [a link](http://evil.example)',
  intendedUse: ['# not a heading', '1. not a list', '<b>bold</b>'],
  metrics: [{ name: 'acc|uracy', value: 0.9 }],
  fairness: [
    {
      attributes: ['<script>attr</script>'],
      groups: [
        {
          group: '<script>alert("x")</script>',
          size: 10,
          judged: true,
          selectionRate: { value: 0.2, low: 0.1, high: 0.3 },
          tpr: { value: 0.5 },
          fpr: { value: 0.1 },
        },
        { group: "O'Brien & Sons", size: 12, judged: false, selectionRate: { value: 0.3 }, tpr: { value: 0.6 }, fpr: { value: 0.05 } },
      ],
      gaps: [{ name: 'DP <gap>', metric: 'selectionRate', kind: 'difference', value: 0.1, threshold: 0.2, verdict: 'pass' }],
    },
  ],
  featureImportance: { metric: '<AUC>', features: [{ feature: '</svg><script>', mean: 0.1, std: 0.01 }] },
  approvals: [{ principal: 'eve|mallory', decision: 'reject', comment: '`code` *stars* _under_ \\ back', at: '2024-05-02T09:00:00Z' }],
};

/** Degenerate data: nothing to scale by, nothing computable, intervals of zero width. */
const degenerate: ModelCardInput = {
  ...minimal,
  metrics: [
    { name: 'ROC AUC', value: Number.NaN, low: Number.NaN, high: Number.NaN },
    { name: 'Accuracy', value: Number.POSITIVE_INFINITY },
    { name: 'Log loss', value: null, low: null, high: null },
  ],
  fairness: [
    {
      attributes: ['sex'],
      groups: [
        { group: 'Male', size: 0, judged: true, selectionRate: { value: 0.5, low: 0.5, high: 0.5 }, tpr: { value: Number.NaN, low: Number.NaN, high: 2 }, fpr: { value: null } },
        { group: 'Female', size: 3, judged: false, selectionRate: { value: -1, low: -5, high: 9 }, tpr: { value: null }, fpr: { value: 1e9 } },
      ],
      gaps: [
        { name: 'DP', metric: 'selectionRate', kind: 'difference', value: Number.NaN, threshold: Number.NaN, verdict: 'inconclusive' },
        { name: 'TPR ratio', metric: 'tpr', kind: 'ratio', value: null, threshold: 0.8, verdict: 'inconclusive' },
      ],
    },
    { attributes: ['race'], groups: [], gaps: [] },
  ],
  calibration: { ece: Number.NaN, bins: [{ meanPredicted: 0.4, observed: 0.4, count: 0 }] },
  featureImportance: {
    metric: 'ROC AUC',
    features: [
      { feature: 'age', mean: 0, std: 0 },
      { feature: 'sex', mean: 0, std: null, deltaVsProduction: 0 },
      { feature: 'race', mean: Number.NaN, std: Number.NaN, deltaVsProduction: Number.NaN },
    ],
  },
};

describe('renderModelCardHtml', () => {
  it('renders the full Adult income card as one self-contained, script-free page', () => {
    const html = renderModelCardHtml(adultIncomeCard);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<title>Model card: adult-income v7</title>');
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script|<link|<img|src=|@import|url\(|href="(?!#)/i);
  });

  it('shows every section of the full card, with nothing marked "not evaluated"', () => {
    const html = renderModelCardHtml(adultIncomeCard);
    for (const heading of [
      'Gate outcome',
      'Model details',
      'Intended use',
      'Metrics',
      'Fairness',
      'Calibration',
      'Feature importance',
      'Regression against production',
      'Latency and size',
      'Training data',
      'Evaluation data',
      'Limitations',
      'Ethical considerations',
      'Lineage',
      'Approvals',
    ]) {
      expect(html).toMatch(new RegExp(`<h2 id="[a-z-]+-h">${heading}</h2>`));
    }
    expect(html).not.toContain('class="not-evaluated"');
    expect(html).toContain('By sex × race');
    expect(html).toContain('Not judged: Female × Other (n = 41).');
    expect(html).toContain('<th scope="col" class="num">TPR [95% CI]</th>');
  });

  it('draws an accessible chart per fairness breakdown, one calibration plot and one importance chart', () => {
    const charts = svgs(renderModelCardHtml(adultIncomeCard));
    expect(charts).toHaveLength(3 + 1 + 1);
    for (const svg of charts) {
      expect(svg).toMatch(/^<svg [^>]*role="img"[^>]*aria-labelledby="([\w-]+)-t \1-d"/);
      expect(svg).toMatch(/<title id="[\w-]+-t">[^<]+<\/title><desc id="[\w-]+-d">[^<]+<\/desc>/);
    }
    expect(charts[0]).toContain('Per-group rates by sex');
    expect(charts[3]).toContain('Calibration plot');
    expect(charts[4]).toContain('Permutation feature importance (drop in ROC AUC)');
  });

  it('marks the policy threshold on per-group charts and greys out unjudged groups', () => {
    const intersection = svgs(renderModelCardHtml(adultIncomeCard))[2];
    expect(intersection).toContain('stroke-dasharray="4 3"'); // the threshold line
    expect(intersection).toContain('threshold ≤ 0.25'); // lowest judged selection rate 0.048 + 0.2
    expect(intersection).toContain('Female × Other (n=41, not judged)');
    expect(intersection).toContain('fill="#c5ccd4"');
  });

  it('renders a minimal card, saying "Not evaluated" for every measured section', () => {
    const html = renderModelCardHtml(modelCardInputSchema.parse(minimal));
    expect(html).toContain('<title>Model card: adult-income v1</title>');
    expect(html).toContain('NOT EVALUATED'); // the gate badge in the header
    const notEvaluated = html.match(/<p class="not-evaluated">Not evaluated[.:]/g) ?? [];
    // gate, metrics, fairness, calibration, importance, regression, latency, training data, evaluation data
    expect(notEvaluated).toHaveLength(9);
    expect(svgs(html)).toHaveLength(0);
  });

  it('escapes user text everywhere, including inside SVG charts', () => {
    const html = renderModelCardHtml(hostile);
    expect(html).not.toMatch(/<script|<img|<b>|<\/svg><script/i);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('O&#39;Brien &amp; Sons');
    expect(html).toContain('&lt;/svg&gt;&lt;script&gt;');
    for (const svg of svgs(html)) expect(svg).not.toMatch(/<script|<img/);
  });

  it('never writes a non-finite number into SVG geometry, even for degenerate data', () => {
    const html = renderModelCardHtml(degenerate);
    const charts = svgs(html);
    expect(charts).toHaveLength(3); // sex breakdown, calibration, importance; the empty race breakdown has no chart
    for (const svg of charts) {
      expect(svg).not.toMatch(/NaN|Infinity/);
      const values = geometryValues(svg);
      expect(values.length).toBeGreaterThan(0);
      for (const v of values) expect(Number.isFinite(Number(v))).toBe(true);
    }
  });

  it('shows non-computable statistics as "n/a"', () => {
    const html = renderModelCardHtml(degenerate);
    expect(html).toMatch(/<th scope="row">ROC AUC<\/th><td class="num">n\/a<\/td><td class="num">n\/a<\/td>/);
    expect(html).toMatch(/<th scope="row">Accuracy<\/th><td class="num">n\/a<\/td><td class="num">—<\/td>/);
    expect(html).toContain('<dd>n/a</dd>'); // ECE
    expect(html).toContain('No groups were evaluated.');
    expect(html).not.toMatch(/NaN|Infinity/);
  });

  it('draws a calibration plot from a single bin, without a connecting line', () => {
    const svg = svgs(renderModelCardHtml({ ...minimal, calibration: { bins: [{ meanPredicted: 0.3, observed: 0.35, count: 12 }] } }))[0];
    expect(svg.match(/<circle /g)).toHaveLength(1);
    expect(svg).not.toContain('<polyline');
    expect(svg).toContain('n=12');
  });
});

describe('renderModelCardMarkdown', () => {
  it('renders the full card with well-formed tables', () => {
    const md = renderModelCardMarkdown(adultIncomeCard);
    expect(md.startsWith('# Model card: adult-income v7\n')).toBe(true);
    expect(expectWellFormedTables(md)).toBeGreaterThanOrEqual(12);
    expect(md).toContain('| Demographic parity difference | 0.174 | [0.163, 0.185] | ≤ 0.200 | **PASS** |');
    expect(md).toContain('| Female × Other | 41 | no | 0.024 [0.004, 0.126] | n/a | 0.024 [0.004, 0.126] |');
    expect(md).toContain('- **SHA-256:** `1186ed5a0f42c059d3130031609b31775b953c235200db91f29bc5e21d2241fa`');
  });

  it('renders a minimal card, saying "Not evaluated" for every measured section', () => {
    const md = renderModelCardMarkdown(minimal);
    expect(md.match(/^_Not evaluated[.:]/gm)).toHaveLength(9);
    expect(md).toContain('## Approvals\n\n_No approvals recorded._');
    expect(markdownTables(md)).toHaveLength(0);
  });

  it('escapes user text so it can neither inject HTML nor break tables, lists or links', () => {
    const md = renderModelCardMarkdown(hostile);
    expect(md).not.toMatch(/<script|<img|<b>/);
    expect(md).toContain('&lt;script&gt;alert("x")&lt;/script&gt;');
    expect(md).toContain('- \\# not a heading');
    expect(md).toContain('- 1\\. not a list');
    expect(md).toContain('line one line two \\| with \\[a link\\](http://evil.example)');
    expect(md).toContain('| eve\\|mallory | rejected | \\`code\\` \\*stars\\* \\_under\\_ \\\\ back |');
    expectWellFormedTables(md);
  });

  it('shows non-computable statistics as "n/a" and keeps degenerate tables well-formed', () => {
    const md = renderModelCardMarkdown(degenerate);
    expect(md).toContain('| ROC AUC | n/a | n/a |');
    expect(md).toContain('| Accuracy | n/a | — |');
    expect(md).not.toMatch(/NaN|Infinity/);
    expectWellFormedTables(md);
  });
});

describe('thresholdLine', () => {
  const breakdown = (kind: 'difference' | 'ratio', threshold: number): FairnessBreakdown => ({
    attributes: ['sex'],
    groups: [
      { group: 'A', size: 100, judged: true, selectionRate: { value: 0.2 }, tpr: { value: 0.6 }, fpr: { value: 0.1 } },
      { group: 'B', size: 100, judged: true, selectionRate: { value: 0.3 }, tpr: { value: 0.7 }, fpr: { value: 0.1 } },
      { group: 'tiny', size: 3, judged: false, selectionRate: { value: 0.9 }, tpr: { value: 0.1 }, fpr: { value: 0.9 } },
    ],
    gaps: [{ name: 'g', metric: 'selectionRate', kind, value: 0.1, threshold, verdict: 'pass' }],
  });

  it('puts a difference threshold at the lowest judged group plus the threshold', () => {
    expect(thresholdLine(breakdown('difference', 0.05), 'selectionRate')?.at).toBeCloseTo(0.25);
  });

  it('puts a ratio threshold at the threshold times the highest judged group', () => {
    expect(thresholdLine(breakdown('ratio', 0.8), 'selectionRate')?.at).toBeCloseTo(0.24);
  });

  it('draws no line for a metric without a gap, or when the line would fall off the 0–1 axis', () => {
    expect(thresholdLine(breakdown('difference', 0.05), 'tpr')).toBeUndefined();
    expect(thresholdLine(breakdown('difference', 0.95), 'selectionRate')).toBeUndefined();
  });
});
