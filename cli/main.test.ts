import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command } from './command';
import { commands, runCli } from './main';

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'steward-cli-unit-'));
const started = process.cwd();
// Commands resolve relative file names against the working directory, as from a shell.
beforeAll(() => process.chdir(dir));
afterAll(() => {
  process.chdir(started);
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

/** Runs `steward <argv>` in this process with its own home folder; returns what it printed. */
async function steward(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: { STEWARD_HOME: join(dir, '.steward') } });
  return { code, stdout, stderr };
}

/** Every runnable command with the words that reach it (`['data', 'drift']`). */
const leaves: [string[], Command][] = commands.flatMap((c) =>
  c.kind === 'group' ? [...(c.default ? [[[c.name], c.default] as [string[], Command]] : []), ...c.subcommands.map((s): [string[], Command] => [[c.name, s.name], s])] : [[[c.name], c]],
);

describe('steward help', () => {
  it('lists every command with its summary, generated from the command declarations', async () => {
    const { code, stdout } = await steward('--help');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    for (const [words, command] of leaves) {
      const at = lines.findIndex((l) => l.startsWith(`  ${words.join(' ')} `));
      expect(at, words.join(' ')).toBeGreaterThan(0);
      // A long usage puts the summary on the next line.
      expect(lines.slice(at, at + 2).join(' ')).toContain(command.summary);
    }
    expect(stdout).toContain('steward help <command>');
    expect((await steward('help')).stdout).toBe(stdout);
    expect(leaves.map(([w]) => w.join(' '))).toEqual([
      'dev',
      'api',
      'register',
      'models',
      'versions',
      'release',
      'approve',
      'reject',
      'status',
      'serve',
      'predict',
      'rollout',
      'rollout status',
      'rollout pause',
      'rollout resume',
      'rollout abort',
      'rollout promote',
      'rollback',
      'capacity',
      'monitor',
      'monitor start',
      'monitor stop',
      'monitor status',
      'labels',
      'incident open',
      'incident ack',
      'incident step',
      'incident resolve',
      'incident status',
      'incident list',
      'incident postmortem',
      'forget',
      'data check',
      'data profile',
      'data drift',
      'detect',
      'backtest',
      'eval',
      'card',
      'audit verify',
      'audit events',
      'audit access',
      'token create',
      'token list',
      'token revoke',
    ]);
  });

  it('prints the same list and exits 1 when no command is given', async () => {
    const { code, stdout } = await steward();
    expect(code).toBe(1);
    expect(stdout).toBe((await steward('-h')).stdout);
  });

  it('prints each command\'s usage, arguments, every option and an example, however help is asked for', async () => {
    for (const [words, command] of leaves) {
      const help = (await steward(...words, '--help')).stdout;
      expect(help).toContain(`Usage: steward ${words.join(' ')}`);
      for (const p of command.positionals) expect(help).toContain(`<${p.name}>`);
      for (const flag of [...Object.keys(command.flags), 'json']) expect(help).toContain(`--${flag}`);
      expect(help).toMatch(/Examples?:\n {2}steward /);
      expect((await steward('help', ...words)).stdout).toBe(help);
      expect((await steward(...words, 'some-arg', '-h')).stdout).toBe(help);
    }
    const release = (await steward('release', '--help')).stdout;
    expect(release).toContain('--epochs <n>');
    expect(release).toContain('an integer from 1 to 10000');
    expect(release).toContain('--timeout <duration>');
    expect(release).toContain('steward release adult-income --data batch-2026-11.csv');
  });

  it('lists a group\'s subcommands', async () => {
    const { code, stdout } = await steward('data', '--help');
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: steward data <check|profile|drift>');
    expect(stdout).toContain('data drift --reference <file> --current <file>');
    expect((await steward('help', 'data')).stdout).toBe(stdout);
  });
});

describe('steward errors', () => {
  it('prints "steward: <Type>: <message>" on stderr and exits 1', async () => {
    const typo = await steward('release', 'm', '--data', 'b.csv', '--tiemout', '1h');
    expect(typo).toEqual({ code: 1, stdout: '', stderr: 'steward: InvalidInput: field "--tiemout": unknown option for "steward release"; did you mean --timeout?\n' });
    expect((await steward('relase')).stderr).toBe('steward: InvalidInput: unknown command "relase" for "steward"; did you mean release?\n');
    expect((await steward('data', 'chek', 'm', 'f.csv')).stderr).toContain('did you mean check?');
    expect((await steward('help', 'nope')).stderr).toContain('unknown command "nope"');
    expect((await steward('data')).stderr).toContain('"steward data" needs a command: check, profile, drift');
    expect((await steward('--jsn', 'models')).stderr).toContain('did you mean --json?');
  });

  it('prints {"error":{"type","message"}} on stdout with --json, even when the arguments do not parse', async () => {
    const bad = await steward('release', 'm', '--data', 'b.csv', '--epochs', 'abc', '--json');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('');
    expect(JSON.parse(bad.stdout)).toEqual({ error: { type: 'InvalidInput', message: 'field "--epochs": must be an integer from 1 to 10000, got "abc"' } });
  });
});

