/**
 * Regressors and multiclass models through the whole release: validation, training with the task's
 * head and loss, evaluation with the task's metrics, fairness and gate, sign-off, promotion and the
 * card with the task's sections. Bike Sharing (train on 2011, evaluate on 2012) and Adult's education
 * levels grouped into 4 classes. Then both served by the gateway: a multiclass version and an
 * imported ONNX version, with the scores `steward predict` and evaluation give.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelVersions, predictionLog, production } from '../../db/schema';
import type { MulticlassEvaluationReport, RegressorEvaluationReport } from '../../lib/metrics';
import { renderVersionCard } from '../../lib/registry/cards';
import { verifyAuditChain } from '../../lib/registry/audit';
import { decideRelease, startRelease, waitForStage } from '../../lib/release/client';
import type { EvaluationBundle } from '../../lib/release/evidence';
import type { ReleaseState } from '../../lib/release/types';
import { loadScoringModel } from '../../lib/model/scoring';
import { packImportedModel, parseImportSpec, readImportArtifact } from '../../lib/model/imported';
import { trainClassifier } from '../../lib/model/train';
import { loadModelTable } from '../../lib/policy/io';
import { computeWindow } from '../../lib/monitoring/compute';
import { windowRows } from '../../lib/registry/monitoring';
import { windowStats } from '../../lib/serving/log-store';
import { runCli } from '../../cli/main';
import type { Gateway } from '../../serving/gateway';
import { fileInstances, predictOver, registerStoredVersion, startTestGateway, testLogSecret } from '../support/serving';
import { projectRoot } from '../../lib/runtime/paths';
import { releaseStateSchema } from '../../api/schemas';
import { formatState } from '../../cli/format';
import { startHarness, type Harness } from '../support/harness';
import { initBackend } from '../../lib/model/backend';
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

describe('serving a multiclass version and an imported ONNX version', () => {
  const home = mkdtempSync(join(tmpdir(), 'steward-tasks-serving-home-'));
  const education = adultEducationFixture('education-served', { train: 1500, evaluation: 400 });
  const bikes = bikeSharingFixture('bikes-onnx-served', { train: 200, evaluation: 400 });
  let gw: Gateway;
  let educationBytes: Uint8Array;
  let onnxBytes: Uint8Array;

  /** Runs the CLI in this process against the harness's database and artifacts. */
  async function steward(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await runCli(argv, {
      env: { DATABASE_URL: h.databaseUrl, STEWARD_ARTIFACTS: h.artifactsDir, STEWARD_HOME: home, STEWARD_LOG_KEY: testLogSecret.toString('utf8'), STEWARD_USER: 'alice' },
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
    });
    return { code, stdout, stderr };
  }

  /** What evaluation scores for the rows of a file (lib/model/scoring.ts, as the evaluation activity calls it). */
  async function evaluationScores(bytes: Uint8Array, table: Parameters<Awaited<ReturnType<typeof loadScoringModel>>['predict']>[0]) {
    await initBackend();
    const model = await loadScoringModel(bytes);
    try {
      return await model.predict(table);
    } finally {
      await model.dispose();
    }
  }

  beforeAll(async () => {
    const db = h.database.db;
    await registerFixture(db, education);
    const data = await loadModelTable(education.train, education.policy);
    const trained = await trainClassifier({ table: data.table, config: { ...education.policy.training, task: 'multiclass', hiddenUnits: [16], epochs: 2, earlyStopping: { enabled: false } } });
    educationBytes = trained.modelBytes;
    await registerStoredVersion(db, h.artifacts, education.policy, educationBytes, { promote: true, dataSha256: data.sha256, dataRows: data.rows });
    await registerFixture(db, bikes);
    const read = readImportArtifact(join(projectRoot, 'test/fixtures/imported/bike-torch/bike.onnx'), undefined);
    onnxBytes = packImportedModel({ ...read, task: 'regression', origin: 'test' }).bytes;
    await registerStoredVersion(db, h.artifacts, bikes.policy, onnxBytes, { promote: true });
    gw = await startTestGateway(db, h.artifacts);
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('answers each instance with its class probabilities and the classes, as `steward predict` and evaluation score the same rows', async () => {
    const { policy } = education;
    const file = policy.data.evaluationFile!;
    const { instances, table } = await fileInstances(policy, file);
    expect(instances.length).toBe(400);
    const served: number[][] = [];
    const ids: string[] = [];
    for (let i = 0; i < instances.length; i += 100) {
      const res = await predictOver(gw.url, policy.model, instances.slice(i, i + 100));
      expect(res.status, res.body.error).toBe(200);
      expect(res.body).toMatchObject({ model_version: '1', classes: ['no-diploma', 'high-school', 'some-college', 'degree'] });
      served.push(...(res.body.predictions as unknown as number[][]));
      ids.push(...res.body.prediction_ids!);
    }
    expect(served.every((p) => p.length === 4 && Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-9)).toBe(true);
    expect(((await (await fetch(`${gw.url}/v1/models/${policy.model}`)).json()) as { versions: unknown[] }).versions).toEqual([expect.objectContaining({ version: '1', engine: 'dense', format: 'steward', task: 'multiclass' })]);

    // `steward predict`: one probability column per class and the predicted class.
    const out = join(home, 'education.csv');
    const run = await steward('predict', policy.model, '--data', file, '--out', out);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [header, ...lines] = readFileSync(out, 'utf8').trim().split('\n');
    expect(header).toBe('line,p_no-diploma,p_high-school,p_some-college,p_degree,predicted');
    const offline = lines.map((l) => l.split(',').slice(1, 5).map(Number));
    expect(offline).toEqual(served);
    const classes = ['no-diploma', 'high-school', 'some-college', 'degree'];
    expect(lines.map((l) => l.split(',')[5])).toEqual(served.map((p) => classes[p.indexOf(Math.max(...p))]));

    // Evaluation scored these rows through TF.js; the gateway's dense pass agrees to 1e-6.
    const reference = await evaluationScores(educationBytes, table);
    expect(Math.max(...served.flat().map((p, i) => Math.abs(p - reference[i]!)))).toBeLessThan(1e-6);

    // The log keeps the vector, the predicted class and its probability as the row's score; labels,
    // the rollout analysis and the monitor window count a prediction right when its class is the label.
    await gw.log.flush();
    const db = h.database.db;
    const [row] = await db.select().from(predictionLog).where(eq(predictionLog.id, ids[7]!));
    expect(row).toMatchObject({ probabilities: served[7], score: Math.max(...served[7]!), predictedClass: classes[served[7]!.indexOf(Math.max(...served[7]!))] });
    const truth = await loadModelTable(file, policy);
    const labels = truth.table['education-level'] as (string | null)[];
    const labelled = await fetch(`${gw.url}/v1/models/${policy.model}/labels`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ labels: ids.map((id, i) => ({ prediction_id: id, label: labels[i] })) }),
    });
    expect(await labelled.json()).toMatchObject({ recorded: 400, unknown: 0 });
    const right = served.filter((p, i) => classes[p.indexOf(Math.max(...p))] === labels[i]).length;
    expect(right).toBeGreaterThan(0);
    expect(right).toBeLessThan(400);
    const window = { from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000) };
    const [stats] = await windowStats(db, { model: policy.model, versions: [1], ...window, positiveLabel: 'undefined' });
    expect(stats).toMatchObject({ predictions: 400, errors: 0, labelled: 400, correct: right });
    const { rows } = await windowRows(db, { model: policy.model, start: window.from, end: window.to });
    const result = computeWindow({ model: policy.model, index: 0, start: window.from.toISOString(), end: window.to.toISOString(), version: 1, rows, reference: null, calibration: null, positiveLabel: null, groupColumns: ['sex'] });
    expect(result.volume).toBe(400);
    expect(result.performance).toMatchObject({ labelled: 400, accuracy: { value: right / 400 } });
  });

  it('serves the imported ONNX model through its declared inputs, with the scores `steward predict` and evaluation give', async () => {
    const { policy } = bikes;
    const file = policy.data.evaluationFile!;
    const { instances, table } = await fileInstances(policy, file);
    const res = await predictOver(gw.url, policy.model, instances);
    expect(res.status, res.body.error).toBe(200);
    expect(res.body.classes).toBeUndefined();
    const served = res.body.predictions!;
    expect(served).toHaveLength(400);
    expect(Math.max(...served)).toBeGreaterThan(100);
    expect(((await (await fetch(`${gw.url}/v1/models/${policy.model}`)).json()) as { versions: unknown[] }).versions).toEqual([expect.objectContaining({ engine: 'onnx', format: 'onnx', task: 'regression' })]);

    const out = join(home, 'bikes.csv');
    const run = await steward('predict', policy.model, '--data', file, '--out', out);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const offline = readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
    expect(offline).toEqual(served);
    const reference = await evaluationScores(onnxBytes, table);
    expect(Math.max(...served.map((s, i) => Math.abs(s - reference[i]!)))).toBeLessThan(1e-6);
  });

  it('refuses bad requests to both with 400 naming the field, and keeps serving', async () => {
    const { instances: rides } = await fileInstances(bikes.policy, bikes.policy.data.evaluationFile!);
    const { instances: people } = await fileInstances(education.policy, education.policy.data.evaluationFile!);
    const cases: [string, unknown, string, RegExp][] = [
      [bikes.policy.model, [rides[0], (({ temp: _t, ...rest }) => rest)(rides[1]!)], 'instances[1].temp', /missing feature/],
      [bikes.policy.model, [{ ...rides[0], hr: 'noon' }], 'instances[0].hr', /wrong type: expected an integer/],
      [education.policy.model, [{ ...people[0], age: 'forty' }], 'instances[0].age', /wrong type: expected an integer/],
      [education.policy.model, [{ ...people[0], 'education-level': 'degree' }], 'instances[0].education-level', /is the label column/],
    ];
    for (const [model, body, field, message] of cases) {
      const res = await predictOver(gw.url, model, body);
      expect(res.status, field).toBe(400);
      expect(res.body.field).toBe(field);
      expect(res.body.error).toMatch(message);
    }
    expect((await predictOver(gw.url, bikes.policy.model, [rides[0]])).status).toBe(200);
    expect((await predictOver(gw.url, education.policy.model, [people[0]])).status).toBe(200);
  });
});
