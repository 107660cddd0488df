/**
 * `steward incident`: open an incident on a model (the incident workflow), acknowledge it, complete
 * its runbook steps, resolve it, and write its blameless postmortem (Markdown and HTML).
 */
import type { IncidentState } from '../../lib/incidents/types';
import { apiFlag, defineCommand, defineGroup } from '../command';

const incidentPath = (id: string) => `/v1/incidents/${encodeURIComponent(id)}`;

function formatIncident(s: IncidentState): string {
  return [
    `incident  ${s.id}`,
    `model     ${s.model}${s.version ? ` v${s.version}` : ''}`,
    `severity  ${s.severity}${s.severity !== s.openedSeverity ? ` (opened ${s.openedSeverity}, escalated ${s.escalations}x)` : ''}`,
    `status    ${s.status}; commander ${s.commander ?? 'none'}`,
    `summary   ${s.summary}`,
    ...s.steps.map((st) => `step      [${st.status === 'done' ? 'x' : st.status === 'failed' ? '!' : ' '}] ${st.name} (${st.kind})${st.note ? `: ${st.note}` : ''}`),
    ...s.timeline.map((t) => `timeline  ${t.at} ${t.actor}: ${t.text}`),
  ].join('\n');
}

const open = defineCommand({
  name: 'open',
  summary: 'open an incident on a model (severity SEV1..SEV5, runbook, escalation without acknowledgement)',
  details: [
    'Starts the incident workflow: the incident is recorded with its audit event, the runbook\'s automated steps run,',
    'and without an acknowledgement within --ack-timeout it escalates (severity one level up, recorded) again and again.',
    '--rollback adds an automated step that rolls the model back to its last good version (as its own rollback workflow).',
  ].join('\n'),
  positionals: [{ name: 'model', description: 'a registered model' }],
  flags: {
    severity: { type: 'string', required: true, placeholder: 'SEV1..SEV5', description: 'how bad (SEV1 worst)' },
    summary: { type: 'string', required: true, placeholder: 'text', description: 'what is wrong' },
    commander: { type: 'string', placeholder: 'principal', description: 'the incident commander (default: whoever acknowledges)' },
    window: { type: 'string', multiple: true, placeholder: 'index', description: 'a monitor window this incident is about (repeatable)' },
    'ack-timeout': { type: 'duration', description: 'time to acknowledge before it escalates (default 15m)' },
    'escalate-to': { type: 'string', placeholder: 'who', description: 'who is paged on escalation (default on-call)' },
    rollback: { type: 'boolean', description: 'roll back to the last good version as an automated first step' },
    as: { type: 'string', placeholder: 'principal', description: 'who opens it (default $STEWARD_USER; through the API: the token\'s)' },
    ...apiFlag,
  },
  examples: ['steward incident open adult-income --severity SEV2 --summary "accuracy down 8 points since Monday" --window 41 --window 42 --as ravi'],
  async run({ model, severity, summary, commander, window, ackTimeout, escalateTo, rollback, as, api }, ctx) {
    const remote = await ctx.remote(api);
    if (remote) {
      (await import('../remote')).refuseAs(as);
      const { id } = await remote.post<{ id: string }>('/v1/incidents', {
        model,
        severity,
        summary,
        ...(commander !== undefined ? { commander } : {}),
        windows: (window ?? []).map(Number),
        ...(ackTimeout !== undefined ? { ackTimeout } : {}),
        ...(escalateTo !== undefined ? { escalateTo } : {}),
        ...(rollback ? { rollback: true } : {}),
      });
      ctx.print({ id }, () => `opened ${id} (${severity}); acknowledge it: steward incident ack ${id}`);
      return 0;
    }
    const [{ openIncident }, { defaultRunbook }, { getModel, productionVersion }] = await Promise.all([
      import('../../lib/incidents/client'),
      import('../../lib/incidents/types'),
      import('../../lib/registry/models'),
    ]);
    const openedBy = ctx.principal(as);
    const { db } = await ctx.database();
    await getModel(db, model);
    const version = (await productionVersion(db, model))?.version;
    const runbook = [...(rollback ? [{ kind: 'automated' as const, name: 'roll back', action: 'rollback' as const, description: 'production back to the last good version' }] : []), ...defaultRunbook];
    const id = await openIncident(await ctx.temporal(), {
      model,
      severity: severity as 'SEV1',
      summary,
      openedBy,
      commander,
      version,
      links: { windows: (window ?? []).map(Number) },
      runbook,
      ...(ackTimeout !== undefined ? { ackTimeout } : {}),
      ...(escalateTo !== undefined ? { escalateTo } : {}),
    });
    ctx.print({ id }, () => `opened ${id} (${severity}); acknowledge it: steward incident ack ${id}`);
    return 0;
  },
});

