/**
 * The approval pages as plain server-rendered HTML: no script, no build step, no external asset. All
 * text from users and the registry is escaped here; the model card is the card renderer's own
 * self-contained page, shown in a frame from the same origin.
 */
import { escapeHtml as e } from '../../lib/card/format';
import type { DriftReport } from '../../lib/drift/suite';
import type { ReleaseState } from '../../lib/release/types';
import type { Identity } from '../../lib/identity/tokens';

const CSS = `
:root { color-scheme: light; --ink: #1f2933; --muted: #5f6b7a; --line: #d9dee4; --soft: #f6f8fa; --accent: #4c78a8; --ok: #136f3a; --bad: #a61b1b; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: #fff; }
header.bar { display: flex; justify-content: space-between; align-items: center; padding: 10px 24px; border-bottom: 3px solid var(--accent); }
header.bar form { display: inline; }
main { max-width: 1100px; margin: 0 auto; padding: 20px 24px 48px; }
h1 { font-size: 22px; margin: 0 0 6px; overflow-wrap: anywhere; }
h2 { font-size: 17px; margin: 26px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: 3px 18px; }
dl.fields dt { color: var(--muted); }
dl.fields dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
thead th { background: var(--soft); }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.status { display: inline-block; font-weight: 700; padding: 1px 10px; border-radius: 10px; border: 1px solid var(--line); }
.status.promoted, .pass { color: var(--ok); }
.status.rejected, .status.failed, .status.expired, .fail { color: var(--bad); }
.notice { padding: 8px 12px; border-left: 4px solid var(--accent); background: var(--soft); margin: 12px 0; }
.notice.error { border-color: var(--bad); }
form.decide textarea { width: 100%; min-height: 70px; font: inherit; }
form.decide .buttons { margin-top: 8px; display: flex; gap: 10px; }
button { font: inherit; padding: 6px 16px; border-radius: 4px; border: 1px solid var(--line); background: var(--soft); cursor: pointer; }
button.approve { background: #e3f5ea; border-color: #9fd8b5; }
button.reject { background: #fde8e8; border-color: #f0a8a8; }
iframe.card { width: 100%; height: 1400px; border: 1px solid var(--line); }
input[type=password] { width: 100%; font: inherit; padding: 6px; }
`;

/** Content-Security-Policy of the pages: nothing runs, nothing loads from elsewhere, forms post only here. */
export const pageCsp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-src 'self'; form-action 'self'; frame-ancestors 'self'; base-uri 'none'";

