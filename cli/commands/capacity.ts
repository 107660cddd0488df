/** `steward capacity`: replicas needed for a request rate, from the measured per-replica curve, and the peak seen in the log. */
import { defineCommand } from '../command';

export const capacity = defineCommand({
  name: 'capacity',
  summary: 'gateway replicas needed for a request rate (N+1), from the measured curve; the peak rate seen in the log',
  details: [
    'The per-replica curve is what `npm run bench:serve` measured on this machine ($STEWARD_HOME/capacity.json, or',
    '--curve). A replica counts up to the highest rate it served within the p99 target without errors; one replica is',
    "added for headroom (N+1). The observed peak is the busiest second of the model's served predictions in the log",
    '(scaled up by the logging sampling rate) over --since.',
  ].join('\n'),
  positionals: [{ name: 'model', description: 'a registered model' }],
  flags: {
    rps: { type: 'number', min: 0.001, required: true, description: 'the request rate to plan for (requests per second)' },
    p99: { type: 'number', min: 0.001, placeholder: 'ms', description: 'latency target at the 99th percentile (default 5)' },
    curve: { type: 'path', description: 'a curve written by bench:serve (default $STEWARD_HOME/capacity.json)' },
    since: { type: 'duration', description: 'how far back to look for the peak (default 7d)' },
  },
  examples: ['steward capacity adult-income --rps 2500 --p99 5'],
  async run({ model, rps, p99, curve: curveFile, since }, ctx) {
    const [{ readFileSync, existsSync }, { join }, { StewardError }, { parseWith }, { capacityCurveSchema, planCapacity }, { getModel }, { peakRate }] = await Promise.all([
      import('node:fs'),
      import('node:path'),
      import('../../lib/core/errors'),
      import('../../lib/core/validation'),
      import('../../lib/serving/capacity'),
      import('../../lib/registry/models'),
      import('../../lib/serving/log-store'),
    ]);
    const file = curveFile ?? join(ctx.config.home, 'capacity.json');
    if (!existsSync(file)) throw new StewardError('NotFound', `no measured curve at ${file}: run \`npm run bench:serve\` on the serving machine (or pass --curve)`);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new StewardError('InvalidInput', `not readable JSON: ${(e as Error).message}`, { file });
    }
    const curve = parseWith(capacityCurveSchema, raw, { type: 'InvalidInput', what: 'capacity curve', file });
    const target = { rps, p99Ms: p99 ?? 5 };
    const plan = planCapacity(curve, target);
    const { db } = await ctx.database();
    const { policy } = await getModel(db, model);
    const lookBack = since ?? 7 * 86_400_000;
    const peak = await peakRate(db, model, new Date(Date.now() - lookBack), policy.logging.sampling);
    const result = { model, target, curve: { file, measuredAt: curve.measuredAt, machine: curve.machine }, plan, observedPeak: { ...peak, sinceDays: lookBack / 86_400_000 } };
    ctx.print(result, () =>
      [
        plan
          ? `${model}: ${plan.replicas} gateway replicas for ${rps} rps at p99 <= ${target.p99Ms} ms (${plan.needed} for the load + 1 spare; one replica serves ${plan.atLeast ? 'at least ' : ''}${Math.floor(plan.perReplicaRps)} rps)`
          : `${model}: no measured rate met p99 <= ${target.p99Ms} ms on this curve; a replica cannot meet that target here`,
        `curve: ${file}, measured ${curve.measuredAt} on ${curve.machine}`,
        `observed peak: ${peak.predictionsPerSecond.toFixed(1)} predictions/s${peak.at ? ` at ${peak.at}` : ''} over the last ${(lookBack / 86_400_000).toFixed(1)} days`,
      ].join('\n'),
    );
    return plan ? 0 : 1;
  },
});