const ack = defineCommand({
  name: 'ack',
  summary: 'acknowledge an incident (stops its escalation); the acknowledger is commander unless --commander',
  positionals: [{ name: 'id', description: 'the incident id' }],
  flags: {
    commander: { type: 'string', placeholder: 'principal', description: 'who commands it' },
    as: { type: 'string', placeholder: 'principal', description: 'who acknowledges (default $STEWARD_USER; through the API: the token\'s)' },
    ...apiFlag,
  },
  examples: ['steward incident ack incident-adult-income-20261203-4f2a9c --as ravi'],
  async run({ id, commander, as, api }, ctx) {
    const remote = await ctx.remote(api);
    let s: IncidentState;
    if (remote) {
      (await import('../remote')).refuseAs(as);
      s = await remote.post<IncidentState>(`${incidentPath(id)}/acknowledge`, commander !== undefined ? { commander } : {});
    } else {
      const { acknowledgeIncident } = await import('../../lib/incidents/client');
      s = await acknowledgeIncident(await ctx.temporal(), id, { principal: ctx.principal(as), commander });
    }
    ctx.print(s, () => formatIncident(s));
    return 0;
  },
});

const step = defineCommand({
  name: 'step',
  summary: 'mark a manual runbook step of an incident done',
  positionals: [
    { name: 'id', description: 'the incident id' },
    { name: 'step', description: 'the step name (see: steward incident status <id>)' },
  ],
  flags: {
    note: { type: 'string', placeholder: 'text', description: 'what was found or done' },
    as: { type: 'string', placeholder: 'principal', description: 'who (default $STEWARD_USER; through the API: the token\'s)' },
    ...apiFlag,
  },
  examples: ['steward incident step incident-adult-income-20261203-4f2a9c "assess impact" --note "2 windows, 5,400 requests" --as ravi'],
  async run({ id, step: name, note, as, api }, ctx) {
    const remote = await ctx.remote(api);
    let s: IncidentState;
    if (remote) {
      (await import('../remote')).refuseAs(as);
      s = await remote.post<IncidentState>(`${incidentPath(id)}/steps`, { step: name, ...(note !== undefined ? { note } : {}) });
    } else {
      const { completeIncidentStep } = await import('../../lib/incidents/client');
      s = await completeIncidentStep(await ctx.temporal(), id, { principal: ctx.principal(as), step: name, note });
    }
    ctx.print(s, () => formatIncident(s));
    return 0;
  },
});

const resolve = defineCommand({
  name: 'resolve',
  summary: 'resolve an incident (then write its postmortem)',
  positionals: [{ name: 'id', description: 'the incident id' }],
  flags: {
    resolution: { type: 'string', required: true, placeholder: 'text', description: 'how it was resolved' },
    as: { type: 'string', placeholder: 'principal', description: 'who resolves it (default $STEWARD_USER; through the API: the token\'s)' },
    ...apiFlag,
  },
  examples: ['steward incident resolve incident-adult-income-20261203-4f2a9c --resolution "retrained on November data (v7)" --as ravi'],
  async run({ id, resolution, as, api }, ctx) {
    const remote = await ctx.remote(api);
    let s: IncidentState;
    if (remote) {
      (await import('../remote')).refuseAs(as);
      s = await remote.post<IncidentState>(`${incidentPath(id)}/resolve`, { resolution });
    } else {
      const { resolveIncident } = await import('../../lib/incidents/client');
      s = await resolveIncident(await ctx.temporal(), id, { principal: ctx.principal(as), resolution });
    }
    ctx.print(s, () => `${formatIncident(s)}\npostmortem: steward incident postmortem ${id} --out postmortem/`);
    return 0;
  },
});

