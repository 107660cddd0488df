/**
 * Inline SVG charts for the HTML model card, drawn by hand so the page needs no library, script or
 * external asset. Every coordinate goes through `px()`, which maps anything non-finite to 0, and
 * every scale clamps to its domain: degenerate data (no points, one point, zero-width intervals,
 * null or NaN statistics) must still give a valid drawing, never `NaN` in an attribute.
 */
import { escapeHtml, formatCount, formatNumber, isFiniteNumber, truncate } from './format';
import type { CalibrationBin, Estimate, FairnessBreakdown, FeatureImportance, GroupMetricKey, Residuals } from './types';

const COLOR = {
  bar: '#4c78a8',
  barMuted: '#c5ccd4',
  ink: '#1f2933',
  muted: '#6b7683',
  grid: '#e3e7ec',
  stripe: '#f6f8fa',
  limit: '#c0392b',
  production: '#e08a00',
};

/** Coordinates rounded to 0.1 px; non-finite values become 0 so no attribute can read "NaN". */
function px(n: number): string {
  return Number.isFinite(n) ? String(Math.round(n * 10) / 10) : '0';
}

/** A linear scale that clamps its input to the domain; a zero-width domain maps to `r0`. */
function linearScale(d0: number, d1: number, r0: number, r1: number): (x: number) => number {
  const span = d1 - d0;
  return (x) => {
    if (!Number.isFinite(x) || !(Math.abs(span) > 0)) return r0;
    const t = (Math.min(Math.max(x, Math.min(d0, d1)), Math.max(d0, d1)) - d0) / span;
    return r0 + t * (r1 - r0);
  };
}

/** Round tick values covering [lo, hi] (steps of 1, 2 or 5 × 10^k), plus how many decimals they need. */
function niceTicks(lo: number, hi: number, target = 5): { values: number[]; decimals: number } {
  const span = hi - lo;
  if (!(span > 0) || !Number.isFinite(span)) return { values: [Number.isFinite(lo) ? lo : 0], decimals: 2 };
  const raw = span / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  const values: number[] = [];
  for (let i = Math.ceil(lo / step - 1e-9); i * step <= hi + step * 1e-9 && values.length < 50; i++) {
    values.push(Math.abs(i * step) < step * 1e-9 ? 0 : i * step);
  }
  return { values, decimals: Math.max(0, -Math.floor(Math.log10(step) + 1e-9)) };
}

/** Opening `<svg>` with the accessible name and description every chart must carry. */
function svgOpen(id: string, width: number, height: number, title: string, desc: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${px(width)} ${px(height)}" width="${px(width)}" height="${px(height)}"` +
    ` role="img" aria-labelledby="${id}-t ${id}-d" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="11">` +
    `<title id="${id}-t">${escapeHtml(title)}</title><desc id="${id}-d">${escapeHtml(desc)}</desc>`
  );
}

function text(x: number, y: number, s: string, attrs = ''): string {
  return `<text x="${px(x)}" y="${px(y)}"${attrs ? ` ${attrs}` : ''}>${escapeHtml(s)}</text>`;
}

function line(x1: number, y1: number, x2: number, y2: number, attrs: string): string {
  return `<line x1="${px(x1)}" y1="${px(y1)}" x2="${px(x2)}" y2="${px(y2)}" ${attrs}/>`;
}

/** A horizontal interval whisker with end caps; nothing when either bound is missing. */
function whisker(x: (v: number) => number, low: unknown, high: unknown, cy: number): string {
  if (!isFiniteNumber(low) || !isFiniteNumber(high)) return '';
  const a = x(Math.min(low, high));
  const b = x(Math.max(low, high));
  const s = `stroke="${COLOR.ink}" stroke-width="1.2"`;
  return line(a, cy, b, cy, s) + line(a, cy - 4, a, cy + 4, s) + line(b, cy - 4, b, cy + 4, s);
}

const GROUP_METRIC_LABEL: Record<GroupMetricKey, string> = {
  selectionRate: 'Selection rate',
  tpr: 'True positive rate',
  fpr: 'False positive rate',
};

/**
 * Where the policy threshold sits on a per-group chart. A difference gap (max − min ≤ t) holds
 * exactly when every judged group is at most lowest + t; a ratio gap (min / max ≥ t) holds exactly
 * when every judged group is at least t × highest. Drawing that line lets a reader see which group
 * breaks the policy, not just that the gap does.
 */
