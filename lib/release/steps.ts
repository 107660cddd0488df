/**
 * The CPU-heavy halves of the release's steps, as plain functions over files and the artifact store:
 * checking a data file against the contract (profiles, drift), training a candidate, evaluating it
 * against production. Activities run them on a compute thread (activities/compute) and keep the
 * database writes and the Temporal side to themselves, so the thread that delivers workflow tasks,
 * queries and sign-off Updates is never busy with them.
 */
import { StewardError } from '../core/errors';
import { createRng, sampleIndices } from '../core/random';
import { checkContract, type ContractReport } from '../data/contract';
import { selectRows, type Table } from '../data/table';
import { ProfileBuilder, profileCategories, type DatasetProfile } from '../drift/profile';
import { computeDrift, type DriftReport } from '../drift/suite';
import {
  compareImportance,
  computeMetrics,
  prepareScores,
  evaluateClassifier,
  evaluateMulticlassModel,
  evaluateRegressor,
  multiclassMetrics,
  permutationImportance,
  prepareMulticlass,
  prepareRegression,
  regressionMetrics,
  type ImportanceScore,
} from '../metrics';
import { parseTrainingConfig } from '../model/config';
import { classIndicesFromTable, labelsFromTable, targetsFromTable } from '../model/features';
import { measureLatency, predictProba } from '../model/predict';
import { importSpecHash, packImportedModel, readImportArtifact } from '../model/imported';
import { loadScoringModel, measureScoringLatency, type ScoringModel } from '../model/scoring';
import { loadModel, MODEL_MAGIC, type LoadedModel } from '../model/serialize';
import { trainClassifier } from '../model/train';
import { loadModelTable, readOptionsFor, type ModelTable } from '../policy/io';
import { policyTask, type Policy } from '../policy/schema';
import type { ArtifactStore } from '../runtime/artifacts';
import { headlineMetrics, type EvaluationBundle, type GateCheck } from './evidence';
import type { TrainedCandidate } from './types';

export interface ValidationResult {
  report: ContractReport;
  /** This file's own profile: the drift reference of a version trained on it. */
  profile: DatasetProfile;
  /** Drift against production's training profile, when production has one. */
  drift: DriftReport | null;
}

/**
 * One pass over `file`: the contract check, this file's profile and, when production has a
 * reference profile, a profile on its bins for drift.
 *
 * @example const { report, drift } = await validateDataFile(file, policy, production?.profile ?? null);
 */
export async function validateDataFile(file: string, policy: Policy, reference: DatasetProfile | null): Promise<ValidationResult> {
  const own = new ProfileBuilder();
  const onReferenceBins = reference ? new ProfileBuilder({ reference }) : null;
  const report = await checkContract(file, policy.contract, readOptionsFor(policy), {
    knownCategories: reference ? profileCategories(reference) : undefined,
    onChunk: (chunk) => {
      own.add(chunk);
      onReferenceBins?.add(chunk);
    },
  });
  const drift = report.passed && reference && onReferenceBins ? computeDrift(reference, onReferenceBins.finish(), policy.drift) : null;
  return { report, profile: own.finish(), drift };
}

/** A training run's resumable position: the checkpoint written after `epoch`. */
export interface CheckpointRef {
  epoch: number;
  sha256: string;
}

export interface TrainingInput {
  releaseId: string;
  dataSha256: string;
  policy: Policy;
  overrides: Record<string, unknown>;
  /** The checkpoint the last attempt reported in its heartbeat, if any. */
  fromHeartbeat?: CheckpointRef;
}

export interface TrainingOutcome {
  modelSha256: string;
  pipelineSha256: string;
  weightsSha256: string;
  backend: string;
  epochs: number;
  trainingConfigHash: string;
  resumedFromEpoch: number | null;
}

/**
 * Trains the candidate on the validated copy of the data in the artifact store, writing a checkpoint
 * per epoch (and a pointer to the latest), so a retried attempt resumes where the last one stopped.
 *
 * @example const out = await trainCandidateModel(input, artifacts, (p) => heartbeat(p));
 */
