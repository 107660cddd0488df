import { WorkflowFailedError } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvals, modelVersions, production, releases } from '../../db/schema';
import { verifyAuditChain } from '../../lib/registry/audit';
import { StewardError } from '../../lib/core/errors';
import { decideRelease, startRelease, waitForStage } from '../../lib/release/client';
import type { ReleaseState } from '../../lib/release/types';
import { projectRoot } from '../../lib/runtime/paths';
import { taskQueues } from '../../lib/core/names';
import { loadModel } from '../../lib/model/serialize';
import { registerModel } from '../../lib/registry/models';
import { adultTrainingSlice, registerTestModel, textFile } from '../support/fixtures';
import { startHarness, type Harness } from '../support/harness';
import { recordHistory } from '../support/histories';

const requester = 'alice';

function deepestMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown };
  while (e?.cause) e = e.cause as typeof e;
  return String(e?.message);
}

async function refusal(p: Promise<unknown>): Promise<StewardError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof StewardError) return e;
    throw e;
  }
  throw new Error('expected the request to be refused');
}

for (const database of ['postgres', 'embedded'] as const) {
  describe(`release workflow on ${database} database`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ database });
    });
    afterAll(async () => {
      await h?.close();
    });

    it('promotes a candidate after sign-off by an approver who is not the requester, refusing others meanwhile', async () => {
      const model = 'income-approve';
      await registerTestModel(h.database.db, model);
      const id = await startRelease(h.client, { model, dataFile: adultTrainingSlice(2000), requestedBy: requester });
      const waiting = await waitForStage(h.client, id, 'awaiting-approval');
      expect(waiting.stage).toBe('awaiting-approval');
      expect(waiting.version).toBe(1);
      expect(waiting.evaluation?.metrics.accuracy).toBeGreaterThan(0.76);
      expect(waiting.evaluation?.metrics.rocAuc).toBeGreaterThan(0.8);

      const self = await refusal(decideRelease(h.client, id, 'approve', { principal: requester }));
      expect(self.type).toBe('UnauthorizedApprover');
      expect(self.message).toContain('separation of duties');
      const stranger = await refusal(decideRelease(h.client, id, 'approve', { principal: 'mallory' }));
      expect(stranger.type).toBe('UnauthorizedApprover');
      expect(stranger.message).toContain('not an approver');
      const stillWaiting = await waitForStage(h.client, id, 'awaiting-approval', 5000);
      expect(stillWaiting.approvals).toEqual([]);

      await decideRelease(h.client, id, 'approve', { principal: 'bob', comment: 'reviewed' });
      const final: ReleaseState = await h.client.workflow.getHandle(id).result();
      expect(final.status).toBe('promoted');

      const { db } = h.database;
      const [prod] = await db.select().from(production).where(eq(production.model, model));
      expect(prod).toMatchObject({ version: 1, releaseId: id });
      const [version] = await db.select().from(modelVersions).where(eq(modelVersions.model, model));
      expect(version.status).toBe('production');
      expect(version.lineage).toMatchObject({ dataSha256: final.data!.sha256, codeVersion: 'test', policyHash: final.policyHash });
      // The stored model is content-addressed and verifies on read; its metadata's config hash is the lineage's.
      const stored = await loadModel(await h.artifacts.get(version.modelSha256));
      expect(stored.metadata.configSha256).toBe(version.lineage.trainingConfigHash);
      stored.model.dispose();
      const signed = await db.select().from(approvals).where(eq(approvals.releaseId, id));
      expect(signed.map((a) => [a.principal, a.decision, a.comment])).toEqual([['bob', 'approve', 'reviewed']]);
      expect(await verifyAuditChain(db)).toMatchObject({ ok: true });

      if (database === 'postgres') await recordHistory(h.client, id, 'release-approved');
    });

    if (database === 'embedded') return;

    it('ends rejected with production untouched when an approver rejects', async () => {
      const model = 'income-reject';
      await registerTestModel(h.database.db, model);
      const id = await startRelease(h.client, { model, dataFile: adultTrainingSlice(1500), requestedBy: requester });
      await waitForStage(h.client, id, 'awaiting-approval');
      await decideRelease(h.client, id, 'reject', { principal: 'carol', comment: 'recall too low for the north region' });
      const final: ReleaseState = await h.client.workflow.getHandle(id).result();
      expect(final.status).toBe('rejected');
      expect(final.reason).toContain('carol');
      const { db } = h.database;
      expect(await db.select().from(production).where(eq(production.model, model))).toEqual([]);
      const [version] = await db.select().from(modelVersions).where(eq(modelVersions.model, model));
      expect(version.status).toBe('rejected');
      await recordHistory(h.client, id, 'release-rejected');
    });

    it('expires when nobody signs off in time', async () => {
      const model = 'income-expire';
      await registerTestModel(h.database.db, model);
      const id = await startRelease(h.client, { model, dataFile: adultTrainingSlice(1500), requestedBy: requester, approvalTimeoutMs: 1500 });
      const final: ReleaseState = await h.client.workflow.getHandle(id).result();
      expect(final.status).toBe('expired');
      const late = await refusal(decideRelease(h.client, id, 'approve', { principal: 'bob' }));
      expect(late.type).toBe('AlreadyDecided');
      expect(late.message).toMatch(/already ended \(expired\)/);
      expect(await h.database.db.select().from(production).where(eq(production.model, model))).toEqual([]);
      await recordHistory(h.client, id, 'release-expired');
    });

    it('survives a worker restart while waiting for sign-off, then completes on approval', async () => {
      const model = 'income-restart';
      await registerTestModel(h.database.db, model);
      const id = await startRelease(h.client, { model, dataFile: adultTrainingSlice(1500), requestedBy: requester });
      await waitForStage(h.client, id, 'awaiting-approval');
      await h.restartWorkers();
      await decideRelease(h.client, id, 'approve', { principal: 'carol' });
      const final: ReleaseState = await h.client.workflow.getHandle(id).result();
      expect(final.status).toBe('promoted');
    });

    it('needs the quorum of distinct approvers', async () => {
      const model = 'income-quorum';
      await registerTestModel(h.database.db, model, { approvers: ['bob', 'carol', 'dave'], quorum: 2 });
      const id = await startRelease(h.client, { model, dataFile: adultTrainingSlice(1500), requestedBy: requester });
      await waitForStage(h.client, id, 'awaiting-approval');
      const first = await decideRelease(h.client, id, 'approve', { principal: 'bob' });
      expect(first.status).toBe('running');
      const twice = await refusal(decideRelease(h.client, id, 'approve', { principal: 'bob' }));
      expect(twice.type).toBe('AlreadyDecided');
      await decideRelease(h.client, id, 'approve', { principal: 'dave' });
      const final: ReleaseState = await h.client.workflow.getHandle(id).result();
      expect(final.status).toBe('promoted');
      expect(final.approvals.map((a) => a.principal)).toEqual(['bob', 'dave']);
    });

    it('falls back to CPU training when no GPU worker takes a GPU-preferred job in time', async () => {
      const model = 'income-gpu-preferred';
      const policy = await registerTestModel(h.database.db, model);
      policy.compute = { gpu: 'preferred', gpuWait: 1500, heartbeatTimeout: 60_000 };
      await registerModel(h.database.db, policy);
      const id = await startRelease(h.client, { model, dataFile: adultTrainingSlice(1500), requestedBy: requester });
      const state = await waitForStage(h.client, id, 'awaiting-approval');
      expect(state.candidate?.taskQueue).toBe(taskQueues.trainingCpu);
      expect(state.candidate?.backend).toMatch(/wasm|cpu|tensorflow/);
    });

    it('compares a new candidate with production: a real regression fails the gate and production stays', async () => {
      const model = 'income-regression';
      await registerTestModel(h.database.db, model);
      const first = await startRelease(h.client, { model, dataFile: adultTrainingSlice(2000), requestedBy: requester });
      await waitForStage(h.client, first, 'awaiting-approval');
      await decideRelease(h.client, first, 'approve', { principal: 'bob' });
      expect((await h.client.workflow.getHandle(first).result()).status).toBe('promoted');

      // Same data, a crippled recipe: one epoch at a tiny learning rate.
      const worse = await startRelease(h.client, {
        model,
        dataFile: adultTrainingSlice(2000, 2000),
        requestedBy: requester,
        trainingOverrides: { epochs: 1, learningRate: 0.00001, hiddenUnits: [2] },
      });
      const final: ReleaseState = await h.client.workflow.getHandle(worse).result();
      expect(final.status).toBe('failed');
      expect(final.reason).toMatch(/regression vs production v1/);
      expect(final.evaluation?.production?.rocAuc).toBeGreaterThan(final.evaluation!.metrics.rocAuc);
      expect(final.data?.drift).not.toBeNull();
      const [prod] = await h.database.db.select().from(production).where(eq(production.model, model));
      expect(prod.version).toBe(1);
      // The failed candidate is kept, with its report and card, for the record.
      const [v2] = await h.database.db.select().from(modelVersions).where(and(eq(modelVersions.model, model), eq(modelVersions.version, 2)));
      expect(v2.status).toBe('failed');
      expect((await h.artifacts.get(v2.cardHtmlSha256!)).toString()).toContain('regression');
      await recordHistory(h.client, worse, 'release-gate-failed');
    });

    it('fails the gate, before any sign-off is asked, when a fairness threshold is breached', async () => {
      const model = 'income-unfair';
      await registerTestModel(h.database.db, model, { fairness: { equalizedOddsDifference: 0.0001 } });
      const id = await startRelease(h.client, { model, dataFile: adultTrainingSlice(1500), requestedBy: requester });
      const final: ReleaseState = await h.client.workflow.getHandle(id).result();
      expect(final.status).toBe('failed');
      expect(final.reason).toMatch(/fairness: sex/);
      expect(final.approvals).toEqual([]);
      expect(await h.database.db.select().from(production).where(eq(production.model, model))).toEqual([]);
    });

    it('lets exactly one of two concurrent decisions through (quorum 1: approve races reject)', async () => {
      const model = 'income-race';
      await registerTestModel(h.database.db, model);
      const id = await startRelease(h.client, { model, dataFile: adultTrainingSlice(1500), requestedBy: requester });
      await waitForStage(h.client, id, 'awaiting-approval');
      const results = await Promise.allSettled([
        decideRelease(h.client, id, 'approve', { principal: 'bob' }),
        decideRelease(h.client, id, 'reject', { principal: 'carol' }),
        decideRelease(h.client, id, 'approve', { principal: 'bob' }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect((r.reason as StewardError).type).toBe('AlreadyDecided');
      const final: ReleaseState = await h.client.workflow.getHandle(id).result();
      expect(final.approvals).toHaveLength(1);
      expect(final.status).toBe(final.approvals[0].decision === 'approve' ? 'promoted' : 'rejected');
      const rows = await h.database.db.select().from(approvals).where(eq(approvals.releaseId, id));
      expect(rows).toHaveLength(1);
    });

    it('refuses to promote over a production version the candidate was never compared with', async () => {
      const model = 'income-moved';
      await registerTestModel(h.database.db, model);
      const a = await startRelease(h.client, { model, dataFile: adultTrainingSlice(1500), requestedBy: requester });
      const b = await startRelease(h.client, { model, dataFile: adultTrainingSlice(1500, 1500), requestedBy: requester });
      await waitForStage(h.client, a, 'awaiting-approval');
      await waitForStage(h.client, b, 'awaiting-approval');
      await decideRelease(h.client, a, 'approve', { principal: 'bob' });
      expect((await h.client.workflow.getHandle(a).result()).status).toBe('promoted');
      await decideRelease(h.client, b, 'approve', { principal: 'bob' });
      const err = await h.client.workflow.getHandle(b).result().then(() => undefined, (e: unknown) => e);
      expect(deepestMessage(err)).toMatch(/production of income-moved moved to v\d after v\d was compared with no production version/);
      const [prod] = await h.database.db.select().from(production).where(eq(production.model, model));
      const [winner] = await h.database.db.select().from(releases).where(eq(releases.id, a));
      expect(prod.version).toBe(winner.version);
    });

    it('records a cancelled release as failed and leaves production untouched', async () => {
      const model = 'income-cancel';
      await registerTestModel(h.database.db, model);
      const id = await startRelease(h.client, { model, dataFile: adultTrainingSlice(1500), requestedBy: requester });
      await waitForStage(h.client, id, 'awaiting-approval');
      await h.client.workflow.getHandle(id).cancel();
      await expect(h.client.workflow.getHandle(id).result()).rejects.toThrow();
      const [release] = await h.database.db.select().from(releases).where(eq(releases.id, id));
      expect(release).toMatchObject({ status: 'failed', reason: 'cancelled' });
      await recordHistory(h.client, id, 'release-cancelled');
      expect(await h.database.db.select().from(production).where(eq(production.model, model))).toEqual([]);
    });

    it('refuses a release whose requester leaves too few other approvers for the quorum', async () => {
      const model = 'income-no-quorum';
      await registerTestModel(h.database.db, model, { approvers: ['alice', 'bob'], quorum: 2 });
      const id = await startRelease(h.client, { model, dataFile: adultTrainingSlice(1500), requestedBy: 'alice' });
      const err = await h.client.workflow.getHandle(id).result().then(() => undefined, (e: unknown) => e);
      expect(deepestMessage(err)).toMatch(/only 1 other approver\(s\) for a quorum of 2/);
    });

    describe('refuses bad training data, naming file, row and column, and writes no model version', () => {
      const good = '39, State-gov, 77516, Bachelors, 13, Never-married, Adm-clerical, Not-in-family, White, Male, 2174, 0, 40, United-States, <=50K';
      const cases: Array<{ name: string; text: string; expect: RegExp[] }> = [
        // An empty file is refused before a release starts (test/integration/refusals.test.ts).
        {
          name: 'ragged.csv',
          text: `${good}\n${good}\n39, State-gov, 77516, Bachelors\n`,
          expect: [/ragged\.csv/, /row 3/, /column|field/i],
        },
        {
          name: 'text-in-number.csv',
          text: `${good}\n${good.replace('77516', 'lots')}\n`,
          expect: [/text-in-number\.csv/, /row 2/, /column "fnlwgt"/, /lots/],
        },
        {
          name: 'missing-column.csv',
          text: `${good.split(', ').slice(0, 14).join(', ')}\n`.repeat(3),
          expect: [/missing-column\.csv/, /row 1/, /income|column/],
        },
      ];
      for (const c of cases) {
        it(`refuses ${c.name}`, async () => {
          const model = `income-bad-${c.name.replace('.csv', '')}`;
          await registerTestModel(h.database.db, model);
          const id = await startRelease(h.client, { model, dataFile: textFile(c.name, c.text), requestedBy: requester });
          const err = await h.client.workflow.getHandle(id).result().then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(err).toBeInstanceOf(WorkflowFailedError);
          const message = deepestMessage(err);
          for (const re of c.expect) expect(message).toMatch(re);
          const { db } = h.database;
          expect(await db.select().from(modelVersions).where(eq(modelVersions.model, model))).toEqual([]);
          const [release] = await db.select().from(releases).where(eq(releases.id, id));
          expect(release.status).toBe('failed');
        });
      }
    });
  });
}
