/** Activity interfaces as the workflow sees them (imported as types only). */
import type { createControlActivities } from './index';
import type { createTrainingActivities } from './training';

export type ControlActivities = ReturnType<typeof createControlActivities>;
export type TrainingActivities = ReturnType<typeof createTrainingActivities>;