export async function trainCandidateModel(
  input: TrainingInput,
  artifacts: ArtifactStore,
  onProgress: (progress: { checkpoint?: CheckpointRef; epoch: number; loss: number; valLoss?: number }) => void,
): Promise<TrainingOutcome> {
  const config = parseTrainingConfig({ ...input.policy.training, task: policyTask(input.policy), ...input.overrides });
  const { table, sha256 } = await loadModelTable(artifacts.path(input.dataSha256), input.policy);
  if (sha256 !== input.dataSha256) {
    throw new StewardError('ArtifactIntegrity', `training data ${input.dataSha256} has been altered in the artifact store (its bytes hash to ${sha256})`);
  }
  // Resume from the later of: the last heartbeat's checkpoint, and the checkpoint pointer in the
  // artifact store (heartbeats are throttled, so the pointer can be newer).
  const refName = `checkpoint-${input.releaseId}`;
  const fromRef = await artifacts.getRef<CheckpointRef>(refName);
  const resume = [input.fromHeartbeat, fromRef].filter((r): r is CheckpointRef => !!r?.sha256).sort((a, b) => b.epoch - a.epoch)[0];
  const checkpoint = resume ? await artifacts.get(resume.sha256) : undefined;
  let latest: CheckpointRef | undefined = resume;
  const result = await trainClassifier({
    table,
    config,
    checkpoint,
    onCheckpoint: async (bytes, epoch) => {
      latest = { epoch, sha256: await artifacts.put(bytes) };
      await artifacts.setRef(refName, { ...latest });
    },
    onEpoch: (report) => onProgress({ checkpoint: latest, epoch: report.epoch, loss: report.loss, valLoss: report.valLoss }),
  });
  return {
    modelSha256: await artifacts.put(result.modelBytes),
    pipelineSha256: await artifacts.put(Buffer.from(JSON.stringify(result.pipeline.toJSON()))),
    weightsSha256: result.weightsSha256,
    backend: result.backend.name,
    epochs: result.epochsRun,
    trainingConfigHash: result.configSha256,
    resumedFromEpoch: resume?.epoch ?? null,
  };
}

/** Importance re-scores the data (features x repeats) times: a seeded sample keeps it to seconds while the ranking is stable. */
const IMPORTANCE_ROWS = 4000;

export interface EvaluationInput {
  model: string;
  releaseId: string;
  createdAt: string;
  evaluationFile: string;
  policy: Policy;
  candidateModelSha256: string;
  production: { version: number; modelSha256: string } | null;
}

/**
 * The evaluation suite for a candidate on the held-out file: metrics with bootstrap intervals,
 * regression against production on the same rows (paired tests), fairness per protected attribute
 * and intersection, permutation importance (and its change against production), latency and size,
 * and the gate's verdict.
 *
 * @example const bundle = await evaluateCandidateModel(input, artifacts);
 */
