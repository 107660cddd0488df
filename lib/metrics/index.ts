/**
 * Model-agnostic evaluation: classification metrics with bootstrap intervals, fairness by group
 * and intersection, a statistically guarded regression gate, permutation importance, and the
 * audit of externally produced scores.
 *
 * @example
 *   import { evaluateClassifier, formatEvaluationReport } from '../metrics';
 *   console.log(formatEvaluationReport(evaluateClassifier({ labels, scores, groups: { sex } })));
 */
export * from './classification';
export * from './fairness';
export * from './regression';
export * from './importance';
export * from './external';
export * from './regressor';
export * from './multiclass';
export * from './group-fairness';
export * from './paired';
export * from './tasks';
export { percentile, estimate, type Estimate } from './bootstrap';
