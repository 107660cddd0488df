/**
 * Replicas needed for a request rate, from a measured per-replica curve (bench:serve writes it):
 * the highest rate one replica sustained within the p99 target, interpolated between the last
 * measured rate that met it and the first that did not (never beyond the highest measured rate),
 * then one replica more than the rate needs (N+1: a replica can fail or be redeployed).
 *
 * Pure module.
 */
import { z } from 'zod';

export const capacityCurveSchema = z.object({
  measuredAt: z.string(),
  machine: z.string(),
  points: z
    .array(z.object({ offeredRps: z.number().positive(), achievedRps: z.number().min(0), p99Ms: z.number(), non2xx: z.number().min(0), errors: z.number().min(0) }))
    .min(1),
});
export type CapacityCurve = z.infer<typeof capacityCurveSchema>;

export interface CapacityPlan {
  /** Highest rate one replica serves within the target (requests per second). */
  perReplicaRps: number;
  /** True when even the highest measured rate met the target: the replica may do more than measured. */
  atLeast: boolean;
  /** Replicas the rate needs, and with one spare (N+1). */
  needed: number;
  replicas: number;
}

/** A point meets the target when its p99 is within it, nothing failed, and it kept up with the offered rate. */
const meets = (p: CapacityCurve['points'][number], p99Ms: number) => p.p99Ms <= p99Ms && p.non2xx + p.errors === 0 && p.achievedRps >= 0.95 * p.offeredRps;

/**
 * @example planCapacity(curve, { rps: 2500, p99Ms: 5 }) // { perReplicaRps: 1000, needed: 3, replicas: 4, ... }
 */
export function planCapacity(curve: CapacityCurve, target: { rps: number; p99Ms: number }): CapacityPlan | null {
  const points = [...curve.points].sort((a, b) => a.offeredRps - b.offeredRps);
  let best: number | null = null;
  let atLeast = false;
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    if (!meets(p, target.p99Ms)) {
      const prev = points[i - 1];
      // Between a rate that met the target and one that did not: where p99 crosses it, if it rises.
      if (prev && meets(prev, target.p99Ms) && p.p99Ms > prev.p99Ms && p.p99Ms > target.p99Ms) {
        best = prev.offeredRps + ((target.p99Ms - prev.p99Ms) / (p.p99Ms - prev.p99Ms)) * (p.offeredRps - prev.offeredRps);
      }
      break;
    }
    best = p.offeredRps;
    atLeast = i === points.length - 1;
  }
  if (best === null || best <= 0) return null;
  const needed = Math.max(1, Math.ceil(target.rps / best));
  return { perReplicaRps: best, atLeast, needed, replicas: needed + 1 };
}
