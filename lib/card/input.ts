/**
 * Builds a version's model card from what Steward stored about it: the policy (intended use,
 * limitations), the evaluation bundle (metrics, fairness, regression, importance, latency), the
 * training data profile, the lineage on the version row and the sign-off decisions.
 */
import type { ModelCardInput } from './types';
import type { DatasetProfile } from '../drift/profile';
import type { EvaluationBundle } from '../release/evidence';
import type { DisparityMetric, EvaluationReport, MulticlassEvaluationReport, RegressorEvaluationReport, TaskFairnessReport } from '../metrics';
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
  const { bundle } = s;
  const report = bundle.evaluation;
  const card = buildCommon(s);
  if (report.task === 'regression' || report.task === 'multiclass') return { ...card, ...taskSections(report, bundle.production?.version) };
  return { ...card, ...binarySections(s, report as EvaluationReport) };
}

const gapVerdict = (pass: boolean | null) => (pass === null ? null : pass ? ('pass' as const) : ('fail' as const));

function taskFairness(f: TaskFairnessReport): NonNullable<ModelCardInput['taskFairness']> {
  return f.attributes.map((a) => ({
    attributes: a.attributes,
    minGroupSize: f.minGroupSize,
    groups: a.groups.map((g) => ({ group: g.key, size: g.size, judged: g.judged, stats: Object.fromEntries(Object.entries(g.stats).map(([k, e]) => [k, est(e)])) })),
    gaps: a.gaps.map((g) => ({ name: g.name, ...(g.class ? { class: g.class } : {}), value: num(g.value), low: num(g.lower), high: num(g.upper), threshold: g.threshold, verdict: a.judged ? gapVerdict(g.pass) : null })),
  }));
}

/** The sections of a regressor's or multiclass model's card: its metrics, residuals or classes, fairness, gate. */
function taskSections(ev: RegressorEvaluationReport | MulticlassEvaluationReport, productionVersion: number | undefined): Partial<ModelCardInput> {
  const out: Partial<ModelCardInput> = {
    task: ev.task,
    metrics: Object.entries(ev.metrics.metrics).map(([name, e]) => ({ name, ...est(e!) })),
    calibration: { bins: [], note: ev.task === 'regression' ? 'Not applicable: a regression model predicts values, not probabilities.' : 'Not evaluated for multiclass models: see log loss among the metrics.' },
  };
  if (ev.task === 'regression') {
    const r = ev.metrics.residuals;
    out.residuals = {
      summary: [
        ['mean (bias)', r.mean],
        ['standard deviation', r.std],
        ['minimum', r.min],
        ['5th percentile', r.p05],
        ['25th percentile', r.p25],
        ['median', r.median],
        ['75th percentile', r.p75],
        ['95th percentile', r.p95],
        ['maximum', r.max],
        ['median absolute error', r.medianAbsoluteError],
      ].map(([name, value]) => ({ name: name as string, value: num(value as number) })),
      bins: ev.metrics.predictedVsActual.bins.map((b) => ({ predictedLow: num(b.predictedLow), predictedHigh: num(b.predictedHigh), meanPredicted: num(b.meanPredicted), meanActual: num(b.meanActual), count: b.count })),
      points: ev.metrics.predictedVsActual.points.filter((p) => Number.isFinite(p.predicted) && Number.isFinite(p.actual)),
    };
  } else {
    out.classes = {
      classes: ev.metrics.classes,
      perClass: ev.metrics.perClass.map((c) => ({ class: c.class, support: c.support, predicted: c.predicted, precision: est(c.precision), recall: est(c.recall), f1: est(c.f1) })),
      confusion: ev.metrics.confusion,
    };
  }
  if (ev.fairness) out.taskFairness = taskFairness(ev.fairness);
  if (ev.regression && productionVersion !== undefined) out.regression = { productionVersion: `v${productionVersion}`, comparisons: regressionComparisons(ev.regression) };
  return out;
}

function regressionComparisons(r: NonNullable<EvaluationReport['regression']>) {
  return r.rows
    .filter((x) => x.slice === 'overall')
    .map((x) => ({
      metric: x.metric,
      candidate: num(x.candidate),
      production: num(x.baseline),
      difference: num(x.candidate - x.baseline),
      budget: x.allowed,
      pValue: num(x.pValue),
      verdict: !x.judged ? ('inconclusive' as const) : x.pass ? ('pass' as const) : ('fail' as const),
    }));
}

/** What every card shows whatever the task: identity, data, importance, latency, lineage, sign-off, gate. */
function buildCommon(s: CardSources): ModelCardInput {
  const { bundle, policy } = s;
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
    ...(bundle.candidate ? { source: { format: bundle.candidate.format, runtime: bundle.candidate.runtime, ...(bundle.candidate.imported ? { imported: bundle.candidate.imported } : {}) } } : {}),
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
      environment: bundle.candidate
        ? `${bundle.latency.backend} on the worker that ran the evaluation (control task queue)`
        : `TensorFlow.js ${bundle.latency.backend} backend on the worker that ran the evaluation (control task queue)`,
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
  return card;
}

/** A binary classifier's sections (the card as before tasks). */
function binarySections(s: CardSources, ev: EvaluationReport): Partial<ModelCardInput> {
  const { bundle } = s;
  const card: Partial<ModelCardInput> = {
    metrics: Object.entries(ev.metrics.metrics).map(([name, e]) => ({ name, ...est(e) })),
    // Steward's own models give probabilities; an evaluation of other scores has no calibration.
    calibration: ev.metrics.calibration
      ? {
          bins: ev.metrics.calibration.points.map((p) => ({ low: p.binLower, high: p.binUpper, meanPredicted: num(p.meanPredicted), observed: num(p.fractionPositive), count: p.count })),
          ece: num(ev.metrics.metrics.ece?.value),
          brier: num(ev.metrics.metrics.brier?.value),
        }
      : { bins: [], note: `Not evaluated: ${ev.metrics.notes.join('; ')}.` },
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
    card.regression = { productionVersion: `v${bundle.production.version}`, comparisons: regressionComparisons(ev.regression) };
  }
  return card;
}