describe('steward data', () => {
  const batch = write('batch.csv', 'age,city,income\n31,Paris,52000\n45,Lyon,61000\n27,Paris,\n52,Nice,75000\n');

  it('profiles a file given relative to the working directory', async () => {
    const { code, stdout } = await steward('data', 'profile', 'batch.csv');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^sha256 [0-9a-f]{64}\n4 rows\n/);
    expect(stdout).toMatch(/^income\s+numeric\s+3\s+0\.250\s+62666\.7/m);
    expect(stdout).toMatch(/^city\s+categorical\s+4\s+0\.000\s+3 categories\s+top: Paris, Lyon, Nice$/m);
    const json = JSON.parse((await steward('data', 'profile', batch, '--json')).stdout) as { sha256: string; profile: { rows: number; columns: { name: string }[] } };
    expect(json.profile.rows).toBe(4);
    expect(json.profile.columns.map((c) => c.name)).toEqual(['age', 'city', 'income']);
  });

  it('reads another separator with --separator', async () => {
    write('semi.csv', 'age;city\n31;Paris\n45;Lyon\n');
    const json = JSON.parse((await steward('data', 'profile', 'semi.csv', '--separator', ';', '--json')).stdout) as { profile: { rows: number; columns: { name: string }[] } };
    expect(json.profile.rows).toBe(2);
    expect(json.profile.columns.map((c) => c.name)).toEqual(['age', 'city']);
  });

  it('reports drift between two files; a missing file is NotFound', async () => {
    const { code, stdout } = await steward('data', 'drift', '--reference', 'batch.csv', '--current', 'batch.csv', '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { columns: { column: string; drifted: boolean }[] };
    expect(report.columns.map((c) => [c.column, c.drifted])).toEqual([['age', false], ['city', false], ['income', false]]);
    const missing = await steward('data', 'drift', '--reference', 'batch.csv', '--current', 'nope.csv');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^steward: NotFound: .*nope\.csv/);
  });
});

describe('steward eval', () => {
  // 300 scored rows: the candidate scores group b lower (a fairness failure) and is worse than the baseline.
  let seed = 3;
  const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  const rows = Array.from({ length: 300 }, (_, i) => {
    const g = i % 2 ? 'a' : 'b';
    const y = random() < 0.4 ? 1 : 0;
    const base = Math.min(0.99, Math.max(0.01, (y ? 0.7 : 0.3) + (random() - 0.5) / 2));
    const p = Math.min(0.99, Math.max(0.01, (y ? 0.6 : 0.4) + (random() - 0.5) * 0.6 - (g === 'b' ? 0.2 : 0)));
    return `${y},${p.toFixed(4)},${base.toFixed(4)},${g}`;
  });
  write('scores.csv', `y,p,base,g\n${rows.join('\n')}\n`);

  it('prints the report and exits 0 when there is nothing to fail', async () => {
    const { code, stdout } = await steward('eval', '--data', 'scores.csv', '--label', 'y', '--score', 'p', '--threshold', '0.4');
    expect(code).toBe(0);
    expect(stdout).toContain('Evaluation of scores.csv (label "y", score "p")');
    expect(stdout).toContain('rows 300');
    expect(stdout).toContain('threshold 0.4');
    expect(stdout).toContain('Verdict: PASS');
  });

  it('exits 1 on a failing verdict and gives the whole report as JSON', async () => {
    const { code, stdout } = await steward('eval', '--data', 'scores.csv', '--label', 'y', '--score', 'p', '--group', 'g', '--baseline-score', 'base', '--json');
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as { pass: boolean; threshold: number; failures: string[]; fairness: { attributes: { name: string; pass: boolean }[] }; regression: { pass: boolean } };
    expect(report.pass).toBe(false);
    expect(report.threshold).toBe(0.5);
    expect(report.fairness.attributes.map((a) => [a.name, a.pass])).toEqual([['g', false]]);
    expect(report.regression.pass).toBe(false);
    expect(report.failures.length).toBeGreaterThan(1);
  });

  it('reads labels other than 0/1 with --positive-label', async () => {
    write('words.csv', `y,p\n${rows.map((r) => `${r.startsWith('1') ? 'yes' : 'no'},${r.split(',')[1]}`).join('\n')}\n`);
    const { code, stdout } = await steward('eval', '--data', 'words.csv', '--label', 'y', '--score', 'p', '--positive-label', 'yes', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ rows: 300, source: { positiveLabel: 'yes' } });
  });

  it('names the flag or the column that is wrong', async () => {
    const noScore = await steward('eval', '--data', 'scores.csv', '--label', 'y', '--json');
    expect(JSON.parse(noScore.stdout)).toEqual({ error: { type: 'InvalidInput', message: expect.stringContaining('field "--score": is required') } });
    expect((await steward('eval', '--data', 'scores.csv', '--label', 'y', '--score', 'p', '--threshold', 'high')).stderr).toContain('field "--threshold": must be a finite number, got "high"');
    expect((await steward('eval', '--bogus')).stderr).toContain('field "--bogus": unknown option for "steward eval"');
    const column = await steward('eval', '--data', 'scores.csv', '--label', 'y', '--score', 'nope');
    expect(column.code).toBe(1);
    expect(column.stderr).toMatch(/^steward: DataContractViolation: scores\.csv, row 1, column "nope": no column "nope"/);
  });
});

