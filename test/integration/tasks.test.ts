/**
 * Regressors and multiclass models through the whole release: validation, training with the task's
 * head and loss, evaluation with the task's metrics, fairness and gate, sign-off, promotion and the
 * card with the task's sections. Bike Sharing (train on 2011, evaluate on 2012) and Adult's education
 * levels grouped into 4 classes.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelVersions, production } from '../../db/schema';
import type { MulticlassEvaluationReport, RegressorEvaluationReport } from '../../lib/metrics';
import { renderVersionCard } from '../../lib/registry/cards';
import { verifyAuditChain } from '../../lib/registry/audit';
import { decideRelease, startRelease, waitForStage } from '../../lib/release/client';
import type { EvaluationBundle } from '../../lib/release/evidence';
import type { ReleaseState } from '../../lib/release/types';
import { loadScoringModel } from '../../lib/model/scoring';
import { parseImportSpec } from '../../lib/model/imported';
import { projectRoot } from '../../lib/runtime/paths';
import { releaseStateSchema } from '../../api/schemas';
import { formatState } from '../../cli/format';
import { startHarness, type Harness } from '../support/harness';
import { registerTestModel } from '../support/fixtures';
import { adultEducationFixture, bikeSharingFixture, registerFixture } from '../support/task-fixtures';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ database: 'postgres' });
});
afterAll(async () => {
  await h?.close();
});

async function bundleOf(model: string, version: number): Promise<EvaluationBundle> {
  const [row] = await h.database.db.select().from(modelVersions).where(eq(modelVersions.model, model)).then((rows) => rows.filter((r) => r.version === version));
  return JSON.parse((await h.artifacts.get(row!.reportSha256!)).toString('utf8')) as EvaluationBundle;
}

describe('a regressor: Bike Sharing, trained on 2011 and evaluated on 2012', () => {
  it('releases, promotes, then judges the next candidate against production with the paired gate on per-row errors', async () => {
    const model = 'bikes-e2e';
    const first = bikeSharingFixture(model, { train: 2500, evaluation: 1500 });
    await registerFixture(h.database.db, first);
    const id = await startRelease(h.client, { model, dataFile: first.train, requestedBy: 'alice' });
    const waiting = await waitForStage(h.client, id, 'awaiting-approval');
    // Hourly counts: the error is in bikes per hour, R^2 says how much of the variation is explained.
    expect(waiting.evaluation?.metrics.mae).toBeGreaterThan(0);
    expect(waiting.evaluation?.metrics.r2).toBeGreaterThan(0);
    // The service grew from 2011 to 2012: a model of 2011 under-predicts 2012 (residual = actual - predicted).
    expect(waiting.evaluation?.metrics.meanResidual).toBeGreaterThan(0);
    await decideRelease(h.client, id, 'approve', { principal: 'bob', comment: 'errors per hour acceptable' });
    expect(((await h.client.workflow.getHandle(id).result()) as ReleaseState).status).toBe('promoted');

    const bundle = await bundleOf(model, 1);
    const report = bundle.evaluation as RegressorEvaluationReport;
    expect(report.task).toBe('regression');
    expect(report.metrics.metrics.rmse.lower).toBeLessThanOrEqual(report.metrics.metrics.rmse.value);
    expect(report.metrics.predictedVsActual.bins).toHaveLength(10);
    expect(report.fairness?.attributes[0]?.gaps.map((g) => g.name)).toEqual(['maeDifference', 'maeRatio', 'meanResidualDifference']);
    expect(bundle.importance.metric).toBe('mae');
    // The stored model predicts in bikes per hour (the log1p target scaling undone).
    const [version] = await h.database.db.select().from(modelVersions).where(eq(modelVersions.model, model));
    const scoring = await loadScoringModel(await h.artifacts.get(version!.modelSha256));
    expect(scoring.task).toBe('regression');
    await scoring.dispose();

    const card = await renderVersionCard(h.database.db, h.artifacts, model, 1);
    expect(card.input.task).toBe('regression');
    expect(card.markdown).toContain('## Residuals and predicted against actual');
    expect(card.html).toContain('<title id="predicted-actual-t">Predicted against actual</title>');

    // The next candidate, trained on later 2011 hours, is judged against v1 on the same 2012 rows.
    const second = bikeSharingFixture(`${model}-b`, { train: 5000, evaluation: 1500 });
    const next = await startRelease(h.client, { model, dataFile: second.train, requestedBy: 'alice' });
    const judged = await waitForStage(h.client, next, 'awaiting-approval');
    expect(judged.evaluation?.production).toMatchObject({ mae: report.metrics.metrics.mae.value });
    const gate = (await bundleOf(model, 2)).evaluation.regression!;
    expect(gate.rows.filter((r) => r.slice === 'overall').map((r) => [r.metric, r.test])).toEqual([
      ['mae', 'paired-bootstrap'],
      ['rmse', 'paired-bootstrap'],
    ]);
    expect(gate.rows.some((r) => r.slice === 'workingday=1')).toBe(true);
    // Whichever way the gate went (two small networks, a few epochs), the release follows it.
    if (!gate.pass) expect(judged.evaluation?.gate.passed).toBe(false);
    if (judged.stage === 'awaiting-approval') {
      await decideRelease(h.client, next, 'reject', { principal: 'carol', comment: 'keep v1' });
      expect(((await h.client.workflow.getHandle(next).result()) as ReleaseState).status).toBe('rejected');
    } else {
      expect(judged).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^evaluation gate: /) });
    }
    const [prod] = await h.database.db.select().from(production).where(eq(production.model, model));
    expect(prod?.version).toBe(1);
    expect(await verifyAuditChain(h.database.db)).toMatchObject({ ok: true });
  });
});

describe('a multiclass model: education level from the other Adult attributes', () => {
  it('releases with per-class metrics, per-class fairness by sex and race, and a card with the confusion matrix', async () => {
    const model = 'education-e2e';
    const fixture = adultEducationFixture(model, { train: 3000, evaluation: 1500 });
    await registerFixture(h.database.db, fixture);
    const id = await startRelease(h.client, { model, dataFile: fixture.train, requestedBy: 'alice' });
    const waiting = await waitForStage(h.client, id, 'awaiting-approval');
    expect(waiting.evaluation?.metrics.accuracy).toBeGreaterThan(0.3);
    expect(waiting.evaluation?.metrics.macroF1).toBeGreaterThan(0.2);
    await decideRelease(h.client, id, 'approve', { principal: 'carol' });
    expect(((await h.client.workflow.getHandle(id).result()) as ReleaseState).status).toBe('promoted');

    const report = (await bundleOf(model, 1)).evaluation as MulticlassEvaluationReport;
    expect(report.classes).toEqual(['no-diploma', 'high-school', 'some-college', 'degree']);
    expect(Object.keys(report.metrics.metrics)).toEqual(['accuracy', 'balancedAccuracy', 'macroF1', 'weightedF1', 'macroPrecision', 'macroRecall', 'logLoss', 'top2Accuracy']);
    expect(report.metrics.confusion.flat().reduce((a, b) => a + b, 0)).toBe(1500);
    expect(report.fairness?.attributes.map((a) => a.name)).toEqual(['sex', 'race']);
    const card = await renderVersionCard(h.database.db, h.artifacts, model, 1);
    expect(card.markdown).toContain('## Per-class results');
    expect(card.html).toContain('Confusion matrix (rows: actual class, columns: predicted class)');
  });
});

describe('a model trained elsewhere: PyTorch exported to ONNX', () => {
  const fixtures = join(projectRoot, 'test/fixtures/imported');
  const onnx = join(fixtures, 'bike-torch/bike.onnx');

  it('goes through the same validation, evaluation, gate, card and sign-off; the lineage records its hash and declared origin', async () => {
    const model = 'bikes-imported';
    const fixture = bikeSharingFixture(model, { train: 500, evaluation: 1500 });
    await registerFixture(h.database.db, fixture);
    const id = await startRelease(h.client, { model, import: { artifact: onnx, origin: 'git:3f2c1ab (make_fixtures.py)' }, requestedBy: 'alice' });
    const waiting = await waitForStage(h.client, id, 'awaiting-approval');
    expect(waiting.candidate).toMatchObject({ epochs: 0, backend: expect.stringMatching(/onnxruntime/) });
    // What `steward status` prints, and its --json (the API's schema) keeps the artifact.
    expect(formatState(waiting)).toMatch(/imported {2}bike\.onnx \(onnx, sha256 [0-9a-f]{16}, origin git:3f2c1ab \(make_fixtures\.py\)\)/);
    expect(releaseStateSchema.parse(waiting).candidate?.imported?.fileName).toBe('bike.onnx');
    expect(waiting.evaluation?.metrics.mae).toBeGreaterThan(0);
    await decideRelease(h.client, id, 'approve', { principal: 'bob' });
    expect(((await h.client.workflow.getHandle(id).result()) as ReleaseState).status).toBe('promoted');

    const [version] = await h.database.db.select().from(modelVersions).where(eq(modelVersions.model, model));
    const fileHash = createHash('sha256').update(readFileSync(onnx)).digest('hex');
    expect(version!.lineage.imported).toMatchObject({ format: 'onnx', fileName: 'bike.onnx', sha256: fileHash, origin: 'git:3f2c1ab (make_fixtures.py)', declaredIn: 'steward-import.json' });
    expect(version!.lineage.imported?.producer).toMatch(/pytorch/);
    const card = await renderVersionCard(h.database.db, h.artifacts, model, 1);
    expect(card.html).toContain(fileHash);
    expect(card.markdown).toContain('imported onnx model (bike.onnx)');
    expect(await verifyAuditChain(h.database.db)).toMatchObject({ ok: true });
  });

  it('imports a Keras classifier converted to TF.js Layers as a binary candidate, with its layers run by TF.js', async () => {
    const model = 'income-keras';
    await registerTestModel(h.database.db, model);
    const id = await startRelease(h.client, { model, import: { artifact: join(fixtures, 'adult-keras/model.json'), origin: 'keras notebook run 42' }, requestedBy: 'alice' });
    const waiting = await waitForStage(h.client, id, 'awaiting-approval');
    expect(waiting.evaluation?.metrics.rocAuc).toBeGreaterThan(0.8);
    // No --data: the contract and drift checks read the policy's held-out file (1,500 rows of adult.test).
    expect(waiting.data?.rows).toBe(1500);
    const bundle = await bundleOf(model, 1);
    expect(bundle.candidate).toMatchObject({ format: 'tfjs-layers', imported: { fileName: 'model.json', origin: 'keras notebook run 42' } });
    await decideRelease(h.client, id, 'reject', { principal: 'carol' });
    expect(((await h.client.workflow.getHandle(id).result()) as ReleaseState).status).toBe('rejected');
  });

  it('refuses a corrupt file and an unknown operator with a clear error, registering nothing', async () => {
    const model = 'bikes-bad-import';
    const fixture = bikeSharingFixture(model, { train: 500, evaluation: 600 });
    // The declaration in the policy, so the bad files need nothing beside them.
    fixture.policy.import = parseImportSpec(JSON.parse(readFileSync(join(fixtures, 'bike-torch/steward-import.json'), 'utf8')));
    await registerFixture(h.database.db, fixture);
    const dir = mkdtempSync(join(tmpdir(), 'steward-bad-import-'));
    const corrupt = join(dir, 'corrupt.onnx');
    writeFileSync(corrupt, Buffer.from('this is not a protobuf model at all'));
    for (const [artifact, message] of [
      [corrupt, /corrupt\.onnx.*not an ONNX model/],
      [join(fixtures, 'unknown-op.onnx'), /FancyAttention/],
    ] as const) {
      const id = await startRelease(h.client, { model, import: { artifact }, requestedBy: 'alice' });
      const failed = await h.client.workflow.getHandle(id).result().catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(WorkflowFailedError);
      const chain: { message?: string; cause?: unknown; type?: string }[] = [failed as { cause?: unknown }];
      while (chain.at(-1)!.cause) chain.push(chain.at(-1)!.cause as (typeof chain)[number]);
      expect(chain.map((c) => c.type)).toContain('InvalidArtifact');
      expect(chain.at(-1)!.message).toMatch(message);
    }
    expect(await h.database.db.select().from(modelVersions).where(eq(modelVersions.model, model))).toEqual([]);
    expect(await h.database.db.select().from(production).where(eq(production.model, model))).toEqual([]);
  });
});
