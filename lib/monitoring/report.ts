/**
 * How stored monitor windows are shown: a text table (`steward monitor <model>`) and a self-contained
 * HTML report with SVG line charts (volume, error rate, latency, drift, realised vs estimated
 * accuracy), no scripts and no external assets. Pure module.
 */
import type { WindowResult } from './window';

const fmt = (x: number | null | undefined, digits = 3) => (x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits));
const pct = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '-' : `${(x * 100).toFixed(1)}%`);

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** What is wrong in a window, in a few words (drift, broken budgets). */
export function windowFlags(w: WindowResult): string {
  const flags: string[] = [];
  if (w.featureDrift?.dataset.drifted) flags.push(`feature drift (${w.featureDrift.columns.filter((c) => c.drifted).map((c) => c.column).join(', ')})`);
  if (w.predictionDrift?.drifted) flags.push('prediction drift');
  flags.push(...w.breaches);
  return flags.join('; ');
}

/**
 * @example console.log(formatWindowTable(windows));
 */
export function formatWindowTable(windows: readonly WindowResult[]): string {
  const header = ['window', 'start (UTC)', 'v', 'volume', 'errors', 'p50 ms', 'p99 ms', 'drift share', 'PSI', 'labelled', 'accuracy', 'est. acc.', 'flags'];
  const rows = windows.map((w) => [
    String(w.index),
    w.start.slice(0, 16).replace('T', ' '),
    w.version === null ? '-' : String(w.version),
    String(w.volume),
    pct(w.errorRate),
    fmt(w.latency.p50Ms, 1),
    fmt(w.latency.p99Ms, 1),
    w.featureDrift ? fmt(w.featureDrift.dataset.share, 2) : '-',
    fmt(w.predictionDrift?.psi),
    String(w.counts.labelled),
    w.performance ? `${pct(w.performance.accuracy.value)} [${pct(w.performance.accuracy.lower)}, ${pct(w.performance.accuracy.upper)}]` : '-',
    pct(w.estimated?.accuracy),
    windowFlags(w),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

interface Series {
  name: string;
  colour: string;
  values: Array<number | null>;
}

/** One SVG line chart of series over window indexes; missing values break the line. */
export function lineChartSvg(title: string, indexes: readonly number[], series: readonly Series[], o: { percent?: boolean; threshold?: number } = {}): string {
  const W = 640;
  const H = 220;
  const left = 56;
  const right = 16;
  const top = 28;
  const bottom = 32;
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  if (o.threshold !== undefined) all.push(o.threshold);
  let lo = Math.min(0, ...all);
  let hi = Math.max(...all, lo + 1e-9);
  if (o.percent) (lo = Math.min(lo, 0), (hi = Math.max(hi, 0.0001)));
  const n = indexes.length;
  const x = (i: number) => left + (n <= 1 ? (W - left - right) / 2 : (i * (W - left - right)) / (n - 1));
  const y = (v: number) => top + (H - top - bottom) * (1 - (v - lo) / (hi - lo || 1));
  const label = (v: number) => (o.percent ? `${(v * 100).toFixed(0)}%` : Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2));
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(title)}">`);
  parts.push(`<text x="${left}" y="18" font-size="13" font-weight="600">${escapeHtml(title)}</text>`);
  for (const t of [lo, (lo + hi) / 2, hi]) {
    parts.push(`<line x1="${left}" x2="${W - right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 6}" y="${(y(t) + 4).toFixed(1)}" font-size="10" text-anchor="end">${label(t)}</text>`);
  }
  const step = Math.max(1, Math.ceil(n / 12));
  indexes.forEach((idx, i) => {
    if (i % step === 0 || i === n - 1) parts.push(`<text x="${x(i).toFixed(1)}" y="${H - 12}" font-size="10" text-anchor="middle">${idx}</text>`);
  });
  if (o.threshold !== undefined) parts.push(`<line x1="${left}" x2="${W - right}" y1="${y(o.threshold).toFixed(1)}" y2="${y(o.threshold).toFixed(1)}" stroke="#c00" stroke-dasharray="4 3"/>`);
  series.forEach((s, k) => {
    let d = '';
    let pen = false;
    s.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) return void (pen = false);
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)} `;
      pen = true;
      parts.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="2.5" fill="${s.colour}"><title>${escapeHtml(s.name)} window ${indexes[i]}: ${label(v)}</title></circle>`);
    });
    if (d) parts.push(`<path d="${d.trim()}" fill="none" stroke="${s.colour}" stroke-width="1.8"/>`);
    parts.push(`<text x="${W - right - 4 - k * 90}" y="18" font-size="11" text-anchor="end" fill="${s.colour}">${escapeHtml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/**
 * A self-contained HTML report of a model's windows.
 *
 * @example writeFileSync('report.html', renderMonitorHtml('adult-income', windows, new Date()));
 */
export function renderMonitorHtml(model: string, windows: readonly WindowResult[], generatedAt: Date): string {
  const idx = windows.map((w) => w.index);
  const charts = [
    lineChartSvg('Volume (served predictions)', idx, [{ name: 'volume', colour: '#1f77b4', values: windows.map((w) => w.volume) }]),
    lineChartSvg('Error rate', idx, [{ name: 'errors', colour: '#d62728', values: windows.map((w) => w.errorRate) }], { percent: true }),
    lineChartSvg('Latency (ms)', idx, [
      { name: 'p50', colour: '#2ca02c', values: windows.map((w) => w.latency.p50Ms) },
      { name: 'p99', colour: '#ff7f0e', values: windows.map((w) => w.latency.p99Ms) },
    ]),
    lineChartSvg('Feature drift (share of drifted columns)', idx, [{ name: 'drifted share', colour: '#9467bd', values: windows.map((w) => w.featureDrift?.dataset.share ?? null) }], {
      threshold: windows.find((w) => w.featureDrift)?.featureDrift?.dataset.threshold,
    }),
    lineChartSvg('Prediction drift (PSI of scores)', idx, [{ name: 'PSI', colour: '#8c564b', values: windows.map((w) => w.predictionDrift?.psi ?? null) }], {
      threshold: windows.find((w) => w.predictionDrift)?.predictionDrift?.threshold,
    }),
    lineChartSvg(
      'Accuracy: realised (labels) and estimated (CBPE)',
      idx,
      [
        { name: 'realised', colour: '#1f77b4', values: windows.map((w) => w.performance?.accuracy.value ?? null) },
        { name: 'estimated', colour: '#ff7f0e', values: windows.map((w) => w.estimated?.accuracy ?? null) },
      ],
      { percent: true },
    ),
  ];
  const rows = windows
    .map(
      (w) =>
        `<tr><td>${w.index}</td><td>${escapeHtml(w.start)}</td><td>${w.version ?? '-'}</td><td>${w.volume}</td><td>${pct(w.errorRate)}</td><td>${fmt(w.latency.p99Ms, 1)}</td><td>${w.featureDrift ? fmt(w.featureDrift.dataset.share, 2) : '-'}</td><td>${fmt(w.predictionDrift?.psi)}</td><td>${w.counts.labelled}</td><td>${w.performance ? `${pct(w.performance.accuracy.value)} [${pct(w.performance.accuracy.lower)}, ${pct(w.performance.accuracy.upper)}]` : '-'}</td><td>${pct(w.estimated?.accuracy)}</td><td>${escapeHtml(windowFlags(w))}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Monitor: ${escapeHtml(model)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}th{background:#f4f4f4}.charts{display:flex;flex-wrap:wrap;gap:1rem}</style>
</head><body>
<h1>Monitor: ${escapeHtml(model)}</h1>
<p>${windows.length} window(s)${windows.length ? `, ${escapeHtml(windows[0].start)} to ${escapeHtml(windows[windows.length - 1].end)}` : ''}. Generated ${escapeHtml(generatedAt.toISOString())}. Estimated accuracy is confidence-based (CBPE, calibrated on the production version's evaluation holdout); realised accuracy appears once labels arrive, with its 95% interval.</p>
<div class="charts">${charts.join('\n')}</div>
<h2>Windows</h2>
<table><thead><tr><th>window</th><th>start</th><th>version</th><th>volume</th><th>errors</th><th>p99 ms</th><th>drift share</th><th>PSI</th><th>labelled</th><th>accuracy</th><th>estimated</th><th>flags</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</body></html>
`;
}
