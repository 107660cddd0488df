/**
 * The incident workflow: one per incident (its id is the incident id). It opens the incident (row and
 * audit event), runs the runbook's automated steps (a rollback runs as the rollback workflow, a child
 * of the incident), waits for an acknowledgement and escalates every `ackTimeout` without one
 * (severity one level up, the escalation recorded), takes manual steps as they are done and closes
 * when someone resolves it. Acknowledge, complete-step and resolve are Workflow Updates: the caller
 * gets the new state, and a request the incident's state does not allow is refused by the validator
 * before anything is written.
 *
 * The timeline is the workflow's state (every entry is also an audit event); the postmortem is
 * assembled from it and the audit record (lib/incidents/postmortem.ts).
 */
import { ApplicationFailure, condition, executeChild, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { IncidentActivities } from '../activities/types';
import { failureTypes } from '../lib/core/errors';
import { taskQueues } from '../lib/core/names';
import { acknowledgeIncidentUpdate, completeStepUpdate, incidentStatusQuery, resolveIncidentUpdate } from '../lib/incidents/messages';
import { escalated, incidentInputSchema, type IncidentInput, type IncidentState, type TimelineEntry } from '../lib/incidents/types';
import { rollbackWorkflowType, type RollbackWorkflow } from '../lib/rollout/messages';

export { acknowledgeIncidentUpdate, completeStepUpdate, incidentStatusQuery, resolveIncidentUpdate };

const records = proxyActivities<IncidentActivities>({
  taskQueue: taskQueues.control,
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: failureTypes },
});

export async function incidentWorkflow(raw: IncidentInput): Promise<IncidentState> {
  const input = incidentInputSchema.parse(raw);
  const id = workflowInfo().workflowId;
  const now = () => new Date(Date.now()).toISOString();
  const state: IncidentState = {
    id,
    model: input.model,
    severity: input.severity,
    openedSeverity: input.severity,
    status: 'open',
    summary: input.summary,
    openedBy: input.openedBy,
    commander: input.commander ?? null,
    version: input.version ?? null,
    links: input.links,
    openedAt: now(),
    escalations: 0,
    steps: input.runbook.map((s) => ({ name: s.name, kind: s.kind, description: s.description, status: 'pending' })),
    timeline: [],
  };
  /** Each change: in the state's timeline at once, in the row and the audit record by an activity (in order). */
  let writes: Promise<void> = Promise.resolve();
  const record = (entry: Omit<TimelineEntry, 'at'>, action: string, row: Parameters<IncidentActivities['recordIncidentChange']>[0]['row'] = {}, payload: Record<string, unknown> = {}) => {
    const at = now();
    state.timeline.push({ at, ...entry });
    const eventKey = `${id}:${state.timeline.length}:${action}`;
    writes = writes.then(() => records.recordIncidentChange({ id, model: input.model, at, actor: entry.actor, action, eventKey, payload: { text: entry.text, ...payload }, row }));
    return writes;
  };
  const refuse = (message: string): never => {
    throw ApplicationFailure.create({ type: 'InvalidInput', message, nonRetryable: true });
  };

  setHandler(incidentStatusQuery, () => state);
  setHandler(
    acknowledgeIncidentUpdate,
    async ({ principal, commander }) => {
      state.status = 'acknowledged';
      state.acknowledgedAt = now();
      state.commander = commander ?? state.commander ?? principal;
      await record({ kind: 'acknowledged', actor: principal, text: `acknowledged; commander ${state.commander}` }, 'incident.acknowledged', { status: 'acknowledged', commander: state.commander, acknowledgedAt: state.acknowledgedAt });
      return state;
    },
    {
      validator: (_request: { principal: string; commander?: string }) => {
        if (state.status === 'resolved') refuse(`${id} is resolved`);
        if (state.acknowledgedAt) refuse(`${id} is already acknowledged by ${state.commander}`);
      },
    },
  );
  setHandler(
    completeStepUpdate,
    async ({ principal, step, note }) => {
      const s = state.steps.find((x) => x.name === step)!;
      Object.assign(s, { status: 'done', by: principal, at: now(), note });
      await record({ kind: 'step', actor: principal, text: `step "${step}" done${note ? `: ${note}` : ''}` }, 'incident.step-done', {}, { step });
      return state;
    },
    {
      validator: ({ step }) => {
        const s = state.steps.find((x) => x.name === step);
        if (state.status === 'resolved') refuse(`${id} is resolved`);
        if (!s) refuse(`${id} has no runbook step "${step}" (steps: ${state.steps.map((x) => x.name).join(', ')})`);
        if (s!.kind !== 'manual') refuse(`step "${step}" is automated: it runs by itself`);
        if (s!.status === 'done') refuse(`step "${step}" is already done`);
      },
    },
  );
  setHandler(
    resolveIncidentUpdate,
    async ({ principal, resolution }) => {
      state.status = 'resolved';
      state.resolvedAt = now();
      state.resolution = resolution;
      await record({ kind: 'resolved', actor: principal, text: `resolved: ${resolution}` }, 'incident.resolved', { status: 'resolved', resolvedAt: state.resolvedAt, resolution });
      return state;
    },
    {
      validator: ({ resolution }) => {
        if (state.status === 'resolved') refuse(`${id} is already resolved`);
        if (!resolution?.trim()) refuse('a resolution needs a text');
      },
    },
  );

  await records.openIncident({ id, model: input.model, severity: input.severity, summary: input.summary, openedBy: input.openedBy, commander: state.commander, version: state.version, links: input.links, openedAt: state.openedAt });
  state.timeline.push({ at: state.openedAt, kind: 'opened', actor: input.openedBy, text: `opened ${input.severity}: ${input.summary}` });

  // Automated runbook steps, in order.
  for (const [i, step] of input.runbook.entries()) {
    if (step.kind !== 'automated' || state.status === 'resolved') continue;
    const s = state.steps[i];
    try {
      if (step.action === 'rollback') {
        const result = await executeChild<RollbackWorkflow>(rollbackWorkflowType, {
          workflowId: `rollback-${id}`,
          taskQueue: taskQueues.control,
          args: [{ model: input.model, requestedBy: input.openedBy, reason: `incident ${id}: ${input.summary}` }],
        });
        s.note = `rolled back from v${result.from} to v${result.to}`;
      } else s.note = step.description || 'recorded';
      Object.assign(s, { status: 'done', by: 'steward', at: now() });
    } catch (e) {
      Object.assign(s, { status: 'failed', by: 'steward', at: now(), note: (e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message });
    }
    await record({ kind: 'step', actor: 'steward', text: `automated step "${s.name}" ${s.status}: ${s.note}` }, `incident.step-${s.status}`, {}, { step: s.name });
  }

  // Acknowledgement, with escalation every ackTimeout without one.
  while (state.status === 'open' || state.status === 'escalated') {
    if (await condition(() => state.acknowledgedAt !== undefined || state.status === 'resolved', input.ackTimeout)) break;
    const from = state.severity;
    state.severity = escalated(state.severity);
    state.status = 'escalated';
    state.escalations++;
    await record(
      { kind: 'escalated', actor: 'steward', text: `not acknowledged within ${input.ackTimeout / 60_000} min: escalated to ${input.escalateTo}${from !== state.severity ? `, ${from} -> ${state.severity}` : ''}` },
      'incident.escalated',
      { status: 'escalated', severity: state.severity },
      { escalateTo: input.escalateTo, from, to: state.severity },
    );
  }
  await condition(() => state.status === 'resolved');
  await writes;
  return state;
}
