/**
 * A blameless postmortem of a resolved incident, in Markdown and self-contained HTML: summary,
 * impact (requests and windows affected), detection, timeline (the workflow's and the audit
 * record's, merged by time), contributing factors with the drift and performance evidence of the
 * linked monitor windows, resolution, and action items (the runbook steps not done, and the follow-ups
 * every incident of this kind gets). Pure module.
 */
import type { WindowResult } from '../monitoring/window';
import type { IncidentState } from './types';

export interface PostmortemSource {
  incident: IncidentState;
  /** Audit events of the incident (and of the rollbacks and triggers it links to), oldest first. */
  events: Array<{ at: Date | string; actor: string; action: string; payload: Record<string, unknown> }>;
  /** The monitor windows it links to. */
  windows: WindowResult[];
}

interface Line {
  at: string;
  actor: string;
  what: string;
}

/** The timeline: workflow entries and audit events merged by time, each once. */
export function postmortemTimeline(s: PostmortemSource): Line[] {
  const lines: Line[] = s.incident.timeline.map((t) => ({ at: t.at, actor: t.actor, what: t.text }));
  const seen = new Set(lines.map((l) => `${l.at}|${l.what}`));
  for (const e of s.events) {
    const at = typeof e.at === 'string' ? e.at : e.at.toISOString();
    const what = `${e.action}${typeof e.payload.text === 'string' ? `: ${e.payload.text}` : typeof e.payload.reason === 'string' ? `: ${e.payload.reason}` : ''}`;
    if (e.action.startsWith('incident.') && typeof e.payload.text === 'string' && seen.has(`${at}|${e.payload.text}`)) continue;
    if (e.action === 'incident.opened') continue;
    lines.push({ at, actor: e.actor, what: `[audit] ${what}` });
  }
  return lines.sort((a, b) => a.at.localeCompare(b.at));
}

const minutes = (from: string, to?: string) => (to ? `${((Date.parse(to) - Date.parse(from)) / 60_000).toFixed(1)} min` : 'not yet');

function evidence(w: WindowResult): string[] {
  const out: string[] = [];
  if (w.featureDrift) {
    const drifted = w.featureDrift.columns.filter((c) => c.drifted);
    out.push(`feature drift ${w.featureDrift.dataset.drifted ? 'detected' : 'not detected'}: ${drifted.length} of ${w.featureDrift.dataset.testedColumns} columns drifted${drifted.length ? ` (${drifted.map((c) => `${c.column} ${c.test} ${c.statistic.toFixed(3)} > ${c.threshold}`).join(', ')})` : ''}`);
  }
  if (w.predictionDrift) out.push(`prediction drift: PSI ${w.predictionDrift.psi.toFixed(3)} (threshold ${w.predictionDrift.threshold})`);
  if (w.performance) out.push(`accuracy ${(w.performance.accuracy.value * 100).toFixed(1)}% [${(w.performance.accuracy.lower * 100).toFixed(1)}, ${(w.performance.accuracy.upper * 100).toFixed(1)}] on ${w.performance.labelled} labels`);
  if (w.estimated) out.push(`estimated accuracy (CBPE) ${(w.estimated.accuracy * 100).toFixed(1)}%`);
  out.push(...w.breaches);
  return out;
}