export async function evaluateCandidateModel(input: EvaluationInput, artifacts: ArtifactStore): Promise<EvaluationBundle> {
  const { policy } = input;
  const config = policy.evaluation;
  const data = await loadModelTable(input.evaluationFile, policy);
  const profileBuilder = new ProfileBuilder();
  profileBuilder.add(data.chunk);
  const candidateBytes = await artifacts.get(input.candidateModelSha256);
  // Binary models trained here keep their own path; every other model is scored through the scoring interface.
  if (policyTask(policy) !== 'binary' || candidateBytes.subarray(0, 8).toString('latin1') !== MODEL_MAGIC) {
    return evaluateAnyModel(input, artifacts, data, profileBuilder);
  }

  const candidate = await loadModel(candidateBytes);
  const baseline: LoadedModel | undefined = input.production ? await loadModel(await artifacts.get(input.production.modelSha256)) : undefined;
  try {
    const labels = labelsFromTable(data.table, policy.data.label);
    const scores = predictProba(candidate.model, candidate.pipeline, data.table);
    const baselineScores = baseline ? predictProba(baseline.model, baseline.pipeline, data.table) : undefined;

    const groups = protectedGroups(policy, data.table);
    const evaluation = evaluateClassifier({ labels, scores, groups, baselineScores, config });
    const production =
      input.production && baselineScores
        ? { version: input.production.version, metrics: headlineMetrics(evaluateClassifier({ labels, scores: baselineScores, config: { ...config, resamples: 1 } })) }
        : null;

    const features = candidate.pipeline.inputColumns;
    const importanceOptions = { metric: 'rocAuc' as const, repeats: 3, seed: config.seed, features };
    const sample = data.rows > IMPORTANCE_ROWS ? sampleIndices(createRng(config.seed), data.rows, IMPORTANCE_ROWS) : null;
    const table: Table = sample ? selectRows(data.table, sample) : data.table;
    const importanceLabels = sample ? Uint8Array.from(sample, (i) => labels[i]) : labels;
    const predictWith = (m: LoadedModel) => (t: Table) => predictProba(m.model, m.pipeline, t);
    const importance = await permutationImportance(predictWith(candidate), table, importanceLabels, importanceOptions);
    const importanceChange = baseline
      ? compareImportance(
          importance,
          await permutationImportance(predictWith(baseline), table, importanceLabels, {
            ...importanceOptions,
            features: features.filter((f) => baseline.pipeline.inputColumns.includes(f)),
          }),
        )
      : null;
    const latency = await measureLatency(candidate.model, candidate.pipeline, data.table, { singleRuns: 200, batchSize: 256 });

    const checks = [...evaluationChecks(evaluation, input.production), ...budgetChecks(policy, latency)];

    return {
      ...evaluatedData(input, data, profileBuilder),
      evaluation,
      importance,
      importanceChange,
      latency,
      production,
      gate: releaseGate(checks),
    };
  } finally {
    candidate.model.dispose();
    baseline?.model.dispose();
  }
}

/**
 * Each protected attribute as a column of text, the form fairness and the gate's slices take; an
 * absent value is a group of its own, so the rows without it are still seen.
 */
function protectedGroups(policy: Policy, table: Table): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  for (const attribute of policy.data.protectedAttributes) {
    groups[attribute] = Array.from(table[attribute] as ArrayLike<unknown>, (v) => (v === null || v === undefined ? '(missing)' : String(v)));
  }
  return groups;
}

/** What a bundle records of the release and of the evaluation file, whatever the model's task. */
function evaluatedData(input: EvaluationInput, data: ModelTable, profileBuilder: ProfileBuilder) {
  return {
    model: input.model,
    releaseId: input.releaseId,
    createdAt: input.createdAt,
    evaluationFile: input.evaluationFile,
    evaluationSha256: data.sha256,
    evaluationRows: data.rows,
    evaluationProfile: profileBuilder.finish(),
  };
}

/** The checks the evaluation gives every task: the regression gate against production and fairness per attribute. */
function evaluationChecks(
  evaluation: { regression?: { pass: boolean; failures: string[] }; fairness?: { attributes: { name: string; judged: boolean; pass: boolean; failures: string[] }[] } },
  production: { version: number } | null,
): GateCheck[] {
  const checks: GateCheck[] = [];
  if (evaluation.regression) {
    checks.push({ name: `regression vs production v${production!.version}`, verdict: evaluation.regression.pass ? 'pass' : 'fail', detail: evaluation.regression.failures.join('; ') || undefined });
  }
  if (evaluation.fairness) {
    for (const a of evaluation.fairness.attributes) {
      checks.push({ name: `fairness: ${a.name}`, verdict: !a.judged ? 'inconclusive' : a.pass ? 'pass' : 'fail', detail: a.failures.join('; ') || undefined });
    }
  }
  return checks;
}

/** The gate's verdict: it passes when no check fails (an inconclusive check does not block), with each failure as a reason. */
function releaseGate(checks: GateCheck[]): EvaluationBundle['gate'] {
  const reasons = checks.filter((c) => c.verdict === 'fail').map((c) => `${c.name}${c.detail ? `: ${c.detail}` : ''}`);
  return { passed: reasons.length === 0, reasons, checks };
}

