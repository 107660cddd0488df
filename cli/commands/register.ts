/** `steward register`: register a model, or update its policy. */
import { defineCommand } from '../command';

export const register = defineCommand({
  name: 'register',
  summary: 'register a model or update its policy',
  details: 'The policy names the model; registering a changed policy for a registered model updates it.',
  // The file name is kept as typed: the policy reader reports problems with it and resolves the
  // policy's own relative paths against its folder.
  positionals: [{ name: 'policy', description: 'the model policy (JSON)' }],
  examples: ['steward register policies/adult-income.json'],
  async run({ policy: file }, ctx) {
    const { loadPolicyFile } = await import('../../lib/policy/load');
    const policy = loadPolicyFile(file);
    const { db } = await ctx.database();
    const r = await (await import('../../lib/registry/models')).registerModel(db, policy);
    ctx.print(r, () => `${r.created ? 'registered' : 'updated'} ${r.name} (policy ${r.policyHash.slice(0, 12)})`);
    return 0;
  },
});
