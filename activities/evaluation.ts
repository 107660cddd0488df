/**
 * The evaluation suite for a candidate, on the policy's held-out file: metrics with bootstrap
 * intervals, regression against the production version on the same rows (paired tests), fairness per
 * protected attribute and intersection, permutation importance (and its change against production),
 * latency and size. The report and the model card are stored content-addressed with the version.
 */
import { jsonBytes } from '../lib/registry/artifacts';
import { ProfileBuilder } from '../lib/drift/profile';
import { loadModelTable } from '../lib/policy/io';
import { headlineMetrics, type EvaluationBundle, type GateCheck } from '../lib/release/evidence';
import { sampleIndices, createRng } from '../lib/core/random';
import { compareImportance, evaluateClassifier, parseEvaluationConfig, permutationImportance } from '../lib/metrics';
import { selectRows, type Table } from '../lib/data/table';
import { labelsFromTable } from '../lib/model/features';
import { measureLatency, predictProba } from '../lib/model/predict';
import { loadModel } from '../lib/model/serialize';
import { parsePolicy } from '../lib/policy/schema';
import { getVersion } from '../lib/registry/models';
import type { EvaluationSummary, TrainedCandidate } from '../lib/release/types';
import type { ActivityDeps } from './deps';
import { withFailureTypes } from './failures';

const IMPORTANCE_ROWS = 4000;

export function createEvaluationActivities(deps: ActivityDeps) {
  const { db, artifacts, clock = () => new Date() } = deps;
  return {
    async evaluateCandidate(args: {
      releaseId: string;
      model: string;
      candidate: TrainedCandidate;
      evaluationFile: string;
      productionVersion: number | null;
      policy: unknown;
    }): Promise<EvaluationSummary> {
      return withFailureTypes(async () => {
        const policy = parsePolicy(args.policy, `policy of ${args.model}`);
        const config = parseEvaluationConfig(policy.evaluation);
        const data = await loadModelTable(args.evaluationFile, policy);
        const profileBuilder = new ProfileBuilder();
        profileBuilder.add(data.chunk);

        const candidate = await loadModel(await artifacts.get(args.candidate.modelSha256));
        const labels = labelsFromTable(data.table, policy.data.label);
        const scores = predictProba(candidate.model, candidate.pipeline, data.table);

        let production: EvaluationBundle['production'] = null;
        let baselineScores: Float64Array | undefined;
        let baseline: Awaited<ReturnType<typeof loadModel>> | undefined;
        if (args.productionVersion !== null) {
          const prod = await getVersion(db, args.model, args.productionVersion);
          baseline = await loadModel(await artifacts.get(prod.modelSha256));
          baselineScores = predictProba(baseline.model, baseline.pipeline, data.table);
        }

        const groups: Record<string, string[]> = {};
        for (const attribute of policy.data.protectedAttributes) {
          const column = data.table[attribute];
          groups[attribute] = Array.from(column as ArrayLike<unknown>, (v) => (v === null || v === undefined ? '(missing)' : String(v)));
        }
        const evaluation = evaluateClassifier({ labels, scores, groups, baselineScores, config });
        if (baselineScores) {
          const prodReport = evaluateClassifier({ labels, scores: baselineScores, config: { ...config, resamples: 1 } });
          production = { version: args.productionVersion!, metrics: headlineMetrics(prodReport) };
        }

        const features = candidate.pipeline.inputColumns;
        const importanceOptions = { metric: 'rocAuc' as const, repeats: 3, seed: config.seed, features };
        // Importance re-scores the data (features x repeats) times: a seeded sample of at most
        // IMPORTANCE_ROWS rows keeps it to seconds while the ranking is stable.
        const sample = data.rows > IMPORTANCE_ROWS ? sampleIndices(createRng(config.seed), data.rows, IMPORTANCE_ROWS) : null;
        const table: Table = sample ? selectRows(data.table, sample) : data.table;
        const importanceLabels = sample ? Uint8Array.from(sample, (i) => labels[i]) : labels;
        const predictWith = (m: typeof candidate) => (t: Table) => predictProba(m.model, m.pipeline, t);
        const importance = await permutationImportance(predictWith(candidate), table, importanceLabels, importanceOptions);
        const importanceChange = baseline
          ? compareImportance(
              importance,
              await permutationImportance(predictWith(baseline), table, importanceLabels, {
                ...importanceOptions,
                features: features.filter((f) => baseline!.pipeline.inputColumns.includes(f)),
              }),
            )
          : null;
        const latency = await measureLatency(candidate.model, candidate.pipeline, data.table, { singleRuns: 200, batchSize: 256 });

        const checks: GateCheck[] = [];
        if (evaluation.regression) {
          checks.push({ name: `regression vs production v${args.productionVersion}`, verdict: evaluation.regression.pass ? 'pass' : 'fail', detail: evaluation.regression.failures.join('; ') || undefined });
        }
        if (evaluation.fairness) {
          for (const a of evaluation.fairness.attributes) {
            checks.push({ name: `fairness: ${a.name}`, verdict: !a.judged ? 'inconclusive' : a.pass ? 'pass' : 'fail', detail: a.failures.join('; ') || undefined });
          }
        }
        const b = policy.budgets;
        const budget = (name: string, value: number, limit: number | undefined, unit: string) => {
          if (limit !== undefined) checks.push({ name, verdict: value <= limit ? 'pass' : 'fail', detail: `${value.toFixed(2)} ${unit} (budget ${limit} ${unit})` });
        };
        budget('single-row p99 latency', latency.single.p99, b.singleRowP99Ms, 'ms');
        budget('batch p99 latency', latency.batch.p99, b.batchP99Ms, 'ms');
        budget('model size', latency.modelSizeBytes, b.modelSizeBytes, 'bytes');
        const reasons = checks.filter((c) => c.verdict === 'fail').map((c) => `${c.name}${c.detail ? `: ${c.detail}` : ''}`);

        const bundle: EvaluationBundle = {
          model: args.model,
          releaseId: args.releaseId,
          createdAt: clock().toISOString(),
          evaluationFile: args.evaluationFile,
          evaluationSha256: data.sha256,
          evaluationRows: data.rows,
          evaluationProfile: profileBuilder.finish(),
          evaluation,
          importance,
          importanceChange,
          latency,
          production,
          gate: { passed: reasons.length === 0, reasons, checks },
        };
        const reportSha256 = await artifacts.put(jsonBytes(bundle));
        return { reportSha256, metrics: headlineMetrics(evaluation), production: production?.metrics ?? null, gate: { passed: bundle.gate.passed, reasons } };
      });
    },
  };
}