describe('steward eval --task regression and multiclass', () => {
  // 400 rows of hourly counts: the candidate under-predicts group "night" by 40 (a mean-residual gap)
  // and is noisier than the baseline (a regression gate failure on MAE).
  let seed = 11;
  const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  const counts = Array.from({ length: 400 }, (_, i) => {
    const g = i % 4 === 0 ? 'night' : 'day';
    const y = Math.round(100 + 200 * random());
    const base = y + (random() - 0.5) * 20;
    const yhat = y + (random() - 0.5) * 80 - (g === 'night' ? 40 : 0);
    return `${y},${yhat.toFixed(2)},${base.toFixed(2)},${g}`;
  });
  write('counts.csv', `cnt,yhat,base,g\n${counts.join('\n')}\n`);
  const classes = ['low', 'mid', 'high'];
  const multi = Array.from({ length: 300 }, (_, i) => {
    const y = i % 3;
    const raw = [0, 1, 2].map((k) => (k === y ? 2 : 0.5) + random());
    const s = raw.reduce((a, b) => a + b, 0);
    const p = raw.map((v) => (v / s).toFixed(4));
    const predicted = classes[p.indexOf(p.reduce((a, b) => (Number(b) > Number(a) ? b : a)))];
    return `${classes[y]},${p.join(',')},${predicted},${i % 2 ? 'F' : 'M'}`;
  });
  write('classes.csv', `level,p_low,p_mid,p_high,pred,sex\n${multi.join('\n')}\n`);

  it('audits a regressor: MAE, RMSE, R^2 with intervals, residuals, group gaps and the paired gate', async () => {
    const { code, stdout } = await steward('eval', '--task', 'regression', '--data', 'counts.csv', '--label', 'cnt', '--score', 'yhat', '--group', 'g', '--baseline-score', 'base', '--json');
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as {
      task: string;
      rows: number;
      metrics: { metrics: Record<string, { value: number; lower: number; upper: number }> };
      fairness: { attributes: { name: string; gaps: { name: string; value: number }[] }[] };
      regression: { pass: boolean; rows: { slice: string; metric: string; pass: boolean }[] };
    };
    expect(report).toMatchObject({ task: 'regression', rows: 400 });
    const mae = report.metrics.metrics.mae!;
    expect(mae.lower).toBeLessThan(mae.value);
    expect(mae.upper).toBeGreaterThan(mae.value);
    expect(report.fairness.attributes[0]!.gaps.find((g) => g.name === 'meanResidualDifference')!.value).toBeGreaterThan(30);
    expect(report.regression.pass).toBe(false);
    expect(report.regression.rows.find((r) => r.slice === 'overall' && r.metric === 'mae')!.pass).toBe(false);
    const text = await steward('eval', '--task', 'regression', '--data', 'counts.csv', '--label', 'cnt', '--score', 'yhat');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Evaluation of counts.csv (regression: label "cnt", prediction "yhat")');
    expect(text.stdout).toMatch(/Residuals \(actual - predicted\)/);
    expect(text.stdout).toMatch(/Predicted vs actual/);
  });

  it('audits a multiclass classifier from probability columns or from a predicted-class column', async () => {
    const probs = await steward('eval', '--task', 'multiclass', '--data', 'classes.csv', '--label', 'level', '--score-prefix', 'p_', '--group', 'sex', '--json');
    expect(probs.code).toBe(0);
    const report = JSON.parse(probs.stdout) as { task: string; classes: string[]; metrics: { metrics: Record<string, { value: number }>; perClass: { class: string }[] } };
    expect(report.task).toBe('multiclass');
    expect(report.classes).toEqual(['low', 'mid', 'high']);
    expect(Object.keys(report.metrics.metrics)).toEqual(expect.arrayContaining(['accuracy', 'macroF1', 'weightedF1', 'logLoss', 'top2Accuracy']));
    const listed = await steward('eval', '--task', 'multiclass', '--data', 'classes.csv', '--label', 'level', '--score', 'p_low', '--score', 'p_mid', '--score', 'p_high', '--json');
    expect((JSON.parse(listed.stdout) as typeof report).metrics.metrics.accuracy!.value).toBe(report.metrics.metrics.accuracy!.value);
    const predicted = await steward('eval', '--task', 'multiclass', '--data', 'classes.csv', '--label', 'level', '--predicted', 'pred');
    expect(predicted.code).toBe(0);
    expect(predicted.stdout).toContain('Confusion matrix');
    expect(predicted.stdout).toMatch(/log loss and top-2 accuracy are not reported/);
  });

  it('refuses flags of another task and an unknown task, naming the flag', async () => {
    expect((await steward('eval', '--task', 'ranking', '--data', 'counts.csv', '--label', 'cnt', '--score', 'yhat')).stderr).toContain('field "--task": must be one of binary, multiclass, regression');
    expect((await steward('eval', '--task', 'regression', '--data', 'counts.csv', '--label', 'cnt', '--score', 'yhat', '--threshold', '0.3')).stderr).toContain('field "--threshold": applies to --task binary only');
    expect((await steward('eval', '--data', 'counts.csv', '--label', 'cnt', '--score', 'a', '--score', 'b')).stderr).toContain('field "--score": give one column for --task binary');
    const text = await steward('eval', '--task', 'regression', '--data', 'classes.csv', '--label', 'level', '--score', 'p_low');
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/classes\.csv, row 2, column "level": label "low" is not a finite number/);
  });
});