const status = defineCommand({
  name: 'status',
  summary: "an incident's state: severity, commander, runbook steps, timeline",
  positionals: [{ name: 'id', description: 'the incident id' }],
  flags: { ...apiFlag },
  examples: ['steward incident status incident-adult-income-20261203-4f2a9c'],
  async run({ id, api }, ctx) {
    const remote = await ctx.remote(api);
    const s = remote ? await remote.get<IncidentState>(incidentPath(id)) : await (await import('../../lib/incidents/client')).incidentState(await ctx.temporal(), id);
    ctx.print(s, () => formatIncident(s));
    return 0;
  },
});

const list = defineCommand({
  name: 'list',
  summary: "a model's incidents, newest first",
  positionals: [{ name: 'model', description: 'a registered model' }],
  flags: { ...apiFlag },
  examples: ['steward incident list adult-income'],
  async run({ model, api }, ctx) {
    const remote = await ctx.remote(api);
    type Row = { id: string; severity: string; status: string; openedAt: Date | string; summary: string };
    const rows: Row[] = remote
      ? await remote.get<Row[]>('/v1/incidents', { model, limit: 1000 })
      : await (await import('../../lib/registry/incidents')).listIncidents((await ctx.database()).db, model);
    ctx.print(rows, () => (rows.length === 0 ? `${model}: no incidents` : rows.map((r) => `${r.id}  ${r.severity}  ${r.status.padEnd(12)}  ${new Date(r.openedAt).toISOString()}  ${r.summary}`).join('\n')));
    return 0;
  },
});

const postmortem = defineCommand({
  name: 'postmortem',
  summary: 'write the blameless postmortem of an incident (postmortem.md and postmortem.html)',
  details: 'Summary, impact (requests and monitor windows affected), detection, the timeline from the incident\'s history and the audit record, contributing factors with the drift and performance evidence of the linked windows, resolution and action items.',
  positionals: [{ name: 'id', description: 'the incident id' }],
  flags: { out: { type: 'path', required: true, placeholder: 'dir/', description: 'folder to write postmortem.md and postmortem.html into' }, ...apiFlag },
  examples: ['steward incident postmortem incident-adult-income-20261203-4f2a9c --out postmortem/'],
  async run({ id, out, api }, ctx) {
    const [{ mkdirSync, writeFileSync }, { join }] = await Promise.all([import('node:fs'), import('node:path')]);
    const remote = await ctx.remote(api);
    let written: { status: string; markdown: string; html: string };
    if (remote) written = await remote.get<{ status: string; markdown: string; html: string }>(`${incidentPath(id)}/postmortem`);
    else {
      const [{ incidentState }, { incidentRecord }, { renderPostmortemHtml, renderPostmortemMarkdown }] = await Promise.all([
        import('../../lib/incidents/client'),
        import('../../lib/registry/incidents'),
        import('../../lib/incidents/postmortem'),
      ]);
      const { db } = await ctx.database();
      const record = await incidentRecord(db, id);
      const incident = await incidentState(await ctx.temporal(), id);
      const source = { incident, events: record.events.map((e) => ({ at: e.at, actor: e.actor, action: e.action, payload: e.payload })), windows: record.windows.map((w) => w.result) };
      written = { status: incident.status, markdown: renderPostmortemMarkdown(source), html: renderPostmortemHtml(source) };
    }
    mkdirSync(out, { recursive: true });
    const files = { markdown: join(out, 'postmortem.md'), html: join(out, 'postmortem.html') };
    writeFileSync(files.markdown, written.markdown);
    writeFileSync(files.html, written.html);
    ctx.print({ id, status: written.status, ...files }, () => `wrote ${files.markdown} and ${files.html}${written.status !== 'resolved' ? ' (the incident is not resolved yet)' : ''}`);
    return 0;
  },
});

export const incident = defineGroup({
  name: 'incident',
  summary: 'incidents: open, acknowledge, runbook steps, resolve, postmortem',
  subcommands: [open, ack, step, resolve, status, list, postmortem],
});
