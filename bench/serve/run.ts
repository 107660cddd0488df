/**
 * Capacity of one serving gateway replica on this machine, with the prediction log on, next to the
 * same network served by Seldon MLServer (pip, in .tools/), in one run:
 *
 *   npm run bench:serve                                 # 100, 500, 1000 rps, 15 s each
 *   npm run bench:serve -- --rates 100,2000 --duration 10 --no-peer
 *
 * What runs: a throwaway PostgreSQL (the log's database), the shipped Adult policy with a [64, 32]
 * network trained here, then, each as its own process on loopback: the gateway (`steward serve`),
 * a bare Fastify route over the same scorer (no routing, log or metrics: the baseline that isolates
 * what routing and logging cost), and MLServer with a NumPy runtime of the same pipeline and weights
 * (its scores are checked against ours first). autocannon offers each a fixed rate with one Adult
 * row per request; latencies are taken from autocannon's per-response times (sub-millisecond), not
 * its whole-millisecond histogram. The model call alone (instance checks + features + forward pass)
 * and TF.js's single-row predict are timed in-process.
 *
 * Writes bench/serve/out/results.json and the gateway's per-replica curve to
 * $STEWARD_HOME/capacity.json, which `steward capacity` reads.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { eq, sql } from 'drizzle-orm';
import { openDatabase } from '../../db/client';
import { modelVersions, predictionLog } from '../../db/schema';
import { loadPolicyFile } from '../../lib/policy/load';
import { localArtifactStore } from '../../lib/runtime/artifacts';
import { registerModel } from '../../lib/registry/models';
import { loadConfig } from '../../lib/runtime/config';
import { freePort } from '../../lib/runtime/net';
import { instanceSchema } from '../../lib/serving/instances';
import { loadScorer } from '../../lib/serving/scorer';
import { startGateway } from '../../serving/gateway';
import { adultInstances, registerTrainedVersion } from '../../test/support/serving';
import { startTestPostgres } from '../../test/support/postgres';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const venv = join(root, '.tools', 'bench-venv-mlserver');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}
const rates = (arg('rates') ?? '100,500,1000').split(',').map(Number);
const duration = Number(arg('duration') ?? 15);
const withPeer = !process.argv.includes('--no-peer');

interface Point {
  server: string;
  offeredRps: number;
  achievedRps: number;
  requests: number;
  non2xx: number;
  errors: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** autocannon's own p99 (whole milliseconds, corrected for coordinated omission). */
  autocannonP99Ms: number;
}

const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;

function timeCalls(fn: (i: number) => void, runs: number, warmup = 500) {
  for (let i = 0; i < warmup; i++) fn(i);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn(i);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p90: percentile(times, 0.9), p99: percentile(times, 0.99) };
}

async function waitReady(url: string, child: ChildProcess, what: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} not ready at ${url}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function start(command: string, args: string[], env: NodeJS.ProcessEnv, cwd = root): ChildProcess {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err = (err + d).slice(-4000)));
  child.on('exit', (code) => {
    if (code && code !== 0 && code !== 143) process.stderr.write(`${command} ${args.join(' ')} exited ${code}: ${err}\n`);
  });
  return child;
}

async function load(server: string, url: string, bodies: string[], path: string, rate: number, seconds: number): Promise<Point> {
  const times: number[] = [];
  const instance = autocannon({
    url,
    connections: Math.min(64, Math.max(8, Math.ceil(rate / 20))),
    overallRate: rate,
    duration: seconds,
    requests: bodies.map((body, i) => ({ method: 'POST', path, body, headers: { 'content-type': 'application/json', 'x-steward-key': `customer-${i}` } })),
  });
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode === 200) times.push(responseTime);
  });
  const result = await instance;
  times.sort((a, b) => a - b);
  return {
    server,
    offeredRps: rate,
    achievedRps: result.requests.total / result.duration,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    p50Ms: percentile(times, 0.5),
    p90Ms: percentile(times, 0.9),
    p99Ms: percentile(times, 0.99),
    maxMs: times[times.length - 1] ?? NaN,
    autocannonP99Ms: result.latency.p99,
  };
}

