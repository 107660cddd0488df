/**
 * The audit record against someone who can write the database: each tampering an attacker with SQL
 * access would try, on a record made by a real release (requested, trained, approved, promoted) and
 * a token, is detected by `verifyAuditRecord` and named; the record is restored between cases.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { desc, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReleaseActivities } from '../../activities/release';
import { auditEvents } from '../../db/schema';
import { historyHeads } from '../../lib/audit/temporal';
import { verifyAuditRecord, type AuditCheck } from '../../lib/audit/verify';
import { contentHash } from '../../lib/core/hash';
import { createToken, revokeToken } from '../../lib/identity/tokens';
import { eventHash } from '../../lib/registry/audit';
import { registerModel } from '../../lib/registry/models';
import { decideRelease, startRelease, waitForStage } from '../../lib/release/client';
import { projectRoot } from '../../lib/runtime/paths';
import { adultTrainingSlice, registerTestModel } from '../support/fixtures';
import { startHarness, type Harness } from '../support/harness';

const model = 'income-tamper';
const tables = ['audit_events', 'approvals', 'production', 'api_tokens'] as const;

describe('audit record under tampering by someone with database access', () => {
  let h: Harness;
  let releaseId: string;
  let revokedToken: string;

  const exec = (query: ReturnType<typeof sql>) => h.database.db.execute(query);
  const verify = async () => verifyAuditRecord(h.database.db, { signedHead: { head: await h.auditAnchor.read(), publicKeyHex: h.auditKey.publicKeyHex } });
  /** The events newest first. */
  const newest = () => h.database.db.select().from(auditEvents).orderBy(desc(auditEvents.seq));

  beforeAll(async () => {
    h = await startHarness({ database: 'postgres' });
    const policy = await registerTestModel(h.database.db, model);
    // A change of approvers through Steward is on the record, and the record stays intact.
    policy.approvals.approvers = ['bob', 'carol', 'dave'];
    await registerModel(h.database.db, policy, 'maria');
    releaseId = await startRelease(h.client, { model, dataFile: adultTrainingSlice(1200), requestedBy: 'alice' });
    await waitForStage(h.client, releaseId, 'awaiting-approval');
    await decideRelease(h.client, releaseId, 'approve', { principal: 'bob', comment: 'fairness report reviewed' });
    expect((await h.client.workflow.getHandle(releaseId).result()).status).toBe('promoted');
    await createToken(h.database.db, { principal: 'ravi.risk', role: 'approver', model, createdBy: 'root' });
    const revoked = await createToken(h.database.db, { principal: 'eve', role: 'viewer', createdBy: 'root' });
    revokedToken = revoked.id;
    await revokeToken(h.database.db, revoked.id, 'root');
    await h.auditAnchor.update(h.database.db);
    for (const t of tables) await exec(sql.raw(`create table snap_${t} as select * from ${t}`));
    await exec(sql`create table snap_models as select * from models`);
  });
  afterAll(async () => {
    await h?.close();
  });

  async function restore() {
    for (const t of tables) await exec(sql.raw(`delete from ${t}; insert into ${t} select * from snap_${t}`));
    await exec(sql`update models m set policy = s.policy, policy_hash = s.policy_hash from snap_models s where m.name = s.name`);
  }

  it('is intact, anchored and in agreement with its tables before anyone touches it', async () => {
    const report = await verify();
    expect(report).toMatchObject({ ok: true, problems: [], anchors: { signedHead: { signatureChecked: true } } });
    expect(report.anchors.signedHead?.seq).toBe(report.head.seq);
    const actions = (await newest()).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['model.registered', 'model.policy-updated', 'release.approved', 'version.promoted', 'token.created', 'token.revoked']));
    const update = (await newest()).find((e) => e.action === 'model.policy-updated');
    expect(update).toMatchObject({ actor: 'maria', payload: expect.objectContaining({ approvers: ['bob', 'carol', 'dave'] }) });
  });

  const cases: Array<{ name: string; tamper: () => Promise<unknown>; check: AuditCheck; message: RegExp }> = [
    {
      name: 'editing one event',
      tamper: async () => exec(sql`update audit_events set payload = '{"version": 99}'::jsonb where event_key = ${`${releaseId}:registered`}`),
      check: 'chain',
      message: /event #\d+ \(version\.registered\) does not match its hash/,
    },
    {
      name: 'deleting an event in the middle',
      tamper: async () => exec(sql`delete from audit_events where event_key = ${`${releaseId}:data-validated`}`),
      check: 'chain',
      message: /does not match its hash or its predecessor's/,
    },
    {
      name: 'deleting the newest event',
      tamper: async () => exec(sql`delete from audit_events where seq = (select max(seq) from audit_events)`),
      check: 'anchor',
      message: /the record ends at #\d+ \(\d+ events\): the newest events were deleted/,
    },
    {
      name: 'deleting the newest 5 events',
      tamper: async () => exec(sql`delete from audit_events where seq in (select seq from audit_events order by seq desc limit 5)`),
      check: 'anchor',
      message: /the newest events were deleted/,
    },
    {
      name: 'deleting every event',
      tamper: async () => exec(sql`delete from audit_events`),
      check: 'anchor',
      message: /the record ends at #0 \(0 events\)/,
    },
    {
      name: 'rewriting a suffix of the chain with recomputed hashes',
      tamper: async () => {
        const suffix = (await newest()).slice(0, 3).reverse();
        let prev = suffix[0].prevHash;
        for (const e of suffix) {
          const payload = { ...e.payload, rewritten: true };
          const hash = eventHash(prev, { ...e, payload });
          await exec(sql`update audit_events set payload = ${JSON.stringify(payload)}::jsonb, prev_hash = ${prev}, hash = ${hash} where seq = ${e.seq}`);
          prev = hash;
        }
        // The rewritten chain is intact on its own: only the anchor tells.
        expect((await verifyAuditRecord(h.database.db)).problems).toEqual([]);
      },
      check: 'anchor',
      message: /the chain was rewritten from there on/,
    },
    {
      name: "editing an approval's comment",
      tamper: async () => exec(sql`update approvals set comment = 'rubber-stamped' where release_id = ${releaseId}`),
      check: 'approvals',
      message: /bob approve on .* differs from event #\d+ \(comment or time edited\)/,
    },
    {
      name: 'putting another approver on an approval',
      tamper: async () => exec(sql`update approvals set principal = 'carol' where release_id = ${releaseId}`),
      check: 'approvals',
      message: /carol approve on .* has no audit event/,
    },
    {
      name: 'deleting an approval',
      tamper: async () => exec(sql`delete from approvals where release_id = ${releaseId}`),
      check: 'approvals',
      message: /the decision of event #\d+ \(bob release\.approved on .*\) has no row/,
    },
    {
      name: 'moving the production pointer',
      tamper: async () => exec(sql`update production set version = 7 where model = ${model}`),
      check: 'production',
      message: /income-tamper points at v7 .* event #\d+ moved it to v1/,
    },
    {
      name: 'deleting the production pointer',
      tamper: async () => exec(sql`delete from production where model = ${model}`),
      check: 'production',
      message: /income-tamper has no pointer, but event #\d+ set it/,
    },
    {
      name: "swapping a policy's approver list (hash recomputed)",
      tamper: async () => {
        const [row] = (await exec(sql`select policy from models where name = ${model}`)) as unknown as Array<{ policy: { approvals: { approvers: string[] } } }>;
        const policy = { ...row.policy, approvals: { ...row.policy.approvals, approvers: ['mallory', 'bob'] } };
        await exec(sql`update models set policy = ${JSON.stringify(policy)}::jsonb, policy_hash = ${contentHash(policy)} where name = ${model}`);
        // And a release would run on it: refused before anything is written.
        const activities = createReleaseActivities({ db: h.database.db, artifacts: h.artifacts, compute: h.compute, codeVersion: 'test' });
        await expect(activities.beginRelease({ releaseId: 'release-income-tamper-x', input: { model, dataFile: '/nowhere.csv', requestedBy: 'mallory' } })).rejects.toThrow(
          /the policy of income-tamper in the database .* is not the one the audit record last registered/,
        );
      },
      check: 'policies',
      message: /the policy of income-tamper \(\w+\) is not the one event #\d+ registered/,
    },
    {
      name: 'inserting an admin token',
      tamper: async () =>
        exec(sql`insert into api_tokens (id, principal, role, secret_sha256, created_by, created_at) values ('abcdefabcdef', 'mallory', 'admin', ${'0'.repeat(64)}, 'root', now())`),
      check: 'tokens',
      message: /token abcdefabcdef \(mallory, admin\) has no creation event/,
    },
    {
      name: 'un-revoking a token',
      tamper: async () => exec(sql`update api_tokens set revoked_at = null where id = ${revokedToken}`),
      check: 'tokens',
      message: /was revoked \(event #\d+\) but its row says it is not/,
    },
  ];

  for (const c of cases) {
    it(`detects ${c.name}`, async () => {
      try {
        await c.tamper();
        const report = await verify();
        expect(report.ok).toBe(false);
        expect(report.problems.map((p) => `${p.check}: ${p.message}`)).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^${c.check}: .*${c.message.source}`))]));
      } finally {
        await restore();
      }
      expect((await verify()).ok).toBe(true);
    });
  }

  it('detects deleted newest events from the release history in Temporal alone (without the signed head)', async () => {
    try {
      await exec(sql`delete from audit_events where seq in (select seq from audit_events order by seq desc limit 5)`);
      const heads = await historyHeads(h.database.db, h.client);
      expect(heads.heads.length).toBeGreaterThanOrEqual(4);
      const report = await verifyAuditRecord(h.database.db, { historyHeads: heads });
      expect(report.problems).toEqual(expect.arrayContaining([expect.objectContaining({ check: 'history', message: expect.stringMatching(new RegExp(`the history of ${releaseId} names event #\\d+`)) })]));
    } finally {
      await restore();
    }
  });

  it('makes `steward audit verify` exit 1 and name the problem', async () => {
    try {
      await exec(sql`delete from audit_events where seq = (select max(seq) from audit_events)`);
      const env = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATABASE_URL: h.databaseUrl,
        STEWARD_ARTIFACTS: h.artifactsDir,
        STEWARD_AUDIT_KEY: Buffer.from(h.auditKey.secretKey).toString('hex'),
        STEWARD_HOME: join(h.artifactsDir, 'home'),
      };
      const run = await new Promise<{ code: number; stdout: string }>((resolveRun) => {
        const child = spawn(process.execPath, [join(projectRoot, 'bin/steward.mjs'), 'audit', 'verify'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
        let stdout = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.on('exit', (code) => resolveRun({ code: code ?? -1, stdout }));
      });
      expect(run.code).toBe(1);
      // The newest event was the token's revocation: its row no longer agrees with the record either.
      expect(run.stdout).toMatch(/^audit record BROKEN: 2 problems/);
      expect(run.stdout).toMatch(/tokens\s+tokens: token \w+ is marked revoked without a revocation event/);
      expect(run.stdout).toMatch(/anchor\s+the signed head .* the newest events were deleted/);
      expect(run.stdout).toMatch(/signed head: event #\d+ at .*, signature checked/);
    } finally {
      await restore();
    }
  });
});