export function thresholdLine(breakdown: FairnessBreakdown, metric: GroupMetricKey): { at: number; label: string } | undefined {
  const gap = breakdown.gaps.find((g) => g.metric === metric && isFiniteNumber(g.threshold));
  if (!gap) return undefined;
  const values = breakdown.groups.filter((g) => g.judged).map((g) => g[metric].value).filter(isFiniteNumber);
  if (values.length === 0) return undefined;
  const at = gap.kind === 'difference' ? Math.min(...values) + gap.threshold : gap.threshold * Math.max(...values);
  if (!(at >= 0 && at <= 1)) return undefined;
  return { at, label: `${gap.kind === 'difference' ? '≤' : '≥'} ${formatNumber(at, 2)}` };
}

function estimateTooltip(group: string, metric: GroupMetricKey, e: Estimate, size: number, judged: boolean): string {
  const interval = isFiniteNumber(e.low) && isFiniteNumber(e.high) ? ` (95% CI ${formatNumber(e.low)}–${formatNumber(e.high)})` : '';
  return `${group}: ${GROUP_METRIC_LABEL[metric].toLowerCase()} ${formatNumber(e.value)}${interval}, n = ${formatCount(size)}${judged ? '' : ', not judged'}`;
}

/**
 * Per-group selection rate, TPR and FPR for one breakdown, side by side: bars with 95% interval
 * whiskers, groups too small to judge greyed out, and the policy threshold as a dashed red line.
 *
 * @example
 *   const svg = fairnessChartSvg(card.fairness[0], 'fair-sex');
 */
export function fairnessChartSvg(breakdown: FairnessBreakdown, id: string): string {
  const groups = breakdown.groups;
  const labelW = 210;
  const panelW = 230;
  const gapW = 30;
  const top = 44;
  const rowH = 22;
  const width = labelW + 3 * panelW + 2 * gapW + 16;
  const plotBottom = top + Math.max(groups.length, 1) * rowH;
  const height = plotBottom + 30;
  const name = breakdown.attributes.join(' × ');
  let out = svgOpen(
    id,
    width,
    height,
    `Per-group rates by ${name}`,
    `Selection rate, true positive rate and false positive rate for each ${name} group with 95% intervals; ` +
      'a dashed red line marks the policy threshold; grey bars are groups too small to judge.',
  );

  groups.forEach((g, i) => {
    if (i % 2 === 0) out += `<rect x="0" y="${px(top + i * rowH)}" width="${px(width)}" height="${px(rowH)}" fill="${COLOR.stripe}"/>`;
    // About 34 characters fit the label column; the full name is in the tooltip and the table.
    const suffix = g.judged ? '' : ` (n=${formatCount(g.size)}, not judged)`;
    const label = truncate(g.group, Math.max(8, 34 - suffix.length)) + suffix;
    out += `<g><title>${escapeHtml(`${g.group}, n = ${formatCount(g.size)}${g.judged ? '' : ', not judged'}`)}</title>`;
    out += text(labelW - 10, top + i * rowH + rowH / 2 + 4, label, `text-anchor="end" fill="${g.judged ? COLOR.ink : COLOR.muted}"${g.judged ? '' : ' font-style="italic"'}`);
    out += '</g>';
  });
  if (groups.length === 0) out += text(labelW - 10, top + rowH / 2 + 4, 'no groups', `text-anchor="end" fill="${COLOR.muted}"`);

  (['selectionRate', 'tpr', 'fpr'] as const).forEach((metric, p) => {
    const x0 = labelW + p * (panelW + gapW);
    const x = linearScale(0, 1, x0, x0 + panelW);
    out += text(x0, 16, GROUP_METRIC_LABEL[metric], `font-weight="600" fill="${COLOR.ink}"`);
    for (const t of [0, 0.25, 0.5, 0.75, 1]) {
      out += line(x(t), top, x(t), plotBottom, `stroke="${COLOR.grid}"`);
      out += text(x(t), plotBottom + 14, t.toFixed(2), `text-anchor="middle" fill="${COLOR.muted}" font-size="10"`);
    }
    groups.forEach((g, i) => {
      const cy = top + i * rowH + rowH / 2;
      const e = g[metric];
      out += `<g><title>${escapeHtml(estimateTooltip(g.group, metric, e, g.size, g.judged))}</title>`;
      if (isFiniteNumber(e.value)) {
        const fill = g.judged ? COLOR.bar : COLOR.barMuted;
        out += `<rect x="${px(x(0))}" y="${px(cy - 6)}" width="${px(x(e.value) - x(0))}" height="12" fill="${fill}"/>`;
        out += whisker(x, e.low, e.high, cy);
      } else {
        out += text(x(0) + 4, cy + 4, 'n/a', `fill="${COLOR.muted}"`);
      }
      out += '</g>';
    });
    const limit = thresholdLine(breakdown, metric);
    if (limit) {
      out += line(x(limit.at), top - 6, x(limit.at), plotBottom, `stroke="${COLOR.limit}" stroke-width="1.5" stroke-dasharray="4 3"`);
      const anchor = limit.at > 0.8 ? 'end' : limit.at < 0.2 ? 'start' : 'middle';
      out += text(x(limit.at), top - 10, `threshold ${limit.label}`, `text-anchor="${anchor}" fill="${COLOR.limit}" font-size="10"`);
    }
  });
  return `${out}</svg>`;
}