describe('steward release --import', () => {
  it('needs --data unless a model is imported, and takes --origin and --epochs only where they apply', async () => {
    expect((await steward('release', 'bikes')).stderr).toContain('field "--data": is required (the data to train on), unless a model is imported with --import');
    expect((await steward('release', 'bikes', '--data', 'counts.csv', '--origin', 'git:abc')).stderr).toContain('field "--origin": applies to an imported model (--import) only');
    expect((await steward('release', 'bikes', '--import', 'bike.onnx', '--epochs', '3')).stderr).toContain('field "--epochs": an imported model is not trained here');
  });
});

describe('the CLI entry', () => {
  // `steward --help` and the data commands stay fast because nothing heavy is imported up front:
  // commands load the registry, the Temporal client, the data reader or the metrics when they run.
  it('statically imports no database driver, Temporal client, zod, data reader or metrics', () => {
    const heavy = /^(postgres|drizzle-orm|@electric-sql\/|@temporalio\/|@tensorflow\/|zod)/;
    const reached = new Set<string>();
    const visit = (file: string) => {
      if (reached.has(file)) return;
      reached.add(file);
      for (const m of readFileSync(file, 'utf8').matchAll(/^import (?!type )[^;]*?from '([^']+)';/gms)) {
        const spec = m[1];
        if (spec.startsWith('.')) visit(resolve(dirname(file), `${spec}.ts`));
        else expect(spec, `${relative(resolve(here, '..'), file)} imports ${spec}`).not.toMatch(heavy);
      }
    };
    visit(resolve(here, 'main.ts'));
    const local = [...reached].map((f) => relative(resolve(here, '..'), f)).sort();
    // Two pure modules that import nothing: the failure catalogue and the role vocabulary (token help lists the roles).
    expect(local.filter((f) => !f.startsWith('cli/'))).toEqual(['lib/core/errors.ts', 'lib/core/roles.ts', 'lib/core/text.ts']);
  });
});
