/**
 * bench:backtest: the Elec2 backtest table. Replays Elec2 (45,312 half-hourly rows, time order)
 * prequentially through `policies/elec2.json`: never retrained, retrained by the policy's monitoring
 * triggers, retrained periodically as often as the policy did (equal retrain count) and every 100
 * days; beside the no-change baseline (predict the previous label) and river 0.26 progressive
 * validation of three online models on the same stream, in the same run.
 *
 *   npm run bench:backtest                      # label delay 0, warm-up and training window 5000 rows
 *   npm run bench:backtest -- --label-delay 48  # labels a day late (the no-change baseline then uses the last label known)
 *   npm run bench:backtest -- --no-river
 *
 * river runs from a venv under .tools/river-venv (created with `pip install 'river==0.26.*'` on first use).
 * Writes bench/backtest/out/results.json and bench/backtest/out/elec2.svg.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { labelsFromTable } from '../../lib/model/features';
import { backtest, backtestSvg, strategyName, type Strategy } from '../../lib/monitoring/backtest';
import { inlineTrainer } from '../../lib/monitoring/train';
import { loadModelTable } from '../../lib/policy/io';
import { loadPolicyFile } from '../../lib/policy/load';
import { sharedDataDir } from '../../lib/runtime/paths';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const outDir = join(here, 'out');
const venv = join(root, '.tools', 'river-venv');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} needs a whole number`);
  return v;
}
const labelDelay = arg('label-delay', 0);
const trainRows = arg('train-rows', 5000);
const warmup = arg('warmup', trainRows);
const withRiver = !process.argv.includes('--no-river');

const policy = loadPolicyFile(join(root, 'policies/elec2.json'));
const file = join(sharedDataDir(), 'elec2', 'electricity-normalized.csv');
const { table, rows } = await loadModelTable(file, policy);
const labels = labelsFromTable(table, policy.training.features.label);
const monitoring = policy.monitoring!;
const windowRows = monitoring.window.predictions!;
const rowMs = monitoring.window.every! / windowRows;

/** Predict each label as the last one known: the previous row's with no delay, else the one `labelDelay + 1` rows back. */
function noChange(from: number): number {
  let right = 0;
  for (let i = from; i < rows; i++) if (i - 1 - labelDelay >= 0 && labels[i] === labels[i - 1 - labelDelay]) right++;
  return right / (rows - from);
}

function river(): { river: string; models: Array<{ name: string; accuracy: number; accuracyAfterWarmup: number; seconds: number; progressiveValScore?: number }> } | { skipped: string } {
  const python = join(venv, 'bin', 'python');
  if (!existsSync(python)) {
    console.error(`creating ${venv} (pip install river==0.26.*)`);
    const made = spawnSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
    const pip = made.status === 0 ? spawnSync(join(venv, 'bin', 'pip'), ['install', '-q', 'river==0.26.*'], { stdio: 'inherit' }) : made;
    if (pip.status !== 0) return { skipped: 'could not install river into .tools/river-venv' };
  }
  const run = spawnSync(python, [join(here, 'river_reference.py'), file, String(warmup), String(labelDelay)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (run.status !== 0) return { skipped: `river_reference.py failed: ${run.stderr.slice(-500)}` };
  return JSON.parse(run.stdout);
}

const progress = (s: string, w: number, of: number) => {
  if (w === of) console.error(`${s}: ${of} windows done`);
};
const common = { model: policy.model, table, labels, train: inlineTrainer({ ...policy.training, task: policy.task ?? 'binary' }), triggers: monitoring.triggers, windowRows, warmup, labelDelay, trainRows, rowMs, origin: 0, onWindow: progress };

const started = Date.now();
const first = await backtest({ ...common, strategies: [{ kind: 'policy' }, { kind: 'never' }] });
const byPolicy = first.strategies[0].retrains;
// Periodic retraining as often as the policy retrained: every `every` rows, on window boundaries.
const replayed = rows - warmup;
const every = Math.max(windowRows, Math.round(replayed / (byPolicy + 1) / windowRows) * windowRows);
const periodic: Strategy[] = [{ kind: 'periodic', every }, ...(every !== 4800 ? [{ kind: 'periodic', every: 4800 } as Strategy] : [])];
const second = await backtest({ ...common, strategies: periodic });
const strategies = [...first.strategies, ...second.strategies];
const result = { ...first, strategies };
const ref = withRiver ? river() : { skipped: '--no-river' };

const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
const lines = [
  `Elec2, ${rows} rows: ${warmup} warm-up rows, then ${replayed} replayed in windows of ${windowRows} rows (${monitoring.window.every! / 86_400_000} days), label delay ${labelDelay} rows; training window ${trainRows} rows, recipe of policies/elec2.json`,
  '',
  '| strategy | prequential accuracy (replayed rows) | retrains | training time |',
  '|---|---|---|---|',
  ...strategies.map((s) => `| ${s.strategy === 'policy' ? 'policy (its monitoring triggers)' : s.strategy === `periodic:${every}` ? `${strategyName({ kind: 'periodic', every })} (as many retrains as the policy)` : s.strategy} | ${pct(s.accuracy)} | ${s.retrains} | ${(s.trainingMs / 1000).toFixed(1)} s |`),
  `| no-change baseline (previous known label) | ${pct(noChange(warmup))} (all rows: ${pct(noChange(1))}) | - | - |`,
  ...('skipped' in ref
    ? [`| river reference | skipped: ${ref.skipped} | | |`]
    : ref.models.map((m) => `| river ${ref.river} ${m.name}, progressive validation | ${pct(m.accuracyAfterWarmup)} (all rows: ${pct(m.accuracy)}${m.progressiveValScore !== undefined ? `; progressive_val_score ${pct(m.progressiveValScore)}` : ''}) | online | ${m.seconds} s |`)),
];
const policyRow = strategies[0];
const matched = strategies.find((s) => s.strategy === `periodic:${every}`)!;
lines.push(
  '',
  policyRow.accuracy > matched.accuracy && policyRow.retrains <= matched.retrains
    ? `The policy's trigger beats periodic retraining at equal or lower retrain count (${pct(policyRow.accuracy)} with ${policyRow.retrains} retrains vs ${pct(matched.accuracy)} with ${matched.retrains}).`
    : `The policy's trigger does NOT beat periodic retraining at equal or lower retrain count (${pct(policyRow.accuracy)} with ${policyRow.retrains} retrains vs ${pct(matched.accuracy)} with ${matched.retrains}).`,
  `Policy decisions: ${policyRow.decisions.filter((d) => d.status === 'fired').length} fired (${policyRow.decisions.filter((d) => d.status === 'fired' && d.action === 'retrain').length} retrains), ${policyRow.decisions.filter((d) => d.status === 'suppressed').length} suppressed by cooldown or maxActions.`,
  `Wall time ${((Date.now() - started) / 1000).toFixed(0)} s.`,
);
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'results.json'), JSON.stringify({ result, river: ref, noChange: { replayed: noChange(warmup), all: noChange(1) } }, null, 2));
writeFileSync(join(outDir, 'elec2.svg'), backtestSvg(result));
console.log(lines.join('\n'));