/**
 * Reliability diagram: mean predicted probability against observed positive rate per bin, the
 * diagonal as perfect calibration, points sized by and labelled with their count.
 *
 * @example
 *   const svg = calibrationChartSvg(card.calibration.bins, 'calibration');
 */
export function calibrationChartSvg(bins: CalibrationBin[], id: string): string {
  const left = 56;
  const top = 20;
  const size = 320;
  const width = left + size + 30;
  const height = top + size + 50;
  const x = linearScale(0, 1, left, left + size);
  const y = linearScale(0, 1, top + size, top);
  const points = bins
    .filter((b) => isFiniteNumber(b.meanPredicted) && isFiniteNumber(b.observed))
    .map((b) => ({ ...b, meanPredicted: b.meanPredicted as number, observed: b.observed as number }))
    .sort((a, b) => a.meanPredicted - b.meanPredicted);
  const maxCount = Math.max(0, ...points.map((p) => (isFiniteNumber(p.count) ? p.count : 0)));

  let out = svgOpen(
    id,
    width,
    height,
    'Calibration plot',
    `Observed positive rate against mean predicted probability for ${points.length} bins; ` +
      'the dashed diagonal is perfect calibration; point area grows with the number of examples in the bin.',
  );
  for (const t of [0, 0.2, 0.4, 0.6, 0.8, 1]) {
    out += line(x(t), top, x(t), top + size, `stroke="${COLOR.grid}"`) + line(left, y(t), left + size, y(t), `stroke="${COLOR.grid}"`);
    out += text(x(t), top + size + 14, t.toFixed(1), `text-anchor="middle" fill="${COLOR.muted}" font-size="10"`);
    out += text(left - 6, y(t) + 3, t.toFixed(1), `text-anchor="end" fill="${COLOR.muted}" font-size="10"`);
  }
  out += `<rect x="${px(left)}" y="${px(top)}" width="${px(size)}" height="${px(size)}" fill="none" stroke="${COLOR.muted}"/>`;
  out += line(x(0), y(0), x(1), y(1), `stroke="${COLOR.muted}" stroke-dasharray="5 4"`);
  // In the empty lower-right corner: a well-calibrated model puts its points along the diagonal, never there.
  out += line(x(0.56), y(0.05), x(0.63), y(0.05), `stroke="${COLOR.muted}" stroke-dasharray="5 4"`);
  out += text(x(0.65), y(0.05) + 3, 'perfect calibration', `fill="${COLOR.muted}" font-size="10" font-style="italic"`);
  out += text(left + size / 2, top + size + 34, 'Mean predicted probability', `text-anchor="middle" fill="${COLOR.ink}"`);
  out += text(16, top + size / 2, 'Observed positive rate', `text-anchor="middle" fill="${COLOR.ink}" transform="rotate(-90 16 ${px(top + size / 2)})"`);

  if (points.length === 0) {
    out += text(left + size / 2, top + size / 2, 'no bins to plot', `text-anchor="middle" fill="${COLOR.muted}"`);
    return `${out}</svg>`;
  }
  if (points.length > 1) {
    out += `<polyline points="${points.map((p) => `${px(x(p.meanPredicted))},${px(y(p.observed))}`).join(' ')}" fill="none" stroke="${COLOR.bar}" stroke-width="1.5"/>`;
  }
  for (const p of points) {
    const share = maxCount > 0 && isFiniteNumber(p.count) ? p.count / maxCount : 0;
    const r = 3 + 8 * Math.sqrt(Math.max(0, share));
    const cx = x(p.meanPredicted);
    const cy = y(p.observed);
    const range = isFiniteNumber(p.low) && isFiniteNumber(p.high) ? `bin ${formatNumber(p.low, 2)}–${formatNumber(p.high, 2)}: ` : '';
    out += `<g><title>${escapeHtml(`${range}mean predicted ${formatNumber(p.meanPredicted)}, observed ${formatNumber(p.observed)}, n = ${formatCount(p.count)}`)}</title>`;
    out += `<circle cx="${px(cx)}" cy="${px(cy)}" r="${px(r)}" fill="${COLOR.bar}" fill-opacity="0.75" stroke="#fff"/>`;
    // Labels go on the side of the point away from the diagonal so they do not sit on the reference line.
    const above = p.observed >= p.meanPredicted;
    out += text(
      above ? cx - r - 3 : cx + r + 3,
      above ? cy - 2 : cy + 9,
      `n=${formatCount(p.count)}`,
      `text-anchor="${above ? 'end' : 'start'}" fill="${COLOR.ink}" font-size="9"`,
    );
    out += '</g>';
  }
  return `${out}</svg>`;
}

