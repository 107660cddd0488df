/** `steward release`: start a release (and optionally wait for its outcome). */
import { StewardError } from '../../lib/core/errors';
import type { ReleaseState } from '../../lib/release/types';
import { apiFlag, defineCommand } from '../command';

export const release = defineCommand({
  name: 'release',
  summary: 'start a release (validate, train, evaluate, sign-off, promote); prints its id',
  details: [
    'Without --wait, prints the release id (and with --json the Web UI link) once the workflow has started.',
    'With --wait, prints the outcome and exits 0 only when the candidate was promoted.',
    'Principal: --as, else $STEWARD_USER. Temporal: $TEMPORAL_ADDRESS, else the running `steward dev`.',
    'With --api (or $STEWARD_API) the control API starts it and the principal is the token\'s ($STEWARD_TOKEN).',
  ].join('\n'),
  positionals: [{ name: 'model', description: 'a registered model' }],
  flags: {
    data: { type: 'path', required: true, description: 'the new data batch to validate and train on' },
    eval: { type: 'path', description: "held-out evaluation file (default: the policy's)" },
    timeout: { type: 'duration', description: "how long sign-off may take, e.g. 72h (default: the policy's)" },
    epochs: { type: 'number', integer: true, min: 1, max: 10_000, description: "training epochs instead of the policy's" },
    as: { type: 'string', placeholder: 'principal', description: 'who requests the release (default $STEWARD_USER; refused when auth is on)' },
    wait: { type: 'boolean', description: 'wait for the outcome; exit 1 unless promoted' },
    ...apiFlag,
  },
  examples: ['steward release adult-income --data batch-2026-11.csv --as maria --timeout 72h', 'STEWARD_TOKEN=stw_... steward release adult-income --data /srv/batch.csv --api http://127.0.0.1:8081'],
  async run({ model, data, eval: evaluationFile, timeout, epochs, as, wait, api }, ctx) {
    const request = { model, dataFile: data, evaluationFile, approvalTimeoutMs: timeout, trainingOverrides: epochs === undefined ? undefined : { epochs } };
    const { releaseStateSchema } = await import('../../api/schemas');
    const outcome = (state: ReleaseState) => {
      ctx.print(releaseStateSchema.parse(state), () => `${state.releaseId}: ${state.status}${state.reason ? ` (${state.reason})` : ''}`);
      return state.status === 'promoted' ? 0 : 1;
    };
    const remote = await ctx.remote(api);
    if (remote) {
      if (as !== undefined) throw new StewardError('InvalidInput', 'through the control API the requester is the token\'s principal: drop --as', { field: '--as' });
      const started = await remote.post<{ releaseId: string; ui?: string }>('/v1/releases', request);
      if (wait) {
        for (;;) {
          const state = await remote.get<ReleaseState>(`/v1/releases/${encodeURIComponent(started.releaseId)}`);
          if (state.status !== 'running') return outcome(state);
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
      ctx.print({ releaseId: started.releaseId, ui: started.ui }, () => started.releaseId);
      return 0;
    }
    const requestedBy = ctx.principal(as);
    // Refuse an unknown model before anything starts, when the registry is reachable without a cold start.
    if (ctx.sharedDatabase()) await (await import('../../lib/registry/models')).getModel((await ctx.database()).db, model);
    const client = await ctx.temporal();
    const { startRelease, explainFailure } = await import('../../lib/release/client');
    const id = await startRelease(client, { ...request, requestedBy });
    if (wait) {
      const state = await client.workflow
        .getHandle(id)
        .result()
        .catch((e: unknown) => {
          throw explainFailure(e);
        });
      return outcome(state);
    }
    const ui = ctx.uiUrl();
    ctx.print({ releaseId: id, ui: ui ? `${ui}/namespaces/${ctx.config.temporal.namespace}/workflows/${id}` : undefined }, () => id);
    return 0;
  },
});