/** Budgets checks shared by every task: latency and size against the policy's budgets. */
function budgetChecks(policy: Policy, latency: { single: { p99: number }; batch: { p99: number }; modelSizeBytes: number }): GateCheck[] {
  const checks: GateCheck[] = [];
  const b = policy.budgets;
  const budget = (name: string, value: number, limit: number | undefined, unit: string) => {
    if (limit !== undefined) checks.push({ name, verdict: value <= limit ? 'pass' : 'fail', detail: `${value.toFixed(2)} ${unit} (budget ${limit} ${unit})` });
  };
  budget('single-row p99 latency', latency.single.p99, b.singleRowP99Ms, 'ms');
  budget('batch p99 latency', latency.batch.p99, b.batchP99Ms, 'ms');
  budget('model size', latency.modelSizeBytes, b.modelSizeBytes, 'bytes');
  return checks;
}

/**
 * The evaluation suite through the scoring interface (lib/model/scoring.ts): regressors, multiclass
 * classifiers and imported models of any task. Binary models trained here keep the path above.
 */
async function evaluateAnyModel(input: EvaluationInput, artifacts: ArtifactStore, data: ModelTable, profileBuilder: ProfileBuilder): Promise<EvaluationBundle> {
  const { policy } = input;
  const config = policy.evaluation;
  const task = policyTask(policy);
  const candidate = await loadScoringModel(await artifacts.get(input.candidateModelSha256));
  const baseline: ScoringModel | undefined = input.production ? await loadScoringModel(await artifacts.get(input.production.modelSha256)) : undefined;
  try {
    if (candidate.task !== task) {
      throw new StewardError('InvalidArtifact', `the candidate is a ${candidate.task} model but the policy of ${input.model} declares task "${task}"`, { field: 'task' });
    }
    const groups = protectedGroups(policy, data.table);
    const labelColumn = policy.data.label.column;
    const predictions = await candidate.predict(data.table);
    // A production model of another task (the policy changed task) is not a baseline to compare with.
    const comparable = baseline && baseline.task === task && baseline.outputWidth === candidate.outputWidth ? baseline : undefined;
    const baselinePredictions = comparable ? await comparable.predict(data.table) : undefined;

    const sample = data.rows > IMPORTANCE_ROWS ? sampleIndices(createRng(config.seed), data.rows, IMPORTANCE_ROWS) : null;
    const table: Table = sample ? selectRows(data.table, sample) : data.table;
    let evaluation;
    let production: EvaluationBundle['production'] = null;
    let score: ImportanceScore;
    if (task === 'regression') {
      const labels = targetsFromTable(data.table, labelColumn);
      evaluation = evaluateRegressor({ labels, predictions, groups, baselinePredictions, config });
      if (comparable && baselinePredictions) production = { version: input.production!.version, metrics: headlineMetrics(evaluateRegressor({ labels, predictions: baselinePredictions, config: { ...config, resamples: 1 } })) };
      const sampled = sample ? Float64Array.from(sample, (i) => labels[i]!) : labels;
      score = { name: 'mae', higherIsBetter: false, of: (p) => regressionMetrics(prepareRegression(sampled, p)).mae };
    } else if (task === 'multiclass') {
      const classes = candidate.classes ?? policy.training.features.label.classes!;
      const labels = classIndicesFromTable(data.table, labelColumn, classes);
      evaluation = evaluateMulticlassModel({ labels, classes, prediction: { probabilities: predictions }, groups, baseline: baselinePredictions ? { probabilities: baselinePredictions } : undefined, config });
      if (comparable && baselinePredictions) {
        production = { version: input.production!.version, metrics: headlineMetrics(evaluateMulticlassModel({ labels, classes, prediction: { probabilities: baselinePredictions }, config: { ...config, resamples: 1 } })) };
      }
      const sampled = sample ? Int32Array.from(sample, (i) => labels[i]!) : labels;
      score = { name: 'logLoss', higherIsBetter: false, of: (p) => multiclassMetrics(prepareMulticlass(sampled, { probabilities: p }, classes)).logLoss };
    } else {
      const labels = labelsFromTable(data.table, { column: labelColumn, positive: policy.data.label.positive! });
      evaluation = evaluateClassifier({ labels, scores: predictions, groups, baselineScores: baselinePredictions, config });
      if (comparable && baselinePredictions) production = { version: input.production!.version, metrics: headlineMetrics(evaluateClassifier({ labels, scores: baselinePredictions, config: { ...config, resamples: 1 } })) };
      const sampled = sample ? Uint8Array.from(sample, (i) => labels[i]!) : labels;
      score = { name: 'rocAuc', higherIsBetter: true, of: (p) => computeMetrics(prepareScores(sampled, p)).rocAuc };
    }

    const features = [...candidate.inputColumns];
    const importanceOptions = { score, repeats: 3, seed: config.seed, features };
    const importance = await permutationImportance((t) => candidate.predict(t), table, [], importanceOptions);
    const importanceChange = comparable
      ? compareImportance(importance, await permutationImportance((t) => comparable.predict(t), table, [], { ...importanceOptions, features: features.filter((f) => comparable.inputColumns.includes(f)) }))
      : null;
    const latency = await measureScoringLatency(candidate, data.table, { singleRuns: 200, batchSize: 256 });

    const checks: GateCheck[] = [];
    if (baseline && !comparable) {
      checks.push({ name: `regression vs production v${input.production!.version}`, verdict: 'inconclusive', detail: `production is a ${baseline.task} model with ${baseline.outputWidth} outputs: not comparable` });
    }
    checks.push(...evaluationChecks(evaluation, input.production), ...budgetChecks(policy, latency));
    return {
      ...evaluatedData(input, data, profileBuilder),
      evaluation,
      candidate: { format: candidate.format, runtime: candidate.runtime, ...(candidate.imported ? { imported: candidate.imported } : {}) },
      importance,
      importanceChange,
      latency,
      production,
      gate: releaseGate(checks),
    };
  } finally {
    await candidate.dispose();
    await baseline?.dispose();
  }
}

