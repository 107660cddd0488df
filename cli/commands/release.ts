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
    'With --import, the candidate is a model trained elsewhere (an .onnx file, or a TF.js model.json from',
    'tensorflowjs_converter) instead of one trained here; its inputs are declared in the policy\'s "import" section',
    'or in steward-import.json beside it. It goes through the same checks, evaluation, gate and sign-off; --data',
    "is then optional (default: the policy's evaluation file) and --origin is recorded in the lineage.",
  ].join('\n'),
  positionals: [{ name: 'model', description: 'a registered model' }],
  flags: {
    data: { type: 'path', description: 'the new data batch to validate and train on (required unless --import)' },
    import: { type: 'path', placeholder: 'artifact', description: 'a model trained elsewhere as the candidate: model.onnx, or a TF.js model.json' },
    origin: { type: 'string', placeholder: 'text', description: 'with --import: where the model comes from, e.g. git:3f2c1ab (recorded in the lineage)' },
    eval: { type: 'path', description: "held-out evaluation file (default: the policy's)" },
    timeout: { type: 'duration', description: "how long sign-off may take, e.g. 72h (default: the policy's)" },
    epochs: { type: 'number', integer: true, min: 1, max: 10_000, description: "training epochs instead of the policy's" },
    as: { type: 'string', placeholder: 'principal', description: 'who requests the release (default $STEWARD_USER; refused when auth is on)' },
    wait: { type: 'boolean', description: 'wait for the outcome; exit 1 unless promoted' },
    ...apiFlag,
  },
  examples: [
    'steward release adult-income --data batch-2026-11.csv --as maria --timeout 72h',
    'steward release bike-sharing --import exports/bike.onnx --origin git:3f2c1ab --as maria',
    'STEWARD_TOKEN=stw_... steward release adult-income --data /srv/batch.csv --api http://127.0.0.1:8081',
  ],
  async run({ model, data, import: artifact, origin, eval: evaluationFile, timeout, epochs, as, wait, api }, ctx) {
    if (data === undefined && artifact === undefined) throw new StewardError('InvalidInput', 'is required (the data to train on), unless a model is imported with --import', { field: '--data' });
    if (artifact === undefined && origin !== undefined) throw new StewardError('InvalidInput', 'applies to an imported model (--import) only', { field: '--origin' });
    if (artifact !== undefined && epochs !== undefined) throw new StewardError('InvalidInput', 'an imported model is not trained here', { field: '--epochs' });
    const request = {
      model,
      dataFile: data,
      evaluationFile,
      approvalTimeoutMs: timeout,
      trainingOverrides: epochs === undefined ? undefined : { epochs },
      ...(artifact !== undefined ? { import: { artifact, ...(origin !== undefined ? { origin } : {}) } } : {}),
    };
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