function ensureMlserver(): string | undefined {
  const python = join(venv, 'bin', 'python');
  const ok = () => existsSync(python) && spawnSync(python, ['-c', 'import mlserver, numpy, pandas'], { stdio: 'ignore' }).status === 0;
  if (ok()) return undefined;
  console.error(`creating ${venv} and installing mlserver + numpy + pandas from PyPI (first run only)...`);
  mkdirSync(dirname(venv), { recursive: true });
  if (spawnSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' }).status !== 0) return 'python3 -m venv failed';
  if (spawnSync(join(venv, 'bin', 'pip'), ['install', '--disable-pip-version-check', 'mlserver', 'numpy', 'pandas'], { stdio: 'inherit' }).status !== 0 || !ok()) return 'pip install mlserver failed';
  return undefined;
}

function v2Body(instance: Record<string, unknown>): string {
  const inputs = Object.entries(instance).map(([name, v]) =>
    typeof v === 'number' ? { name, shape: [1], datatype: 'INT64', data: [v] } : { name, shape: [1], datatype: 'BYTES', data: [String(v)] },
  );
  return JSON.stringify({ parameters: { content_type: 'pd' }, inputs });
}

const work = mkdtempSync(join(tmpdir(), 'steward-bench-serve-'));
const children: ChildProcess[] = [];
const pg = await startTestPostgres();
const results: { machine: string; date: string; durationSeconds: number; modelCall: unknown; points: Point[]; notes: string[] } = {
  machine: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}`,
  date: new Date().toISOString(),
  durationSeconds: duration,
  modelCall: {},
  points: [],
  notes: [],
};
try {
  const database = await openDatabase(pg.url);
  const artifactsDir = join(work, 'artifacts');
  const artifacts = localArtifactStore(artifactsDir);
  const policy = loadPolicyFile(join(root, 'policies/adult-income.json'));
  await registerModel(database.db, policy);
  console.error('training the Adult network [64, 32] on 10,000 rows...');
  await registerTrainedVersion(database.db, artifacts, policy, { rows: 10_000, promote: true, hiddenUnits: [64, 32] });
  const [version] = await database.db.select().from(modelVersions).where(eq(modelVersions.model, policy.model));
  const modelBytes = await artifacts.get(version.modelSha256);
  const modelFile = join(work, 'model.bin');
  writeFileSync(modelFile, modelBytes);
  const policyFile = join(work, 'policy.json');
  writeFileSync(policyFile, JSON.stringify(policy));

  // Complete rows only: MLServer's pandas codec has no missing value for a string column.
  const { instances } = await adultInstances(policy, 400);
  const rows = instances.filter((i) => Object.values(i).every((v) => v !== null)).slice(0, 200);
  const bodies = rows.map((i) => JSON.stringify({ instances: [i] }));

  // The model call alone, in this process.
  const scorer = await loadScorer(modelBytes);
  const schema = instanceSchema(policy, scorer.inputColumns, scorer.numericInputs);
  // The dense pass does its work before `score` returns (its promise is already settled), so this times the work.
  const dense = timeCalls((i) => void scorer.score(schema.parse([rows[i % rows.length]])), 20_000);
  const { loadModel } = await import('../../lib/model/serialize');
  const { predictProba } = await import('../../lib/model/predict');
  const { initBackend } = await import('../../lib/model/backend');
  const backend = await initBackend();
  const tfjs = await loadModel(modelBytes);
  const tables = rows.map((r) => schema.parse([r]));
  const tfjsTimes = timeCalls((i) => predictProba(tfjs.model, tfjs.pipeline, tables[i % tables.length]), 3000, 200);
  // Handler cost without the network: the gateway (routing, checks, scoring, metrics, log append)
  // against a bare route over the same scorer, in this process through Fastify's inject, taking turns.
  const inProcess = await startGateway({ db: database.db, artifacts, secret: Buffer.from('bench-log-key-0123456789abcdef'), spoolRoot: join(work, 'spool-inject'), port: 0, warn: () => {} });
  const bareApp = Fastify({ logger: false });
  bareApp.post('/v1/models/:target', async (req) => ({ predictions: Array.from(await scorer.score(schema.parse((req.body as { instances: Record<string, unknown>[] }).instances))) }));
  await bareApp.ready();
  const injected: Record<'gateway' | 'bare', number[]> = { gateway: [], bare: [] };
  for (let i = 0; i < 12_000; i++) {
    for (const [name, app] of [['gateway', inProcess.app], ['bare', bareApp]] as const) {
      const t0 = performance.now();
      await app.inject({ method: 'POST', url: `/v1/models/${policy.model}:predict`, payload: bodies[i % bodies.length], headers: { 'content-type': 'application/json', 'x-steward-key': `customer-${i}` } });
      if (i >= 2000) injected[name].push(performance.now() - t0);
    }
  }
  await inProcess.close();
  const handler = Object.fromEntries(
    Object.entries(injected).map(([name, t]) => {
      t.sort((a, b) => a - b);
      return [name, { p50: percentile(t, 0.5), p90: percentile(t, 0.9), p99: percentile(t, 0.99) }];
    }),
  ) as Record<'gateway' | 'bare', { p50: number; p90: number; p99: number }>;
  results.modelCall = { dense, tfjs: { ...tfjsTimes, backend: backend.name }, handler };
  console.error(`handler (inject): gateway p50 ${handler.gateway.p50.toFixed(3)} p90 ${handler.gateway.p90.toFixed(3)} p99 ${handler.gateway.p99.toFixed(3)} ms; bare p50 ${handler.bare.p50.toFixed(3)} p90 ${handler.bare.p90.toFixed(3)} p99 ${handler.bare.p99.toFixed(3)} ms`);
  console.error(`model call: dense p50 ${dense.p50.toFixed(4)} p90 ${dense.p90.toFixed(4)} p99 ${dense.p99.toFixed(4)} ms; TF.js ${backend.name} p50 ${tfjsTimes.p50.toFixed(3)} p90 ${tfjsTimes.p90.toFixed(3)} p99 ${tfjsTimes.p99.toFixed(3)} ms`);

  // The gateway, as deployed: its own process over PostgreSQL, the log on (every request logged).
  const gatewayPort = await freePort();
  const home = join(work, 'home');
  const gateway = start(process.execPath, [join(root, 'bin/steward.mjs'), 'serve', '--port', String(gatewayPort)], {
    DATABASE_URL: pg.url,
    STEWARD_ARTIFACTS: artifactsDir,
    STEWARD_HOME: home,
    STEWARD_LOG_KEY: 'bench-log-key-0123456789abcdef',
  });
  children.push(gateway);
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  await waitReady(`${gatewayUrl}/v1/models/${policy.model}`, gateway, 'the gateway');

  const barePort = await freePort();
  const bare = start(process.execPath, ['--import', 'tsx', join(here, 'bare-server.ts'), modelFile, policyFile, String(barePort)], {});
  children.push(bare);
  const bareUrl = `http://127.0.0.1:${barePort}`;

  let peerUrl: string | undefined;
  if (withPeer) {
    const problem = ensureMlserver();
    if (problem) results.notes.push(`MLServer skipped: ${problem}`);
    else {
      const dir = join(work, 'mlserver');
      mkdirSync(dir, { recursive: true });
      const { openStoredModel } = await import('../../lib/model/dense');
      const stored = openStoredModel(modelBytes);
      const weights = tfjs.model.getWeights().map((w) => Array.from(w.dataSync()));
      const topology = tfjs.model.layers.map((l) => l.getConfig() as { units: number; activation: string });
      const layers = topology.map((l, k) => ({ inputs: weights[2 * k].length / l.units, units: l.units, activation: l.activation, kernel: weights[2 * k], bias: weights[2 * k + 1] }));
      writeFileSync(join(dir, 'network.json'), JSON.stringify({ pipeline: stored.pipeline.toJSON(), layers }));
      writeFileSync(join(dir, 'runtime.py'), readFileSync(join(here, 'mlserver_runtime.py')));
      const [http, grpc, metrics] = [await freePort(), await freePort(), await freePort()];
      writeFileSync(join(dir, 'settings.json'), JSON.stringify({ http_port: http, grpc_port: grpc, metrics_port: metrics, parallel_workers: 0, debug: false }));
      writeFileSync(join(dir, 'model-settings.json'), JSON.stringify({ name: policy.model, implementation: 'runtime.StewardMLP', parameters: { uri: './network.json' } }));
      const mlserver = start(join(venv, 'bin', 'mlserver'), ['start', '.'], { PYTHONPATH: dir }, dir);
      children.push(mlserver);
      peerUrl = `http://127.0.0.1:${http}`;
      await waitReady(`${peerUrl}/v2/models/${policy.model}/ready`, mlserver, 'MLServer');
    }
  }
  tfjs.model.dispose();
  await waitReady(`${bareUrl}/healthz`, bare, 'the bare server');

  // Same network, same scores: the peer is checked before it is timed.
  const ours = await Promise.all(rows.slice(0, 20).map(async (r) => ((await (await fetch(`${gatewayUrl}/v1/models/${policy.model}:predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: [r] }) })).json()) as { predictions: number[] }).predictions[0]));
  if (peerUrl) {
    const theirs = await Promise.all(rows.slice(0, 20).map(async (r) => ((await (await fetch(`${peerUrl}/v2/models/${policy.model}/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: v2Body(r) })).json()) as { outputs: { data: number[] }[] }).outputs[0].data[0]));
    const diff = Math.max(...ours.map((s, i) => Math.abs(s - theirs[i])));
    results.notes.push(`MLServer scores equal the gateway's to ${diff.toExponential(1)} on 20 rows`);
    if (!(diff < 1e-6)) throw new Error(`MLServer scores differ from the gateway's by ${diff}`);
  }

  const servers: { name: string; url: string; path: string; bodies: string[] }[] = [
    { name: 'steward gateway (log on)', url: gatewayUrl, path: `/v1/models/${policy.model}:predict`, bodies },
    { name: 'bare Fastify + same scorer', url: bareUrl, path: `/v1/models/${policy.model}:predict`, bodies },
    ...(peerUrl ? [{ name: 'MLServer 1.7 (NumPy runtime)', url: peerUrl, path: `/v2/models/${policy.model}/infer`, bodies: rows.map(v2Body) }] : []),
  ];
  for (const s of servers) {
    console.error(`warming up ${s.name}...`);
    await load(s.name, s.url, s.bodies, s.path, 200, 3);
  }
  // Servers take turns at each rate: on a shared machine the background load drifts, and it should
  // drift over all of them alike.
  for (const rate of rates) {
    for (const s of servers) {
      const point = await load(s.name, s.url, s.bodies, s.path, rate, duration);
      results.points.push(point);
      console.error(`${s.name} @ ${rate} rps: ${point.achievedRps.toFixed(0)} rps, p50 ${point.p50Ms.toFixed(2)} p90 ${point.p90Ms.toFixed(2)} p99 ${point.p99Ms.toFixed(2)} ms, non-2xx ${point.non2xx}, errors ${point.errors}`);
    }
  }
  results.points.sort((a, b) => servers.findIndex((s) => s.name === a.server) - servers.findIndex((s) => s.name === b.server));

  // Logging on means logged: every 200 of the gateway is a row (none shed), once written.
  const metricsText = await (await fetch(`${gatewayUrl}/metrics`)).text();
  const shed = [...metricsText.matchAll(/^steward_prediction_log_shed_total\{[^}]*\} (\d+)/gm)].reduce((s, m) => s + Number(m[1]), 0);
  await new Promise((r) => setTimeout(r, 1500));
  const [{ n }] = await database.db.select({ n: sql<number>`count(*)::int` }).from(predictionLog);
  const served = results.points.filter((p) => p.server.startsWith('steward')).reduce((s, p) => s + p.requests - p.non2xx, 0);
  results.notes.push(`prediction log: ${n} rows written for ${served} measured + warm-up and check requests; ${shed} shed`);
  await database.close();

  const table = [
    '| server | offered rps | achieved rps | p50 ms | p90 ms | p99 ms | max ms | non-2xx |',
    '|---|---|---|---|---|---|---|---|',
    ...results.points.map((p) => `| ${p.server} | ${p.offeredRps} | ${p.achievedRps.toFixed(0)} | ${p.p50Ms.toFixed(2)} | ${p.p90Ms.toFixed(2)} | ${p.p99Ms.toFixed(2)} | ${p.maxMs.toFixed(1)} | ${p.non2xx + p.errors} |`),
  ];
  console.log(`\nbench:serve on ${results.machine} (load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}), ${duration} s per rate, one Adult row per request\n`);
  console.log(`model call (instance checks + features + forward pass), in-process: dense p50 ${dense.p50.toFixed(3)} / p90 ${dense.p90.toFixed(3)} / p99 ${dense.p99.toFixed(3)} ms; TF.js (${backend.name}) predictProba p50 ${tfjsTimes.p50.toFixed(3)} / p90 ${tfjsTimes.p90.toFixed(3)} / p99 ${tfjsTimes.p99.toFixed(3)} ms\n`);
  console.log(
    `handler per request without the network (Fastify inject, 10,000 each, taking turns): gateway p50 ${handler.gateway.p50.toFixed(3)} / p90 ${handler.gateway.p90.toFixed(3)} / p99 ${handler.gateway.p99.toFixed(3)} ms, bare route p50 ${handler.bare.p50.toFixed(3)} / p90 ${handler.bare.p90.toFixed(3)} / p99 ${handler.bare.p99.toFixed(3)} ms: routing + logging + metrics cost ${(handler.gateway.p90 - handler.bare.p90).toFixed(3)} ms at p90\n`,
  );
  console.log(table.join('\n'));
  for (const note of results.notes) console.log(`\n- ${note}`);

  const out = join(here, 'out');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'results.json'), JSON.stringify(results, null, 2));
  const config = loadConfig();
  mkdirSync(config.home, { recursive: true });
  const curve = { measuredAt: results.date, machine: results.machine, points: results.points.filter((p) => p.server.startsWith('steward')) };
  writeFileSync(join(config.home, 'capacity.json'), JSON.stringify(curve, null, 2));
  console.log(`\nwrote bench/serve/out/results.json and the gateway's per-replica curve to ${join(config.home, 'capacity.json')} (steward capacity reads it)`);
} finally {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await pg.stop();
  rmSync(work, { recursive: true, force: true });
}
process.exit(0);