/** @example writeFileSync('postmortem.md', renderPostmortemMarkdown(source)); */
export function renderPostmortemMarkdown(s: PostmortemSource): string {
  const i = s.incident;
  const requests = s.windows.reduce((n, w) => n + w.volume, 0);
  const md: string[] = [];
  md.push(`# Postmortem: ${i.id}`, '');
  md.push('*Blameless: this document is about how the system and its safeguards behaved, not about who did what wrong.*', '');
  md.push('## Summary', '');
  md.push(`${i.summary}`, '');
  md.push(`- model: ${i.model}${i.version ? ` v${i.version}` : ''}`);
  md.push(`- severity: ${i.openedSeverity}${i.severity !== i.openedSeverity ? ` (escalated to ${i.severity})` : ''}`);
  md.push(`- status: ${i.status}; commander: ${i.commander ?? 'none'}`);
  md.push(`- opened ${i.openedAt} by ${i.openedBy}; acknowledged after ${i.acknowledgedAt ? minutes(i.openedAt, i.acknowledgedAt) : 'never'}; resolved after ${minutes(i.openedAt, i.resolvedAt)}`, '');
  md.push('## Impact', '');
  md.push(
    s.windows.length > 0
      ? `${requests} served predictions in ${s.windows.length} affected monitor window(s): ${s.windows.map((w) => `#${w.index} (${w.start} to ${w.end})`).join(', ')}.`
      : 'No monitor windows are linked to this incident.',
    '',
  );
  md.push('## Detection', '');
  md.push(i.links.trigger ? `Detected by the monitor's trigger \`${i.links.trigger}\` on window(s) ${i.links.windows.join(', ')}.` : `Opened by ${i.openedBy}.`, '');
  md.push('## Timeline (UTC)', '');
  md.push('| time | who | what |', '|---|---|---|');
  for (const l of postmortemTimeline(s)) md.push(`| ${l.at} | ${l.actor} | ${l.what.replaceAll('|', '\\|')} |`);
  md.push('');
  md.push('## Contributing factors and evidence', '');
  if (s.windows.length === 0) md.push('No monitor evidence attached.');
  for (const w of s.windows) {
    md.push(`### Window ${w.index} (${w.start} to ${w.end}), ${w.volume} predictions`, '');
    for (const e of evidence(w)) md.push(`- ${e}`);
    md.push('');
  }
  if (i.links.evidence) md.push('Trigger evidence:', '', '```json', JSON.stringify(i.links.evidence, null, 2), '```', '');
  md.push('## Resolution', '');
  md.push(i.resolution ?? 'Not resolved yet.', '');
  md.push('## Runbook', '');
  for (const st of i.steps) md.push(`- [${st.status === 'done' ? 'x' : ' '}] ${st.name} (${st.kind}${st.status === 'failed' ? ', failed' : ''})${st.by ? ` by ${st.by}` : ''}${st.note ? `: ${st.note}` : ''}`);
  md.push('');
  md.push('## Action items', '');
  const open = i.steps.filter((st) => st.status !== 'done');
  for (const st of open) md.push(`- [ ] finish runbook step "${st.name}"${st.status === 'failed' ? ' (it failed: see the timeline)' : ''}`);
  if (s.windows.some((w) => w.featureDrift?.dataset.drifted)) md.push('- [ ] retrain on recent labelled data, or explain why the drift is benign, and review the drift thresholds');
  if (i.escalations > 0) md.push(`- [ ] review paging: the incident escalated ${i.escalations} time(s) before acknowledgement`);
  md.push('- [ ] check that the monitor would have caught this earlier with the current trigger policy (backtest it)');
  return `${md.join('\n')}\n`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The same postmortem as one HTML page (no scripts, no external assets). */
export function renderPostmortemHtml(s: PostmortemSource): string {
  const md = renderPostmortemMarkdown(s).split('\n');
  const out: string[] = [];
  let inTable = false;
  let inCode = false;
  let inList = false;
  const closeList = () => {
    if (inList) out.push('</ul>');
    inList = false;
  };
  for (const line of md) {
    if (line.startsWith('```')) {
      closeList();
      out.push(inCode ? '</pre>' : '<pre>');
      inCode = !inCode;
      continue;
    }
    if (inCode) {
      out.push(escapeHtml(line));
      continue;
    }
    if (line.startsWith('|')) {
      closeList();
      if (line.startsWith('|---')) continue;
      const cells = line.slice(1, -1).split(/(?<!\\)\|/).map((c) => escapeHtml(c.trim().replaceAll('\\|', '|')));
      if (!inTable) out.push('<table><thead><tr>' + cells.map((c) => `<th>${c}</th>`).join('') + '</tr></thead><tbody>');
      else out.push('<tr>' + cells.map((c) => `<td>${c}</td>`).join('') + '</tr>');
      inTable = true;
      continue;
    }
    if (inTable) (out.push('</tbody></table>'), (inTable = false));
    if (line.startsWith('- ')) {
      if (!inList) out.push('<ul>');
      inList = true;
      out.push(`<li>${escapeHtml(line.slice(2)).replace(/^\[x\]/, '&#9745;').replace(/^\[ \]/, '&#9744;')}</li>`);
      continue;
    }
    closeList();
    const h = /^(#{1,3}) (.*)$/.exec(line);
    if (h) out.push(`<h${h[1].length}>${escapeHtml(h[2])}</h${h[1].length}>`);
    else if (line.trim() !== '') out.push(`<p>${escapeHtml(line).replace(/\*(.+)\*/, '<em>$1</em>').replace(/`([^`]+)`/g, '<code>$1</code>')}</p>`);
  }
  closeList();
  if (inTable) out.push('</tbody></table>');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Postmortem: ${escapeHtml(s.incident.id)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#222}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left}th{background:#f4f4f4}pre{background:#f6f6f6;padding:.5rem;overflow:auto}</style>
</head><body>
${out.join('\n')}
</body></html>
`;
}
