/** `steward register`: register a model, or update its policy. */
import { apiFlag, defineCommand } from '../command';

export const register = defineCommand({
  name: 'register',
  summary: 'register a model or update its policy',
  details: [
    'The policy names the model; registering a changed policy for a registered model updates it.',
    'Every registration or change is an audit event (who, policy hash, approvers). Directly against the database it is',
    'recorded as $STEWARD_USER, else local:<OS user>; with --api, as the token\'s principal (an admin).',
  ].join('\n'),
  // The file name is kept as typed: the policy reader reports problems with it and resolves the
  // policy's own relative paths against its folder.
  positionals: [{ name: 'policy', description: 'the model policy (JSON)' }],
  flags: apiFlag,
  examples: ['steward register policies/adult-income.json'],
  async run({ policy: file, api }, ctx) {
    const { loadPolicyFile } = await import('../../lib/policy/load');
    const policy = loadPolicyFile(file);
    const remote = await ctx.remote(api);
    let r: { name: string; policyHash: string; created: boolean };
    if (remote) r = await remote.post('/v1/models', policy);
    else {
      const { db } = await ctx.database();
      r = await (await import('../../lib/registry/models')).registerModel(db, policy, ctx.localActor());
      await (await ctx.auditAnchor()).update(db);
    }
    ctx.print(r, () => `${r.created ? 'registered' : 'updated'} ${r.name} (policy ${r.policyHash.slice(0, 12)})`);
    return 0;
  },
});