export interface ImportInput {
  model: string;
  /** The .onnx file or TF.js model.json (or their folder). */
  artifact: string;
  origin: string | null;
  /** Rows of this file are scored once, so a model that cannot score the model's data is refused now. */
  evaluationFile: string;
  policy: Policy;
}

/** Rows scored by the import check. */
const IMPORT_CHECK_ROWS = 64;

/**
 * Brings a model trained elsewhere into the artifact store as the release's candidate: its files and
 * declared inputs packed into one container, opened by its runtime and made to score rows of the
 * evaluation file, so a corrupt file, a wrong input width, an unknown operator or layer, or outputs
 * that do not fit the policy's task are refused (`InvalidArtifact`) before anything is registered.
 *
 * @example const candidate = await importCandidateModel({ model, artifact: '/models/bike.onnx', origin: 'git:3f2c1ab', evaluationFile, policy }, artifacts);
 */
export async function importCandidateModel(input: ImportInput, artifacts: ArtifactStore): Promise<Omit<TrainedCandidate, 'taskQueue' | 'attempt' | 'trainingSeconds'>> {
  const { policy } = input;
  const task = policyTask(policy);
  const read = readImportArtifact(input.artifact, policy.import);
  const { bytes, artifact } = packImportedModel({ ...read, task, classes: policy.training.features.label.classes, origin: input.origin });
  const model = await loadScoringModel(bytes);
  try {
    const data = await loadModelTable(input.evaluationFile, policy);
    const rows = Array.from({ length: Math.min(IMPORT_CHECK_ROWS, data.rows) }, (_, i) => i);
    const scored = await model.predict(selectRows(data.table, rows));
    if (scored.length !== rows.length * model.outputWidth || scored.some((v) => !Number.isFinite(v))) {
      throw new StewardError('InvalidArtifact', `the model gave ${scored.length} values for ${rows.length} rows of the evaluation file, some not finite numbers`, { file: input.artifact });
    }
    return {
      modelSha256: await artifacts.put(bytes),
      pipelineSha256: await artifacts.put(Buffer.from(JSON.stringify(read.spec))),
      weightsSha256: artifact.sha256,
      backend: model.runtime,
      epochs: 0,
      trainingConfigHash: importSpecHash(read.spec),
      resumedFromEpoch: null,
      imported: artifact,
    };
  } finally {
    await model.dispose();
  }
}
