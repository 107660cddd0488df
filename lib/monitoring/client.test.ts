import { describe, expect, it } from 'vitest';
import { monitorSettingsFor } from './client';
import { parseMonitoringPolicy } from './policy';
import { monitorSettingsSchema } from './types';

describe("a monitor's settings", () => {
  const monitoring = parseMonitoringPolicy({ window: { every: '7d', predictions: 336 }, budgets: { latencyP99Ms: 50, errorRate: 0.01 }, drift: { predictionPsi: 0.3 } });

  it("come from the policy's monitoring section when the caller gives none", () => {
    const settings = monitorSettingsSchema.parse(monitorSettingsFor(monitoring, {}));
    expect(settings).toMatchObject({ window: 7 * 86_400_000, windowPredictions: 336, budgets: { latencyP99Ms: 50, errorRate: 0.01 }, predictionDriftThreshold: 0.3 });
  });

  it('take what the caller gives over the policy, budget by budget', () => {
    const settings = monitorSettingsSchema.parse(monitorSettingsFor(monitoring, { window: 600_000, budgets: { latencyP99Ms: 20 } }));
    expect(settings).toMatchObject({ window: 600_000, windowPredictions: 336, budgets: { latencyP99Ms: 20, errorRate: 0.01 } });
  });

  it("are the caller's alone for a policy without a monitoring section", () => {
    expect(monitorSettingsFor(undefined, { window: 60_000 })).toEqual({ window: 60_000 });
  });
});