/**
 * Permutation importance: one bar per feature (mean drop in the metric), ±1 std error bars, and a
 * diamond at the production model's importance when a change against production is known.
 *
 * @example
 *   const svg = featureImportanceChartSvg(card.featureImportance.features, 'ROC AUC', 'importance');
 */
export function featureImportanceChartSvg(features: FeatureImportance[], metric: string, id: string): string {
  const rows = [...features].sort((a, b) => (isFiniteNumber(b.mean) ? b.mean : -Infinity) - (isFiniteNumber(a.mean) ? a.mean : -Infinity));
  const labelW = 180;
  const plotW = 500;
  const valueW = 130;
  const top = 14;
  const rowH = 22;
  const plotBottom = top + Math.max(rows.length, 1) * rowH;
  const width = labelW + plotW + valueW;
  const height = plotBottom + 34;

  const extents: number[] = [0];
  for (const f of rows) {
    if (!isFiniteNumber(f.mean)) continue;
    const sd = isFiniteNumber(f.std) ? Math.abs(f.std) : 0;
    extents.push(f.mean - sd, f.mean + sd);
    if (isFiniteNumber(f.deltaVsProduction)) extents.push(f.mean - f.deltaVsProduction);
  }
  let lo = Math.min(...extents);
  let hi = Math.max(...extents);
  if (!(hi - lo > 0)) hi = lo + 1; // all-zero importances still need a drawable axis
  const pad = (hi - lo) * 0.04;
  lo = lo < 0 ? lo - pad : 0;
  hi += pad;
  const x = linearScale(lo, hi, labelW, labelW + plotW);

  let out = svgOpen(
    id,
    width,
    height,
    `Permutation feature importance (drop in ${metric})`,
    `Mean drop in ${metric} when each feature is shuffled, with ±1 standard deviation error bars` +
      ' and, where known, the production model’s importance as an orange diamond.',
  );
  rows.forEach((_, i) => {
    if (i % 2 === 0) out += `<rect x="0" y="${px(top + i * rowH)}" width="${px(width)}" height="${px(rowH)}" fill="${COLOR.stripe}"/>`;
  });
  const ticks = niceTicks(lo, hi);
  for (const t of ticks.values) {
    out += line(x(t), top, x(t), plotBottom, `stroke="${t === 0 ? COLOR.muted : COLOR.grid}"`);
    out += text(x(t), plotBottom + 14, t.toFixed(ticks.decimals), `text-anchor="middle" fill="${COLOR.muted}" font-size="10"`);
  }
  out += text(labelW + plotW / 2, plotBottom + 29, `Drop in ${metric}`, `text-anchor="middle" fill="${COLOR.ink}"`);
  if (rows.length === 0) out += text(labelW - 10, top + rowH / 2 + 4, 'no features', `text-anchor="end" fill="${COLOR.muted}"`);

  rows.forEach((f, i) => {
    const cy = top + i * rowH + rowH / 2;
    const sd = isFiniteNumber(f.std) ? Math.abs(f.std) : undefined;
    const tip = `${f.feature}: ${formatNumber(f.mean, 4)} ± ${formatNumber(sd ?? null, 4)}`;
    out += `<g><title>${escapeHtml(tip)}</title>`;
    out += text(labelW - 10, cy + 4, truncate(f.feature, 26), `text-anchor="end" fill="${COLOR.ink}"`);
    if (isFiniteNumber(f.mean)) {
      const a = x(Math.min(0, f.mean));
      const b = x(Math.max(0, f.mean));
      out += `<rect x="${px(a)}" y="${px(cy - 6)}" width="${px(b - a)}" height="12" fill="${COLOR.bar}"/>`;
      if (sd !== undefined) out += whisker(x, f.mean - sd, f.mean + sd, cy);
      if (isFiniteNumber(f.deltaVsProduction)) {
        const prod = x(f.mean - f.deltaVsProduction);
        out += `<path d="M${px(prod)} ${px(cy - 5)}L${px(prod + 5)} ${px(cy)}L${px(prod)} ${px(cy + 5)}L${px(prod - 5)} ${px(cy)}Z" fill="${COLOR.production}" stroke="#fff" stroke-width="0.8"/>`;
      }
      out += text(labelW + plotW + 8, cy + 4, `${formatNumber(f.mean, 4)} ± ${formatNumber(sd ?? null, 4)}`, `fill="${COLOR.muted}"`);
    } else {
      out += text(x(0) + 4, cy + 4, 'n/a', `fill="${COLOR.muted}"`);
    }
    out += '</g>';
  });
  return `${out}</svg>`;
}

