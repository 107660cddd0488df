import { describe, expect, it } from 'vitest';
import { postmortemTimeline, renderPostmortemHtml, renderPostmortemMarkdown, type PostmortemSource } from './postmortem';
import type { IncidentState } from './types';

const incident: IncidentState = {
  id: 'incident-m-w4',
  model: 'm',
  severity: 'SEV2',
  openedSeverity: 'SEV3',
  status: 'resolved',
  summary: 'feature drift in age',
  openedBy: 'monitor-m',
  commander: 'lena',
  version: 3,
  links: { windows: [4], trigger: 'feature-drift' },
  openedAt: '2026-12-01T10:00:00.000Z',
  acknowledgedAt: '2026-12-01T10:20:00.000Z',
  resolvedAt: '2026-12-01T11:00:00.000Z',
  resolution: 'retrained (v4)',
  escalations: 1,
  steps: [
    { name: 'assess impact', kind: 'manual', description: '', status: 'done', by: 'lena', note: 'one window' },
    { name: 'confirm recovery', kind: 'manual', description: '', status: 'pending' },
  ],
  timeline: [
    { at: '2026-12-01T10:00:00.000Z', kind: 'opened', actor: 'monitor-m', text: 'opened SEV3: feature drift in age' },
    { at: '2026-12-01T10:15:00.000Z', kind: 'escalated', actor: 'steward', text: 'escalated to on-call, SEV3 -> SEV2' },
    { at: '2026-12-01T10:20:00.000Z', kind: 'acknowledged', actor: 'lena', text: 'acknowledged; commander lena' },
    { at: '2026-12-01T11:00:00.000Z', kind: 'resolved', actor: 'lena', text: 'resolved: retrained (v4)' },
  ],
};

const source: PostmortemSource = {
  incident,
  events: [
    { at: new Date('2026-12-01T09:59:59.000Z'), actor: 'monitor-m/run', action: 'monitor.trigger.open-incident', payload: { reason: 'feature drift in age' } },
    { at: new Date('2026-12-01T10:15:00.000Z'), actor: 'steward', action: 'incident.escalated', payload: { text: 'escalated to on-call, SEV3 -> SEV2' } },
  ],
  windows: [],
};

describe('postmortem', () => {
  it('merges the workflow timeline with the audit record, each event once, in time order', () => {
    expect(postmortemTimeline(source).map((l) => l.what)).toEqual([
      '[audit] monitor.trigger.open-incident: feature drift in age',
      'opened SEV3: feature drift in age',
      'escalated to on-call, SEV3 -> SEV2',
      'acknowledged; commander lena',
      'resolved: retrained (v4)',
    ]);
  });

  it('writes every section of a blameless postmortem, with open steps and escalations as action items', () => {
    const md = renderPostmortemMarkdown(source);
    for (const h of ['## Summary', '## Impact', '## Detection', '## Timeline (UTC)', '## Contributing factors and evidence', '## Resolution', '## Action items']) expect(md).toContain(h);
    expect(md).toContain('severity: SEV3 (escalated to SEV2)');
    expect(md).toContain('acknowledged after 20.0 min; resolved after 60.0 min');
    expect(md).toContain('- [ ] finish runbook step "confirm recovery"');
    expect(md).toContain('- [ ] review paging: the incident escalated 1 time(s) before acknowledgement');
    const html = renderPostmortemHtml(source);
    expect(html).toContain('<h2>Timeline (UTC)</h2>');
    expect(html).toContain('<td>lena</td>');
    expect(html).not.toContain('<script');
  });
});
