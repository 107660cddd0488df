/** Activity interfaces as the workflow sees them (imported as types only). */
import type { createControlActivities } from './index';
import type { IncidentActivities } from './incidents';
import type { MonitoringActivities } from './monitoring';
import type { RolloutActivities } from './rollout';
import type { createTrainingActivities } from './training';

export type { RolloutActivities } from './rollout';
export type { MonitoringActivities } from './monitoring';
export type { IncidentActivities } from './incidents';
export type ControlActivities = ReturnType<typeof createControlActivities>;
/** The control activities of the release workflow (its workflow tests stub exactly these). */
export type ReleaseControlActivities = Omit<ControlActivities, keyof RolloutActivities | keyof MonitoringActivities | keyof IncidentActivities>;
export type TrainingActivities = ReturnType<typeof createTrainingActivities>;