/**
 * A regressor's predictions against the actual values: a sample of rows as dots, the means of
 * equal-count bins of predictions as a line, and the diagonal where prediction equals actual.
 *
 * @example const svg = predictedActualChartSvg(card.residuals.points, card.residuals.bins, 'predicted-actual');
 */
export function predictedActualChartSvg(points: Residuals['points'], bins: Residuals['bins'], id: string): string {
  const left = 56;
  const top = 20;
  const size = 320;
  const width = left + size + 30;
  const height = top + size + 50;
  const values = points.flatMap((p) => [p.predicted, p.actual]).filter(Number.isFinite);
  const lo = values.length > 0 ? Math.min(...values) : 0;
  const hi = values.length > 0 ? Math.max(...values) : 1;
  const ticks = niceTicks(lo, hi > lo ? hi : lo + 1);
  const d0 = Math.min(lo, ticks.values[0]!);
  const d1 = Math.max(hi > lo ? hi : lo + 1, ticks.values[ticks.values.length - 1]!);
  const x = linearScale(d0, d1, left, left + size);
  const y = linearScale(d0, d1, top + size, top);
  let out = svgOpen(
    id,
    width,
    height,
    'Predicted against actual',
    `${points.length} sampled rows (dots) and the mean actual value per bin of predictions (line); the dashed diagonal is a perfect prediction.`,
  );
  for (const t of ticks.values) {
    out += line(x(t), top, x(t), top + size, `stroke="${COLOR.grid}"`) + line(left, y(t), left + size, y(t), `stroke="${COLOR.grid}"`);
    out += text(x(t), top + size + 14, t.toFixed(ticks.decimals), `text-anchor="middle" fill="${COLOR.muted}" font-size="10"`);
    out += text(left - 6, y(t) + 3, t.toFixed(ticks.decimals), `text-anchor="end" fill="${COLOR.muted}" font-size="10"`);
  }
  out += `<rect x="${px(left)}" y="${px(top)}" width="${px(size)}" height="${px(size)}" fill="none" stroke="${COLOR.muted}"/>`;
  out += line(x(d0), y(d0), x(d1), y(d1), `stroke="${COLOR.muted}" stroke-dasharray="5 4"`);
  out += text(left + size / 2, top + size + 34, 'Predicted', `text-anchor="middle" fill="${COLOR.ink}"`);
  out += text(16, top + size / 2, 'Actual', `text-anchor="middle" fill="${COLOR.ink}" transform="rotate(-90 16 ${px(top + size / 2)})"`);
  for (const p of points) out += `<circle cx="${px(x(p.predicted))}" cy="${px(y(p.actual))}" r="1.8" fill="${COLOR.bar}" fill-opacity="0.35"/>`;
  const means = bins.filter((b) => isFiniteNumber(b.meanPredicted) && isFiniteNumber(b.meanActual));
  if (means.length > 1) {
    out += `<polyline points="${means.map((b) => `${px(x(b.meanPredicted as number))},${px(y(b.meanActual as number))}`).join(' ')}" fill="none" stroke="${COLOR.production}" stroke-width="2"/>`;
  }
  for (const b of means) {
    out += `<g><title>${escapeHtml(`predicted ${formatNumber(b.predictedLow, 1)} to ${formatNumber(b.predictedHigh, 1)}: mean predicted ${formatNumber(b.meanPredicted)}, mean actual ${formatNumber(b.meanActual)}, n = ${formatCount(b.count)}`)}</title>`;
    out += `<circle cx="${px(x(b.meanPredicted as number))}" cy="${px(y(b.meanActual as number))}" r="3.5" fill="${COLOR.production}" stroke="#fff"/></g>`;
  }
  if (points.length === 0 && means.length === 0) out += text(left + size / 2, top + size / 2, 'no predictions to plot', `text-anchor="middle" fill="${COLOR.muted}"`);
  return `${out}</svg>`;
}

