import { describe, expect, it } from 'vitest';
import { planCapacity, type CapacityCurve } from './capacity';

const curve = (points: [number, number][]): CapacityCurve => ({
  measuredAt: '2026-11-03T10:00:00Z',
  machine: 'test',
  points: points.map(([offeredRps, p99Ms]) => ({ offeredRps, achievedRps: offeredRps, p99Ms, non2xx: 0, errors: 0 })),
});

describe('planCapacity', () => {
  it('sizes from the highest rate within the p99 target, plus one spare replica (N+1)', () => {
    const plan = planCapacity(curve([[100, 1.2], [500, 2], [1000, 4.5]]), { rps: 2500, p99Ms: 5 });
    expect(plan).toEqual({ perReplicaRps: 1000, atLeast: true, needed: 3, replicas: 4 });
  });

  it('interpolates where p99 crosses the target between two measured rates', () => {
    const plan = planCapacity(curve([[100, 1], [500, 3], [1000, 13]]), { rps: 1200, p99Ms: 5 });
    expect(plan?.perReplicaRps).toBeCloseTo(600);
    expect(plan).toMatchObject({ atLeast: false, needed: 2, replicas: 3 });
  });

  it('does not count a rate the replica did not keep up with or answered with errors', () => {
    const c = curve([[100, 1], [500, 2]]);
    c.points[1].achievedRps = 300;
    expect(planCapacity(c, { rps: 1000, p99Ms: 5 })).toMatchObject({ perReplicaRps: 100, replicas: 11 });
  });

  it('has no answer when even the lowest measured rate misses the target', () => {
    expect(planCapacity(curve([[100, 40]]), { rps: 100, p99Ms: 5 })).toBeNull();
  });
});
