/** `steward release`: start a release (and optionally wait for its outcome). */
import { defineCommand } from '../command';

export const release = defineCommand({
  name: 'release',
  summary: 'start a release (validate, train, evaluate, sign-off, promote); prints its id',
  details: [
    'Without --wait, prints the release id (and with --json the Web UI link) once the workflow has started.',
    'With --wait, prints the outcome and exits 0 only when the candidate was promoted.',
    'Principal: --as, else $STEWARD_USER. Temporal: $TEMPORAL_ADDRESS, else the running `steward dev`.',
  ].join('\n'),
  positionals: [{ name: 'model', description: 'a registered model' }],
  flags: {
    data: { type: 'path', required: true, description: 'the new data batch to validate and train on' },
    eval: { type: 'path', description: "held-out evaluation file (default: the policy's)" },
    timeout: { type: 'duration', description: "how long sign-off may take, e.g. 72h (default: the policy's)" },
    epochs: { type: 'number', integer: true, min: 1, max: 10_000, description: "training epochs instead of the policy's" },
    as: { type: 'string', placeholder: 'principal', description: 'who requests the release (default $STEWARD_USER)' },
    wait: { type: 'boolean', description: 'wait for the outcome; exit 1 unless promoted' },
  },
  examples: ['steward release adult-income --data batch-2026-11.csv --as maria --timeout 72h'],
  async run({ model, data, eval: evaluationFile, timeout, epochs, as, wait }, ctx) {
    // Refuse an unknown model before anything starts, when the registry is reachable without a cold start.
    if (ctx.sharedDatabase()) await (await import('../../lib/registry/models')).getModel((await ctx.database()).db, model);
    const client = await ctx.temporal();
    const { startRelease, explainFailure } = await import('../../lib/release/client');
    const id = await startRelease(client, {
      model,
      dataFile: data,
      evaluationFile,
      requestedBy: ctx.principal(as),
      approvalTimeoutMs: timeout,
      trainingOverrides: epochs === undefined ? undefined : { epochs },
    });
    if (wait) {
      const state = await client.workflow
        .getHandle(id)
        .result()
        .catch((e: unknown) => {
          throw explainFailure(e);
        });
      ctx.print(state, () => `${id}: ${state.status}${state.reason ? ` (${state.reason})` : ''}`);
      return state.status === 'promoted' ? 0 : 1;
    }
    const ui = ctx.uiUrl();
    ctx.print({ releaseId: id, ui: ui ? `${ui}/namespaces/${ctx.config.temporal.namespace}/workflows/${id}` : undefined }, () => id);
    return 0;
  },
});