/**
 * A multiclass model's confusion matrix as a heat map: one row per actual class, one column per
 * predicted class, each cell shaded by its share of the row (the class's recall on the diagonal) and
 * labelled with its count.
 *
 * @example const svg = confusionMatrixChartSvg(card.classes.classes, card.classes.confusion, 'confusion');
 */
export function confusionMatrixChartSvg(classes: string[], confusion: number[][], id: string): string {
  const k = classes.length;
  const left = 110;
  const top = 40;
  const cell = Math.max(28, Math.min(64, Math.floor(360 / Math.max(1, k))));
  const width = left + cell * k + 20;
  const height = top + cell * k + 40;
  let out = svgOpen(
    id,
    width,
    height,
    'Confusion matrix',
    `${k} classes; rows are the actual class, columns the predicted class; darker cells hold a larger share of their row; the diagonal holds the correct predictions.`,
  );
  out += text(left + (cell * k) / 2, 14, 'Predicted class', `text-anchor="middle" fill="${COLOR.ink}"`);
  out += text(12, top + (cell * k) / 2, 'Actual class', `text-anchor="middle" fill="${COLOR.ink}" transform="rotate(-90 12 ${px(top + (cell * k) / 2)})"`);
  classes.forEach((c, j) => {
    out += text(left + j * cell + cell / 2, top - 6, truncate(c, 12), `text-anchor="middle" fill="${COLOR.muted}" font-size="10"`);
    out += text(left - 6, top + j * cell + cell / 2 + 3, truncate(c, 16), `text-anchor="end" fill="${COLOR.muted}" font-size="10"`);
  });
  classes.forEach((actual, t) => {
    const row = confusion[t] ?? [];
    const total = row.reduce((a, b) => a + (isFiniteNumber(b) ? b : 0), 0);
    classes.forEach((predicted, p) => {
      const count = isFiniteNumber(row[p]) ? row[p] : 0;
      const share = total > 0 ? count / total : 0;
      const x = left + p * cell;
      const y = top + t * cell;
      out += `<g><title>${escapeHtml(`actual ${actual}, predicted ${predicted}: ${formatCount(count)} (${(share * 100).toFixed(1)}% of ${actual})`)}</title>`;
      out += `<rect x="${px(x)}" y="${px(y)}" width="${px(cell)}" height="${px(cell)}" fill="${t === p ? COLOR.bar : COLOR.limit}" fill-opacity="${px(0.08 + 0.85 * share)}" stroke="#fff"/>`;
      out += text(x + cell / 2, y + cell / 2 + 4, formatCount(count), `text-anchor="middle" fill="${share > 0.5 ? '#fff' : COLOR.ink}" font-size="10"`);
      out += '</g>';
    });
  });
  return `${out}</svg>`;
}
