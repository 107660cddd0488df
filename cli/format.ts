import type { ReleaseState } from '../lib/release/types';

/** A release's state as readable lines (CLI `status`, the demo). */
export function formatState(s: ReleaseState): string {
  const lines = [
    `release   ${s.releaseId}`,
    `model     ${s.model}${s.version !== undefined ? ` v${s.version}` : ''}`,
    `status    ${s.status}${s.status === 'running' ? ` (${s.stage})` : ''}${s.reason ? `: ${s.reason}` : ''}`,
    `requested ${s.requestedBy}`,
  ];
  if (s.data) lines.push(`data      ${s.data.rows} rows, sha256 ${s.data.sha256.slice(0, 16)}${s.data.drift ? `, drift ${s.data.drift.drifted ? 'DETECTED' : 'none'} (${(s.data.drift.share * 100).toFixed(0)}% of columns)` : ''}`);
  const imported = s.candidate?.imported;
  if (imported) lines.push(`imported  ${imported.fileName} (${imported.format}, sha256 ${imported.sha256.slice(0, 16)}, origin ${imported.origin ?? 'not declared'}), run by ${s.candidate!.backend}`);
  else if (s.candidate) lines.push(`trained   ${s.candidate.epochs} epochs on ${s.candidate.backend} in ${s.candidate.trainingSeconds.toFixed(1)} s`);
  if (s.evaluation) {
    const m = s.evaluation.metrics;
    const p = s.evaluation.production;
    lines.push(`metrics   ${Object.entries(m).map(([k, v]) => `${k} ${v.toFixed(4)}${p && p[k] !== undefined ? ` (prod ${p[k].toFixed(4)})` : ''}`).join(', ')}`);
    lines.push(`gate      ${s.evaluation.gate.passed ? 'passed' : `FAILED: ${s.evaluation.gate.reasons.join('; ')}`}`);
  }
  if (s.stage === 'awaiting-approval') lines.push(`sign-off  ${s.quorum} of ${s.approvers.join(', ')} by ${s.approvalDeadline}`);
  for (const a of s.approvals) lines.push(`decision  ${a.decision} by ${a.principal} at ${a.at}${a.comment ? `: ${a.comment}` : ''}`);
  return lines.join('\n');
}
