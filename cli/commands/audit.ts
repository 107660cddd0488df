/**
 * `steward audit verify|events|access`: verify the audit record (chain, anchors, tables), list its
 * events, and list the control API's access log.
 */
import type { AuditReport } from '../../lib/audit/verify';
import type { AccessRow } from '../../lib/identity/access-log';
import { apiFlag, defineCommand, defineGroup } from '../command';

function formatReport(r: AuditReport): string {
  const lines: string[] = [];
  if (r.ok) lines.push(`audit chain intact: ${r.events} events (head #${r.head.seq} ${r.head.hash.slice(0, 12)})`);
  else lines.push(`audit record BROKEN: ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'} (${r.events} events${r.brokenAt !== undefined ? `, chain broken at event ${r.brokenAt}` : ''})`);
  for (const p of r.problems) lines.push(`  ${p.check.padEnd(10)} ${p.message}`);
  const s = r.anchors.signedHead;
  if (s) lines.push(`signed head: event #${s.seq} at ${s.at}${s.signatureChecked ? ', signature checked' : ', signature NOT checked (no audit key here)'}`);
  const h = r.anchors.history;
  if (h) lines.push(`release histories: ${h.heads} heads from ${h.releases} releases`);
  for (const n of r.anchors.notes) lines.push(`note: ${n}`);
  if (r.ok) lines.push('tables: approvals, production, policies and tokens agree with the record');
  return lines.join('\n');
}

const verify = defineCommand({
  name: 'verify',
  summary: 'verify the audit record: hash chain, anchors outside the database, tables against the chain',
  details: [
    'Recomputes the hash chain; checks the signed head kept in the artifact store (catches deleted newest events and a',
    'rewritten suffix) and, with --history, the heads recorded in release histories in Temporal; checks the approvals,',
    'production, policy and token tables row by row against the events. Exit code 1 when anything disagrees.',
  ].join('\n'),
  flags: { history: { type: 'boolean', description: 'also check the heads recorded in release workflow histories (needs Temporal)' }, ...apiFlag },
  examples: ['steward audit verify', 'steward audit verify --history --json'],
  async run({ json, history, api }, ctx) {
    const remote = await ctx.remote(api);
    let result: AuditReport;
    if (remote) result = await remote.get<AuditReport>('/v1/audit/verify', { history: history ? 'true' : undefined });
    else {
      const { db } = await ctx.database();
      const [{ verifyAuditRecord }, { existingPublicKey }, { anchorRef }, { localArtifactStore }] = await Promise.all([
        import('../../lib/audit/verify'),
        import('../../lib/identity/keys'),
        import('../../lib/audit/anchor'),
        import('../../lib/runtime/artifacts'),
      ]);
      // A verifier reads the signed head and checks it with the audit key when this machine has it; it never makes a key.
      const head = await localArtifactStore(ctx.config.artifactsDir).getRef<import('../../lib/audit/anchor').SignedHead>(anchorRef);
      const heads = history ? await (await import('../../lib/audit/temporal')).historyHeads(db, await ctx.temporal()) : undefined;
      result = await verifyAuditRecord(db, { signedHead: { head, publicKeyHex: existingPublicKey(ctx.config.home, 'audit', ctx.config.keys.audit) }, historyHeads: heads });
    }
    ctx.write(json ? `${JSON.stringify(result)}\n` : `${formatReport(result)}\n`);
    return result.ok ? 0 : 1;
  },
});

const since = { type: 'string', placeholder: 'when', description: 'only since: a duration back from now (7d, 12h) or an ISO time' } as const;
const limit = { type: 'number', integer: true, min: 1, max: 10_000, description: 'at most this many, newest first' } as const;

const events = defineCommand({
  name: 'events',
  summary: 'list audit events, newest first',
  flags: {
    model: { type: 'string', description: 'only this model' },
    release: { type: 'string', description: 'only this release' },
    since,
    limit,
    ...apiFlag,
  },
  examples: ['steward audit events --model adult-income --since 7d'],
  async run({ model, release: releaseId, since: s, limit: n, api }, ctx) {
    const remote = await ctx.remote(api);
    type Row = { seq: number; at: string; actor: string; action: string; model: string | null; releaseId: string | null; payload: unknown };
    let rows: Row[];
    if (remote) rows = await remote.get<Row[]>('/v1/audit/events', { model, release: releaseId, since: s, limit: n });
    else {
      const [{ listAuditEvents }, { sinceDate }, { isoDates }] = await Promise.all([import('../../lib/registry/audit'), import('../../api/routes/audit'), import('../../api/schemas')]);
      rows = (await listAuditEvents((await ctx.database()).db, { model, releaseId, since: sinceDate(s, new Date(), '--since'), limit: n })).map(isoDates);
    }
    ctx.print(rows, () => rows.map((r) => `#${String(r.seq).padEnd(5)} ${r.at}  ${r.actor.padEnd(16)} ${r.action.padEnd(22)} ${r.model ?? '-'}${r.releaseId ? `  ${r.releaseId}` : ''}`).join('\n') || 'no events');
    return 0;
  },
});

const access = defineCommand({
  name: 'access',
  summary: 'the control API access log: who did or read what, with which result, from where',
  details: 'Answers "who looked at or changed model M": steward audit access --model M --since 30d.',
  flags: { principal: { type: 'string', description: 'only this principal' }, model: { type: 'string', description: 'only this model' }, since, limit, ...apiFlag },
  examples: ['steward audit access --model adult-income --since 7d', 'steward audit access --principal ravi.risk'],
  async run({ principal, model, since: s, limit: n, api }, ctx) {
    const remote = await ctx.remote(api);
    type Row = Omit<AccessRow, 'at'> & { at: string };
    let rows: Row[];
    if (remote) rows = await remote.get<Row[]>('/v1/audit/access', { principal, model, since: s, limit: n });
    else {
      const [{ listAccess }, { sinceDate }, { isoDates }] = await Promise.all([import('../../lib/identity/access-log'), import('../../api/routes/audit'), import('../../api/schemas')]);
      rows = (await listAccess((await ctx.database()).db, { principal, model, since: sinceDate(s, new Date(), '--since'), limit: n })).map(isoDates);
    }
    ctx.print(rows, () =>
      rows.map((r) => `${r.at}  ${(r.principal ?? '(anonymous)').padEnd(16)} ${(r.role ?? '-').padEnd(22)} ${r.method.padEnd(6)} ${r.action.padEnd(18)} ${r.resource}  ${r.status}  ${r.source}`).join('\n') || 'no requests',
    );
    return 0;
  },
});

export const audit = defineGroup({ name: 'audit', summary: 'the hash-chained audit record and the access log', subcommands: [verify, events, access] });
