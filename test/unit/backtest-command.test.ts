import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createComputePool } from '../../activities/compute/pool';
import { runCli } from '../../cli/main';
import { parsePolicy } from '../../lib/policy/schema';
import { projectRoot, sharedDataDir } from '../../lib/runtime/paths';
import { tempFile } from '../support/temp-files';

async function steward(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: { STEWARD_HOME: join(import.meta.dirname, '.no-home') } });
  return { code, stdout, stderr };
}

// The first 3,000 rows of Elec2 and the elec2 policy with a tiny network, so training takes moments.
const lines = readFileSync(join(sharedDataDir(), 'elec2', 'electricity-normalized.csv'), 'utf8').split('\n');
const data = tempFile(`${lines.slice(0, 3001).join('\n')}\n`, 'elec2-head.csv');
const base = JSON.parse(readFileSync(join(projectRoot, 'policies/elec2.json'), 'utf8'));
const small = { ...base, training: { ...base.training, hiddenUnits: [4], epochs: 2, earlyStopping: { enabled: false } }, monitoring: { ...base.monitoring, window: { every: '7d', predictions: 250 } } };
const policy = tempFile(JSON.stringify(small), 'elec2-small.json');

describe('steward backtest', () => {
  it("replays the file under each strategy and reports accuracy, retrains and the policy's decisions as JSON", async () => {
    const svg = data.replace(/\.csv$/, '.svg');
    const { code, stdout } = await steward('backtest', '--policy', policy, '--data', data, '--strategies', 'never,periodic:1000,policy', '--train-rows', '500', '--label-delay', '10', '--svg', svg, '--json');
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out).toMatchObject({ model: 'elec2', rows: 3000, warmup: 500, windowRows: 250, labelDelay: 10 });
    const [never, periodic, byPolicy] = out.strategies;
    expect(never).toMatchObject({ strategy: 'never', retrains: 0, rows: 2500 });
    expect(periodic.retrainedAfter).toEqual([3, 7]);
    expect(byPolicy.strategy).toBe('policy');
    expect(byPolicy.retrains).toBe(byPolicy.decisions.filter((d: { status: string; action: string }) => d.status === 'fired' && d.action === 'retrain').length);
    for (const s of out.strategies) {
      expect(s.accuracy).toBeGreaterThan(0.4);
      expect(s.windows).toHaveLength(10);
    }
    expect(readFileSync(svg, 'utf8')).toContain('<polyline');
  });

  it('refuses the policy strategy without a monitoring section, and an unknown strategy', async () => {
    const { monitoring: _, ...bare } = small;
    const noMonitoring = tempFile(JSON.stringify(bare), 'no-monitoring.json');
    const refused = await steward('backtest', '--policy', noMonitoring, '--data', data, '--strategies', 'policy', '--window', '250', '--json');
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout).error).toMatchObject({ type: 'InvalidPolicy', message: expect.stringContaining('needs a monitoring section') });
    const unknown = await steward('backtest', '--policy', policy, '--data', data, '--strategies', 'never,weekly', '--json');
    expect(JSON.parse(unknown.stdout).error.message).toContain('"weekly" is not a strategy');
    expect(existsSync(policy)).toBe(true);
  });
});

describe('backtest on a compute thread', () => {
  it("trains off the calling thread and agrees with the CLI's replay", async () => {
    const compute = createComputePool({ threads: 1 });
    try {
      const options = { strategies: [{ kind: 'never' as const }, { kind: 'periodic' as const, every: 1000 }], windowRows: 250, warmup: 500, trainRows: 500, labelDelay: 10, rowMs: 1_800_000 };
      const onThread = await compute.run('backtest', { file: data, policy: parsePolicy(small), ...options });
      expect(compute.threads).toBe(1);
      const cli = JSON.parse((await steward('backtest', '--policy', policy, '--data', data, '--strategies', 'never,periodic:1000', '--train-rows', '500', '--label-delay', '10', '--json')).stdout);
      expect(onThread.strategies.map((s) => [s.strategy, s.retrainedAfter, s.rows])).toEqual(cli.strategies.map((s: { strategy: string; retrainedAfter: number[]; rows: number }) => [s.strategy, s.retrainedAfter, s.rows]));
      onThread.strategies.forEach((s, i) => expect(s.accuracy).toBeCloseTo(cli.strategies[i].accuracy, 1));
    } finally {
      await compute.close();
    }
  });
});
