/**
 * Training throughput of the Adult MLP on every tfjs backend this machine has, next to the same
 * network in PyTorch on the CPU.
 *
 *   npx tsx bench/train/run.ts                      # full adult.data, 3 epochs
 *   npx tsx bench/train/run.ts --epochs 1 --rows 5000 --no-torch
 *
 * Each tfjs backend runs in its own child process: a backend is chosen once per process (see
 * lib/model/backend.ts), and loading tfjs-node replaces kernels process-wide. PyTorch trains on the
 * exact feature matrix the TypeScript pipeline produced (written to bench/train/out/), from a venv
 * this script creates under .tools/bench-venv-torch on first use (plain `pip install torch numpy`
 * from PyPI).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, type BackendName } from '../../lib/model/backend';
import { FeaturePipeline, labelsFromTable } from '../../lib/model/features';
import { parseTrainingConfig, type TrainingConfigInput } from '../../lib/model/config';
import { adultFeatures, loadAdult } from '../../test/support/adult';
import { trainClassifier } from '../../lib/model/train';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const outDir = join(here, 'out');
const venv = join(root, '.tools', 'bench-venv-torch');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
}

const epochs = arg('epochs', 3);
const rows = arg('rows', Infinity);
const batchSize = arg('batch', 128);

// The network under test; PyTorch gets the same shape and hyper-parameters.
const config: TrainingConfigInput = {
  hiddenUnits: [64, 32],
  activation: 'relu',
  dropout: 0.1,
  l2: 1e-4,
  optimizer: 'adam',
  learningRate: 1e-3,
  epochs,
  batchSize,
  earlyStopping: { enabled: false },
  features: adultFeatures,
};

interface Row {
  runtime: string;
  samplesPerSecond?: number;
  bestEpochSamplesPerSecond?: number;
  seconds?: number;
  finalLoss?: number;
  note?: string;
}

async function child(backend: BackendName): Promise<void> {
  const info = await initBackend(backend);
  if (info.name !== backend) {
    const reason = info.skipped.find((s) => s.name === backend)?.reason ?? `got ${info.name}`;
    console.log(JSON.stringify({ runtime: `tfjs ${backend}`, note: `unavailable: ${reason}` } satisfies Row));
    return;
  }
  const { table } = await loadAdult('adult.data', { limit: rows });
  const result = await trainClassifier({ table, config });
  const seconds = result.history.reduce((s, h) => s + h.durationMs, 0) / 1000;
  const n = result.pipeline.toJSON().trainingRows;
  const detail = info.name === 'wasm' ? ` (simd ${info.simd ? 'on' : 'off'}, ${info.threads} thread)` : '';
  console.log(
    JSON.stringify({
      runtime: `tfjs ${backend}${detail}`,
      seconds,
      samplesPerSecond: (n * epochs) / seconds,
      bestEpochSamplesPerSecond: Math.max(...result.history.map((h) => h.samplesPerSecond)),
      finalLoss: result.history.at(-1)!.loss,
    } satisfies Row),
  );
}

function runJson(command: string, args: string[], label: string): Row {
  const r = spawnSync(command, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24 });
  const last = r.stdout?.trim().split('\n').at(-1);
  if (r.status !== 0 || !last) return { runtime: label, note: `failed: ${(r.stderr || r.error?.message || '').trim().split('\n').at(-1)}` };
  return JSON.parse(last) as Row;
}

function ensureTorchVenv(): string | undefined {
  const python = join(venv, 'bin', 'python');
  const ok = () => existsSync(python) && spawnSync(python, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;
  if (ok()) return undefined;
  console.error(`creating ${venv} and installing torch + numpy from PyPI (large download, first run only)...`);
  mkdirSync(dirname(venv), { recursive: true });
  const made = spawnSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  if (made.status !== 0) return 'python3 -m venv failed';
  const pip = spawnSync(join(venv, 'bin', 'pip'), ['install', '--disable-pip-version-check', 'torch', 'numpy'], { stdio: 'inherit' });
  if (pip.status !== 0 || !ok()) return 'pip install torch numpy failed';
  return undefined;
}

function fmt(v: number | undefined, digits = 0): string {
  return v === undefined ? '-' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

async function main(): Promise<void> {
  const { table, rows: n } = await loadAdult('adult.data', { limit: rows });
  console.error(`Adult: ${n} rows, ${epochs} epoch(s), batch ${batchSize}, hidden [64, 32]; ${availableParallelism()} cores`);
  const results: Row[] = [];
  const backends: BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];
  for (const backend of backends) {
    console.error(`tfjs ${backend} ...`);
    const script = fileURLToPath(import.meta.url);
    results.push(runJson(process.execPath, ['--import', 'tsx', script, '--child', backend, ...process.argv.slice(2)], `tfjs ${backend}`));
  }

  if (!process.argv.includes('--no-torch')) {
    const problem = ensureTorchVenv();
    if (problem) results.push({ runtime: 'pytorch-cpu', note: `unavailable: ${problem}` });
    else {
      const parsed = parseTrainingConfig(config);
      const pipeline = FeaturePipeline.fit(table, parsed.features);
      mkdirSync(outDir, { recursive: true });
      const x = pipeline.transform(table);
      const y = Float32Array.from(labelsFromTable(table, parsed.features.label));
      writeFileSync(join(outDir, 'adult_x.f32'), new Uint8Array(x.buffer));
      writeFileSync(join(outDir, 'adult_y.f32'), new Uint8Array(y.buffer));
      for (const threads of [...new Set([1, availableParallelism()])]) {
        console.error(`pytorch cpu, ${threads} thread(s) ...`);
        results.push(
          runJson(
            join(venv, 'bin', 'python'),
            [
              join(here, 'torch_mlp.py'),
              ...['--x', join(outDir, 'adult_x.f32'), '--y', join(outDir, 'adult_y.f32'), '--width', String(pipeline.width)],
              ...['--hidden', parsed.hiddenUnits.join(','), '--dropout', String(parsed.dropout), '--l2', String(parsed.l2)],
              ...['--lr', String(parsed.learningRate), '--epochs', String(epochs), '--batch', String(batchSize), '--threads', String(threads)],
            ],
            `pytorch-cpu (${threads} thread)`,
          ),
        );
      }
    }
  }

  const reference = results.find((r) => r.runtime.startsWith('pytorch') && r.samplesPerSecond)?.samplesPerSecond;
  const wasm = results.find((r) => r.runtime.startsWith('tfjs wasm'))?.samplesPerSecond;
  const header = ['runtime', 'samples/s', 'best epoch samples/s', 'seconds', 'final loss', 'x wasm', 'x pytorch 1 thread'];
  const lines = results.map((r) => [
    r.runtime,
    r.note ?? fmt(r.samplesPerSecond),
    fmt(r.bestEpochSamplesPerSecond),
    fmt(r.seconds, 2),
    fmt(r.finalLoss, 4),
    r.samplesPerSecond && wasm ? fmt(r.samplesPerSecond / wasm, 2) : '-',
    r.samplesPerSecond && reference ? fmt(r.samplesPerSecond / reference, 2) : '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const print = (cells: string[]) => console.log(`| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`);
  print(header);
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  lines.forEach(print);
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) await child(process.argv[childAt + 1] as BackendName);
else await main();
