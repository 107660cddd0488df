import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../lib/runtime/paths';
import { waitForStage } from '../../lib/release/client';
import type { ReleaseState } from '../../lib/release/types';
import { adultDir } from '../support/adult';
import { adultTrainingSlice, testPolicy } from '../support/fixtures';
import { startHarness, type Harness } from '../support/harness';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('steward CLI', () => {
  let h: Harness;
  let env: NodeJS.ProcessEnv;
  const dir = mkdtempSync(join(tmpdir(), 'steward-cli-'));

  const steward = (...args: string[]): Promise<Run> =>
    new Promise((resolveRun) => {
      const child = spawn(process.execPath, [join(projectRoot, 'bin/steward.mjs'), ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('exit', (code) => resolveRun({ code: code ?? -1, stdout, stderr }));
    });

  beforeAll(async () => {
    h = await startHarness({ database: 'postgres' });
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: h.temporalAddress,
      DATABASE_URL: h.databaseUrl,
      STEWARD_ARTIFACTS: h.artifactsDir,
      STEWARD_HOME: join(dir, '.steward'),
      // Every writer of the record shares the audit key (the workers here sign the chain's head with it).
      STEWARD_AUDIT_KEY: Buffer.from(h.auditKey.secretKey).toString('hex'),
    };
  });
  afterAll(async () => {
    await h?.close();
  });

  it('runs a release from the command line: register, release, refused self-approval, approve, status, models, card, audit', async () => {
    const policyFile = join(dir, 'policy.json');
    writeFileSync(policyFile, JSON.stringify(testPolicy('income-cli')));
    expect((await steward('register', policyFile)).stdout).toMatch(/registered income-cli/);

    const started = await steward('release', 'income-cli', '--data', adultTrainingSlice(1500, 3000), '--as', 'alice', '--json');
    expect(started.code).toBe(0);
    const { releaseId } = JSON.parse(started.stdout) as { releaseId: string };
    await waitForStage(h.client, releaseId, 'awaiting-approval');

    const status = JSON.parse((await steward('status', releaseId, '--json')).stdout) as ReleaseState;
    expect(status).toMatchObject({ stage: 'awaiting-approval', version: 1, requestedBy: 'alice' });

    const self = await steward('approve', releaseId, '--as', 'alice');
    expect(self.code).toBe(1);
    expect(self.stderr).toMatch(/UnauthorizedApprover: alice requested release/);

    const ok = await steward('approve', releaseId, '--as', 'bob', '--comment', 'reviewed the card');
    expect(ok.code).toBe(0);
    expect((await h.client.workflow.getHandle(releaseId).result()).status).toBe('promoted');

    const models = JSON.parse((await steward('models', '--json')).stdout) as Array<{ name: string; productionVersion: number }>;
    expect(models.find((m) => m.name === 'income-cli')?.productionVersion).toBe(1);

    const card = await steward('card', 'income-cli', '1', '--out', join(dir, 'cards'));
    expect(card.code).toBe(0);
    const html = readFileSync(join(dir, 'cards', 'income-cli-v1-card.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('bob');
    expect(readFileSync(join(dir, 'cards', 'income-cli-v1-card.md'), 'utf8')).toContain('reviewed the card');

    const check = await steward('data', 'check', 'income-cli', adultTrainingSlice(1500, 6000), '--json');
    expect(check.code).toBe(0);
    const checked = JSON.parse(check.stdout) as { contract: { passed: boolean }; drift: { dataset: { drifted: boolean } } | null; productionVersion: number };
    expect(checked.contract.passed).toBe(true);
    expect(checked.productionVersion).toBe(1);
    expect(checked.drift?.dataset.drifted).toBe(false);

    expect((await steward('audit', 'verify')).stdout).toMatch(/audit chain intact/);
  });

  it('reports bad input with the failure type and exit code 1, and --json errors for scripts', async () => {
    const missing = await steward('release', 'no-such-model', '--data', join(dir, 'nope.csv'), '--as', 'alice', '--wait');
    expect(missing.code).toBe(1);
    const noData = await steward('release', 'income-cli', '--as', 'alice', '--json');
    expect(noData.code).toBe(1);
    expect(JSON.parse(noData.stdout)).toMatchObject({ error: { type: 'InvalidInput' } });
    const noUser = await steward('approve', 'release-x');
    expect(noUser.stderr).toMatch(/--as/);
    const typo = await steward('release', 'income-cli', '--data', adultTrainingSlice(1500, 3000), '--as', 'alice', '--tiemout', '1h');
    expect(typo).toMatchObject({ code: 1, stdout: '' });
    expect(typo.stderr).toBe('steward: InvalidInput: field "--tiemout": unknown option for "steward release"; did you mean --timeout?\n');
    const epochs = await steward('release', 'income-cli', '--data', adultTrainingSlice(1500, 3000), '--as', 'alice', '--epochs', 'abc', '--json');
    expect(JSON.parse(epochs.stdout)).toEqual({ error: { type: 'InvalidInput', message: 'field "--epochs": must be an integer from 1 to 10000, got "abc"' } });
    const help = await steward('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {2}release <model> \[options\] +start a release/m);
  });

  it('compares two files for drift without a model (bike sharing 2011 vs 2012 counts drift; the same year does not)', async () => {
    const hour = readFileSync(join(adultDir(), '..', 'bike-sharing', 'hour.csv'), 'utf8').trim().split(/\r?\n/);
    const header = hour[0];
    const year = (y: string) => hour.slice(1).filter((l) => l.split(',')[3] === y);
    const keep = (l: string) => l.split(',').slice(2).join(','); // drop instant and dteday
    const file = (name: string, lines: string[]) => {
      const f = join(dir, name);
      writeFileSync(f, `${keep(header)}\n${lines.map(keep).join('\n')}\n`);
      return f;
    };
    const y2011 = year('0');
    const first = file('2011a.csv', y2011.filter((_, i) => i % 2 === 0));
    const second = file('2011b.csv', y2011.filter((_, i) => i % 2 === 1));
    const y2012 = file('2012.csv', year('1'));
    const across = JSON.parse((await steward('data', 'drift', '--reference', first, '--current', y2012, '--json')).stdout) as { columns: Array<{ column: string; drifted: boolean }> };
    expect(across.columns.find((c) => c.column === 'cnt')?.drifted).toBe(true);
    expect(across.columns.find((c) => c.column === 'yr')?.drifted).toBe(true);
    const within = JSON.parse((await steward('data', 'drift', '--reference', first, '--current', second, '--json')).stdout) as { columns: Array<{ column: string; drifted: boolean }> };
    expect(within.columns.find((c) => c.column === 'cnt')?.drifted).toBe(false);
    const table = await steward('data', 'drift', '--reference', first, '--current', y2012);
    expect(table.stdout).toMatch(/cnt/);
  });

  it('audits externally produced scores with steward eval', async () => {
    const lines = readFileSync(join(adultDir(), 'adult.test'), 'utf8').trim().split('\n').slice(1, 3001);
    const rows = lines.map((l) => l.split(', '));
    const csv = ['label,score,sex'];
    for (const r of rows) {
      const z = -7.25 + 0.32 * Number(r[4]) + 0.035 * Number(r[12]) + 0.028 * Number(r[0]);
      csv.push(`${r[14].startsWith('>50K') ? 1 : 0},${(1 / (1 + Math.exp(-z))).toFixed(6)},${r[9]}`);
    }
    const file = join(dir, 'scores.csv');
    writeFileSync(file, `${csv.join('\n')}\n`);
    const run = await steward('eval', '--data', file, '--label', 'label', '--score', 'score', '--group', 'sex', '--json');
    const report = JSON.parse(run.stdout) as { rows: number; metrics: { metrics: { rocAuc: { value: number } } }; fairness: { attributes: Array<{ name: string }> } };
    expect(report.rows).toBe(3000);
    expect(report.metrics.metrics.rocAuc.value).toBeGreaterThan(0.7);
    expect(report.fairness.attributes[0].name).toBe('sex');
    const bad = await steward('eval', '--data', file, '--label', 'label', '--score', 'nope');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/nope/);
    expect(existsSync(file)).toBe(true);
  });
});