function page(title: string, body: string, identity?: Identity, csrf?: string): string {
  const bar = identity
    ? `<span>Signed in as <strong>${e(identity.principal)}</strong> (${e(identity.grants.map((g) => (g.model ? `${g.role} for ${g.model}` : g.role)).join(', ') || 'no role')})</span>
<form method="post" action="/ui/logout"><input type="hidden" name="csrf" value="${e(csrf ?? '')}"><button type="submit">Sign out</button></form>`
    : '<span></span>';
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${e(title)}</title><style>${CSS}</style></head>
<body>
<header class="bar"><strong>Steward</strong>${bar}</header>
<main>
${body}
</main>
</body>
</html>
`;
}

/** The sign-in form: paste a token (steward token create prints one). */
export function loginPage(next: string, error?: string): string {
  return page(
    'Sign in · Steward',
    `<h1>Sign in</h1>
${error ? `<p class="notice error" role="alert">${e(error)}</p>` : ''}
<form method="post" action="/ui/login">
<label for="token">API token</label>
<input id="token" name="token" type="password" autocomplete="off" required>
<input type="hidden" name="next" value="${e(next)}">
<p><button type="submit">Sign in</button></p>
</form>
<p class="notice">A token names you and your role; an administrator creates one with <code>steward token create --principal &lt;you&gt; --role approver</code>.</p>`,
  );
}

export interface ReleasePageInput {
  state: ReleaseState;
  identity: Identity;
  csrf: string;
  /** Why the signed-in principal cannot decide, or undefined when the buttons are shown. */
  cannotDecide?: string;
  drift: DriftReport | null;
  hasCard: boolean;
  message?: { kind: 'info' | 'error'; text: string };
}

const fmt = (x: number | undefined | null) => (x === undefined || x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(4));

function metricsTable(s: ReleaseState): string {
  if (!s.evaluation) return '<p class="notice">Not evaluated yet.</p>';
  const m = s.evaluation.metrics;
  const p = s.evaluation.production;
  const rows = Object.keys(m)
    .map((k) => `<tr><th scope="row">${e(k)}</th><td class="num">${fmt(m[k])}</td><td class="num">${p ? fmt(p[k]) : '—'}</td></tr>`)
    .join('');
  const gate = s.evaluation.gate;
  return `<p>Release gate: <strong class="${gate.passed ? 'pass' : 'fail'}">${gate.passed ? 'PASS' : 'FAIL'}</strong>${gate.reasons.length ? `: ${e(gate.reasons.join('; '))}` : ''}</p>
<table><thead><tr><th scope="col">metric</th><th scope="col" class="num">candidate</th><th scope="col" class="num">production</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** One bar per column: the statistic against its threshold (p-value tests: 1 - p against 1 - alpha). */
function driftChart(d: DriftReport): string {
  const width = 560;
  const row = 18;
  const cols = d.columns;
  const score = (c: DriftReport['columns'][number]) => (c.adjustedPValue ?? c.pValue) !== undefined ? { v: 1 - (c.adjustedPValue ?? c.pValue)!, t: 1 - c.threshold } : { v: c.statistic, t: c.threshold };
  const max = Math.max(1e-9, ...cols.map((c) => Math.max(score(c).v, score(c).t) * 1.1));
  const x = (v: number) => 170 + (Math.min(v, max) / max) * (width - 190);
  const bars = cols
    .map((c, i) => {
      const s = score(c);
      const y = 10 + i * row;
      return `<text x="165" y="${y + 12}" text-anchor="end" font-size="11">${e(c.column)}</text><rect x="170" y="${y + 2}" width="${Math.max(1, x(s.v) - 170).toFixed(1)}" height="${row - 6}" fill="${c.drifted ? '#c0392b' : '#4c78a8'}"><title>${e(`${c.column}: ${c.test} ${c.statistic.toPrecision(4)} (threshold ${c.threshold})${c.drifted ? ' drifted' : ''}`)}</title></rect><line x1="${x(s.t).toFixed(1)}" x2="${x(s.t).toFixed(1)}" y1="${y}" y2="${y + row - 2}" stroke="#1f2933" stroke-dasharray="2,2"/>`;
    })
    .join('');
  return `<svg role="img" aria-label="drift per column against its threshold" width="${width}" height="${20 + cols.length * row}" viewBox="0 0 ${width} ${20 + cols.length * row}" xmlns="http://www.w3.org/2000/svg">${bars}</svg>`;
}

function driftSection(s: ReleaseState, d: DriftReport | null): string {
  if (!s.data) return '<p class="notice">Data not validated yet.</p>';
  if (!d) return `<p>${s.data.rows} rows checked against the data contract; no production version to compare with, so no drift test.</p>`;
  const rows = d.columns
    .map((c) => `<tr><th scope="row">${e(c.column)}</th><td>${e(c.test)}</td><td class="num">${c.statistic.toPrecision(4)}</td><td class="num">${c.threshold}</td><td class="${c.drifted ? 'fail' : 'pass'}">${c.drifted ? 'drifted' : 'stable'}</td></tr>`)
    .join('');
  return `<p>Drift against production's training data: <strong class="${d.dataset.drifted ? 'fail' : 'pass'}">${d.dataset.drifted ? 'DETECTED' : 'none'}</strong> (${d.dataset.driftedColumns} of ${d.dataset.testedColumns} columns, threshold share ${d.dataset.threshold}).</p>
<figure>${driftChart(d)}<figcaption>Per column: the drift statistic (bars; red when drifted) against its threshold (dashed).</figcaption></figure>
<table><thead><tr><th scope="col">column</th><th scope="col">test</th><th scope="col" class="num">statistic</th><th scope="col" class="num">threshold</th><th scope="col">verdict</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** The release page an approver decides on. */
export function releasePage(p: ReleasePageInput): string {
  const s = p.state;
  const id = s.releaseId;
  const decisions = s.approvals.length
    ? `<table id="decisions"><thead><tr><th scope="col">who</th><th scope="col">decision</th><th scope="col">when</th><th scope="col">comment</th></tr></thead><tbody>${s.approvals
        .map((a) => `<tr><td>${e(a.principal)}</td><td>${e(a.decision)}</td><td>${e(a.at)}</td><td>${e(a.comment)}</td></tr>`)
        .join('')}</tbody></table>`
    : '<p id="decisions">No decision yet.</p>';
  const decide = p.cannotDecide
    ? `<p class="notice" id="cannot-decide">${e(p.cannotDecide)}</p>`
    : `<form class="decide" method="post" action="/ui/releases/${encodeURIComponent(id)}/decision">
<input type="hidden" name="csrf" value="${e(p.csrf)}">
<label for="comment">Comment (recorded in the audit trail and the model card)</label>
<textarea id="comment" name="comment" maxlength="4000"></textarea>
<div class="buttons"><button class="approve" type="submit" name="decision" value="approve">Approve</button><button class="reject" type="submit" name="decision" value="reject">Reject</button></div>
</form>`;
  const body = `<h1>Release ${e(id)}</h1>
${p.message ? `<p class="notice${p.message.kind === 'error' ? ' error' : ''}" role="${p.message.kind === 'error' ? 'alert' : 'status'}">${e(p.message.text)}</p>` : ''}
<dl class="fields">
<dt>Status</dt><dd><span class="status ${e(s.status)}" id="status">${e(s.status === 'running' ? s.stage : s.status)}</span>${s.reason ? ` ${e(s.reason)}` : ''}</dd>
<dt>Model</dt><dd>${e(s.model)}${s.version !== undefined ? ` v${s.version}` : ''}</dd>
<dt>Requested by</dt><dd>${e(s.requestedBy)}</dd>
<dt>Approvers</dt><dd>${e(s.approvers.join(', ') || '—')} (quorum ${s.quorum})</dd>
${s.approvalDeadline ? `<dt>Sign-off expires</dt><dd>${e(s.approvalDeadline)}</dd>` : ''}
${s.policyHash ? `<dt>Policy</dt><dd><code>${e(s.policyHash.slice(0, 16))}</code></dd>` : ''}
</dl>
<h2>Decisions so far</h2>
${decisions}
<h2>Your decision</h2>
${decide}
<h2>Evaluation</h2>
${metricsTable(s)}
<h2>Data and drift</h2>
${driftSection(s, p.drift)}
<h2>Model card</h2>
${p.hasCard ? `<p>Metrics with intervals, fairness per group, calibration and feature importance, with their charts.</p><iframe class="card" title="model card" src="/ui/releases/${encodeURIComponent(id)}/card"></iframe>` : '<p class="notice">No model card yet (the candidate is not registered).</p>'}`;
  return page(`${s.model} release · Steward`, body, p.identity, p.csrf);
}

/** A page for a refused or failed request (the status code says the rest). */
export function errorPage(title: string, text: string, identity?: Identity, csrf?: string): string {
  return page(`${title} · Steward`, `<h1>${e(title)}</h1><p class="notice error" role="alert">${e(text)}</p>`, identity, csrf);
}
