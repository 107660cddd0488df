/**
 * Activities are factories over their dependencies: the control worker wires the database and the
 * artifact store; tests wire the same real things (a test database, a temp folder).
 */
import { createDataActivities } from './data';
import type { ActivityDeps } from './deps';
import { createEvaluationActivities } from './evaluation';
import { createImportActivities } from './import';
import { createIncidentActivities } from './incidents';
import { createMonitoringActivities } from './monitoring';
import { createReleaseActivities } from './release';
import { createRolloutActivities } from './rollout';

export type { ActivityDeps } from './deps';
export { createTrainingActivities } from './training';

/** Everything the control task queue serves. */
export function createControlActivities(deps: ActivityDeps) {
  return { ...createReleaseActivities(deps), ...createDataActivities(deps), ...createEvaluationActivities(deps), ...createRolloutActivities(deps), ...createImportActivities(deps), ...createMonitoringActivities(deps), ...createIncidentActivities(deps) };
}
