/**
 * Builds a version's model card from what Steward stored about it: the policy (intended use,
 * limitations), the evaluation bundle (metrics, fairness, regression, importance, latency), the
 * training data profile, the lineage on the version row and the sign-off decisions.
 */
import type { ModelCardInput } from './types';
import type { DatasetProfile } from '../drift/profile';
import type { EvaluationBundle } from '../release/evidence';
import type { DisparityMetric } from '../metrics';
import type { Policy } from '../policy/schema';
import type { DecisionKind, VersionLineage } from '../release/types';

const num = (x: number | undefined | null) => (x === undefined || x === null || !Number.isFinite(x) ? null : x);
const est = (e: { value: number; lower: number; upper: number }) => ({ value: num(e.value), low: num(e.lower), high: num(e.upper) });

function summarise(fileName: string, sha256: string, profile: DatasetProfile) {
  return {
    fileName,
    sha256,
    rows: profile.rows,
    columns: profile.columns.map((c) =>
      c.kind === 'number'
        ? { name: c.name, type: 'numeric' as const, missingShare: c.rows ? c.missing / c.rows : 0, mean: num(c.mean), std: num(c.std), min: num(c.min), max: num(c.max) }
        : {
            name: c.name,
            type: 'categorical' as const,
            missingShare: c.rows ? c.missing / c.rows : 0,
            distinct: c.categories.length,
            topCategories: c.categories.slice(0, 5).map((v, i) => ({ value: v, share: c.count ? c.counts[i] / c.count : 0 })),
          },
    ),
  };
}

const gapSource: Record<DisparityMetric, { metric: 'selectionRate' | 'tpr' | 'fpr'; kind: 'difference' | 'ratio' } | undefined> = {
  demographicParityDifference: { metric: 'selectionRate', kind: 'difference' },
  demographicParityRatio: { metric: 'selectionRate', kind: 'ratio' },
  equalizedOddsDifference: { metric: 'tpr', kind: 'difference' },
  equalOpportunityDifference: { metric: 'tpr', kind: 'difference' },
  disparateImpactRatio: { metric: 'selectionRate', kind: 'ratio' },
};

export interface CardSources {
  policy: Policy;
  version: number;
  createdAt: Date;
  bundle: EvaluationBundle;
  training: { fileName: string; sha256: string; profile: DatasetProfile | null };
  lineage: VersionLineage;
  approvals: Array<{ principal: string; decision: DecisionKind; comment: string; at: string }>;
}

/** @example const card = buildModelCardInput(sources); renderModelCardHtml(card); */
export function buildModelCardInput(s: CardSources): ModelCardInput {
  const { bundle, policy } = s;
  const ev = bundle.evaluation;
  const lineage = s.lineage;
  const card: ModelCardInput = {
    name: policy.model,
    version: `v${s.version}`,
    createdAt: s.createdAt.toISOString(),
    description: policy.description || undefined,
    intendedUse: policy.intendedUse,
    outOfScopeUses: policy.outOfScope,
    trainingData: s.training.profile ? summarise(s.training.fileName, s.training.sha256, s.training.profile) : undefined,
    evaluationData: summarise(bundle.evaluationFile.split('/').pop() ?? bundle.evaluationFile, bundle.evaluationSha256, bundle.evaluationProfile),
    metrics: Object.entries(ev.metrics.metrics).map(([name, e]) => ({ name, ...est(e) })),
    // Steward's own models give probabilities; an evaluation of other scores has no calibration.
    calibration: ev.metrics.calibration
      ? {
          bins: ev.metrics.calibration.points.map((p) => ({ low: p.binLower, high: p.binUpper, meanPredicted: num(p.meanPredicted), observed: num(p.fractionPositive), count: p.count })),
          ece: num(ev.metrics.metrics.ece?.value),
          brier: num(ev.metrics.metrics.brier?.value),
        }
      : { bins: [], note: `Not evaluated: ${ev.metrics.notes.join('; ')}.` },
    featureImportance: {
      metric: bundle.importance.metric,
      repeats: bundle.importance.repeats,
      features: bundle.importance.features.map((f) => ({
        feature: f.feature,
        mean: num(f.mean),
        std: num(f.std),
        deltaVsProduction: bundle.importanceChange ? num(bundle.importanceChange.find((c) => c.feature === f.feature)?.delta) : undefined,
      })),
    },
    latency: {
      single: { p50: num(bundle.latency.single.p50), p95: num(bundle.latency.single.p95), p99: num(bundle.latency.single.p99) },
      batch: { size: bundle.latency.batch.batchSize, p50: num(bundle.latency.batch.p50), p95: num(bundle.latency.batch.p95), p99: num(bundle.latency.batch.p99) },
      modelSizeBytes: bundle.latency.modelSizeBytes,
      environment: `TensorFlow.js ${bundle.latency.backend} backend on the worker that ran the evaluation (control task queue)`,
    },
    limitations: policy.limitations,
    lineage: {
      trainingDataSha256: s.training.sha256,
      evaluationDataSha256: bundle.evaluationSha256,
      codeVersion: lineage.codeVersion ?? '',
      trainingConfigSha256: lineage.trainingConfigHash || undefined,
      policySha256: lineage.policyHash || undefined,
      parentVersion: lineage.parentVersion === null || lineage.parentVersion === undefined ? null : `v${lineage.parentVersion}`,
      backend: lineage.backend || undefined,
    },
    approvals: s.approvals.map((a) => ({ principal: a.principal, decision: a.decision, comment: a.comment || undefined, at: a.at })),
    gate: { verdict: bundle.gate.passed ? 'pass' : 'fail', checks: bundle.gate.checks, decidedAt: bundle.createdAt },
  };
  if (ev.fairness) {
    card.fairness = ev.fairness.attributes.map((a) => ({
      attributes: a.attributes,
      minGroupSize: ev.fairness!.minGroupSize,
      groups: a.groups.map((g) => ({ group: g.key, size: g.size, judged: g.judged, selectionRate: est(g.selectionRate), tpr: est(g.tpr), fpr: est(g.fpr) })),
      gaps: (Object.entries(a.disparities) as Array<[DisparityMetric, (typeof a.disparities)[DisparityMetric]]>)
        .filter(([, d]) => d.threshold !== null)
        .map(([name, d]) => ({
          name,
          metric: gapSource[name]!.metric,
          kind: gapSource[name]!.kind,
          value: num(d.value),
          low: num(d.lower),
          high: num(d.upper),
          threshold: d.threshold!,
          verdict: d.pass === null ? ('inconclusive' as const) : d.pass ? ('pass' as const) : ('fail' as const),
        })),
    }));
  }
  if (ev.regression && bundle.production) {
    card.regression = {
      productionVersion: `v${bundle.production.version}`,
      comparisons: ev.regression.rows
        .filter((r) => r.slice === 'overall')
        .map((r) => ({
          metric: r.metric,
          candidate: num(r.candidate),
          production: num(r.baseline),
          difference: num(r.candidate - r.baseline),
          budget: r.allowed,
          pValue: num(r.pValue),
          verdict: !r.judged ? ('inconclusive' as const) : r.pass ? ('pass' as const) : ('fail' as const),
        })),
    };
  }
  return card;
}
