/** `steward audit verify`: recompute the hash chain of the audit record. */
import { defineCommand, defineGroup } from '../command';

const verify = defineCommand({
  name: 'verify',
  summary: 'recompute the audit hash chain; names the first altered event',
  details: 'Exit code 1 when the chain is broken.',
  examples: ['steward audit verify'],
  async run({ json }, ctx) {
    const result = await (await import('../../lib/registry/audit')).verifyAuditChain((await ctx.database()).db);
    ctx.write(json ? `${JSON.stringify(result)}\n` : result.ok ? `audit chain intact: ${result.events} events\n` : `audit chain BROKEN at event ${result.brokenAt} (of ${result.events})\n`);
    return result.ok ? 0 : 1;
  },
});

export const audit = defineGroup({ name: 'audit', summary: 'the hash-chained audit record', subcommands: [verify] });
