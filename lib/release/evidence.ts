/**
 * The evidence for one candidate, as stored (content-addressed JSON) with its version: the evaluation
 * suite, permutation importance, latency, the data it was judged on and the gate's verdict. The model
 * card is rendered from it (plus approvals, which arrive later).
 */
import type { DatasetProfile } from '../drift/profile';
import type { EvaluationReport, ImportanceChange, ImportanceReport, TaskEvaluationReport } from '../metrics';
import { taskHeadlineMetrics } from '../metrics/tasks';
import type { ImportedArtifact } from '../model/imported';
import type { LatencyReport } from '../model/predict';

export interface GateCheck {
  name: string;
  verdict: 'pass' | 'fail' | 'inconclusive';
  detail?: string;
}

export interface EvaluationBundle {
  model: string;
  releaseId: string;
  createdAt: string;
  evaluationFile: string;
  evaluationSha256: string;
  evaluationRows: number;
  evaluationProfile: DatasetProfile;
  /** A binary, regression or multiclass report (`task`; absent in bundles stored before tasks: binary). */
  evaluation: TaskEvaluationReport;
  /** What the candidate is: trained here, or imported (format, runtime, declared origin). */
  candidate?: { format: string; runtime: string; imported?: ImportedArtifact };
  importance: ImportanceReport;
  importanceChange: ImportanceChange[] | null;
  latency: LatencyReport;
  production: { version: number; metrics: Record<string, number> } | null;
  gate: { passed: boolean; reasons: string[]; checks: GateCheck[] };
}

/**
 * The headline numbers kept on the version row and shown in the workflow's details. The calibration
 * ones are left out when the scores were not probabilities (Steward's own models always give
 * probabilities; reports of other scores may not).
 *
 * @example
 *   headlineMetrics(report); // { accuracy: 0.85, rocAuc: 0.9, prAuc: 0.75, f1: 0.66, logLoss: 0.33, brier: 0.1, ece: 0.01 }
 */
export function headlineMetrics(report: TaskEvaluationReport): Record<string, number> {
  if (report.task === 'regression' || report.task === 'multiclass') return taskHeadlineMetrics(report);
  const m = (report as EvaluationReport).metrics.metrics;
  return {
    accuracy: m.accuracy.value,
    rocAuc: m.rocAuc.value,
    prAuc: m.prAuc.value,
    f1: m.f1.value,
    ...(m.logLoss ? { logLoss: m.logLoss.value } : {}),
    ...(m.brier ? { brier: m.brier.value } : {}),
    ...(m.ece ? { ece: m.ece.value } : {}),
  };
}
