/**
 * Processes killed with SIGKILL in the middle of their work, the way machines die: a gateway replica
 * under traffic, and the control worker in the middle of a canary. Real gateway and worker
 * processes, the run's Temporal dev server and PostgreSQL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { auditEvents, predictionLog, production } from '../../db/schema';
import { registerModel } from '../../lib/registry/models';
import { rolloutResult, rolloutState, startRollout } from '../../lib/rollout/client';
import { freePort } from '../../lib/runtime/net';
import { projectRoot } from '../../lib/runtime/paths';
import { testPolicy } from '../support/fixtures';
import { startHarness, type Harness } from '../support/harness';
import { adultInstances, registerTrainedVersion, startTestGateway, testLogSecret } from '../support/serving';

const processes: ChildProcess[] = [];

function launch(args: string[], env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  processes.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start: ${out}`)), 90_000);
    const seen = (d: Buffer) => {
      out += d;
      if (/ready|Press Ctrl-C/.test(out)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', seen);
    child.stderr!.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited ${code}: ${out}`));
    });
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

afterEach(() => {
  for (const p of processes.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

/** A client behind a load balancer: round robin over the replicas, the next one when a replica does not answer. */
function balancedTraffic(urls: string[], model: string, instances: Record<string, unknown>[], concurrency: number) {
  let running = true;
  const acknowledged: string[] = [];
  let failed = 0;
  let failovers = 0;
  let n = 0;
  const one = async () => {
    const first = n++;
    for (let attempt = 0; attempt < urls.length; attempt++) {
      const url = urls[(first + attempt) % urls.length];
      try {
        const res = await fetch(`${url}/v1/models/${model}:predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-steward-key': `c-${first}` },
          body: JSON.stringify({ instances: [instances[first % instances.length]] }),
          signal: AbortSignal.timeout(5000),
        });
        if (res.status !== 200) break;
        acknowledged.push(...((await res.json()) as { prediction_ids: string[] }).prediction_ids);
        return;
      } catch {
        failovers++;
      }
    }
    failed++;
  };
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) {
      await one();
      await new Promise((r) => setTimeout(r, 5));
    }
  });
  return {
    get acknowledged() {
      return acknowledged.length;
    },
    async stop() {
      running = false;
      await Promise.all(loops);
      return { acknowledged, failed, failovers };
    },
  };
}

async function until<T>(check: () => Promise<T | undefined>, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a gateway replica killed with SIGKILL under traffic', () => {
  let h: Harness;
  const policy = testPolicy('income-replicas');

  beforeAll(async () => {
    h = await startHarness({ database: 'postgres', trainingWorker: false });
    await registerModel(h.database.db, policy);
    await registerTrainedVersion(h.database.db, h.artifacts, policy, { rows: 1200, promote: true });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('leaves traffic flowing on the other replica, and every acknowledged prediction logged exactly once (the dead one\'s spool recovered)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'steward-replicas-'));
    const env = { DATABASE_URL: h.databaseUrl, STEWARD_ARTIFACTS: h.artifactsDir, STEWARD_HOME: home, STEWARD_LOG_KEY: testLogSecret.toString('utf8') };
    const [portA, portB] = [await freePort(), await freePort()];
    const bin = join(projectRoot, 'bin/steward.mjs');
    // Replica A writes its log only every 30 s: when it dies, all it served is still in its spool.
    const [a] = await Promise.all([
      launch([bin, 'serve', '--port', String(portA), '--log-flush', '30s'], env),
      launch([bin, 'serve', '--port', String(portB)], env),
    ]);
    const urls = [`http://127.0.0.1:${portA}`, `http://127.0.0.1:${portB}`];
    const { instances } = await adultInstances(policy, 50);

    const traffic = balancedTraffic(urls, policy.model, instances, 6);
    await until(async () => (traffic.acknowledged >= 200 ? true : undefined), '200 predictions', 30_000);
    await killed(a);
    const atKill = traffic.acknowledged;
    await until(async () => (traffic.acknowledged >= atKill + 200 ? true : undefined), '200 more predictions on the surviving replica', 30_000);
    const { acknowledged, failed, failovers } = await traffic.stop();
    expect(failed).toBe(0);
    expect(failovers).toBeGreaterThan(0);

    const db = h.database.db;
    // The survivor finds the dead replica's spool (its pid is gone) within its 5 s scan and writes it.
    const logged = await until(
      async () => {
        const rows = await db.select({ id: predictionLog.id }).from(predictionLog).where(inArray(predictionLog.id, acknowledged));
        return rows.length === acknowledged.length ? rows : undefined;
      },
      'every acknowledged prediction in the log',
      20_000,
    );
    expect(new Set(logged.map((r) => r.id)).size).toBe(acknowledged.length);
    const [{ total, distinct }] = await db
      .select({ total: sql<number>`count(*)::int`, distinct: sql<number>`count(distinct ${predictionLog.id})::int` })
      .from(predictionLog)
      .where(eq(predictionLog.model, policy.model));
    expect(total).toBe(distinct);
    // Rows beyond the acknowledged ones: requests A logged but never answered (the client retried them on B).
    expect(total - acknowledged.length).toBeLessThanOrEqual(6);
    const metrics = await (await fetch(`${urls[1]}/metrics`)).text();
    expect(Number(/steward_prediction_log_recovered_total (\d+)/.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(metrics).not.toMatch(/steward_prediction_log_shed_total\{[^}]*\} [1-9]/);
    expect(readdirSync(join(home, 'spool'))).toHaveLength(1);
  });
});

describe('the worker killed with SIGKILL in the middle of a canary', () => {
  let h: Harness;
  const model = 'income-worker-kill';

  beforeAll(async () => {
    h = await startHarness({ database: 'postgres', trainingWorker: false });
    // The rollout's worker runs in its own process (below), so the in-process one stops here.
    await h.stopWorkers();
    const policy = testPolicy(model);
    policy.rollout = { ...policy.rollout, steps: [50, 100], interval: 4000, analysis: { ...policy.rollout.analysis, minRequests: 10, maxPredictionDrift: 5, maxLatencyP99Ms: 500 } };
    await registerModel(h.database.db, policy);
    await registerTrainedVersion(h.database.db, h.artifacts, policy, { rows: 1200, promote: true });
    await registerTrainedVersion(h.database.db, h.artifacts, policy, { rows: 1200, skip: 1200, approvedBy: 'bob' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('resumes the rollout where it was once a worker is back, while the gateway keeps serving; nothing is done twice', async () => {
    const worker = () => launch(['--import', 'tsx', join(projectRoot, 'test/support/control-worker-process.ts'), h.temporalAddress, h.databaseUrl!, h.artifactsDir, inject('workflowBundlePath')], {});
    const first = await worker();
    const gw = await startTestGateway(h.database.db, h.artifacts);
    const policy = testPolicy(model);
    const { instances } = await adultInstances(policy, 50);
    const traffic = balancedTraffic([gw.url], model, instances, 3);
    try {
      await startRollout(h.client, { model, version: 2, requestedBy: 'bob' });
      await until(async () => ((await rolloutState(h.client, model).catch(() => undefined))?.stage === 'analysing' ? true : undefined), 'the first canary step', 30_000);
      await killed(first);
      const servedWhileDown = traffic.acknowledged;
      await new Promise((r) => setTimeout(r, 3000));
      // The gateway does not need the worker: traffic flowed on the 50% split meanwhile.
      expect(traffic.acknowledged).toBeGreaterThan(servedWhileDown + 20);
      await worker();
      const final = await rolloutResult(h.client, model);
      expect(final).toMatchObject({ status: 'completed', weight: 100 });
      expect(final.measurements.map((m) => m.verdict)).toEqual(['pass', 'pass']);
    } finally {
      const { failed } = await traffic.stop();
      expect(failed).toBe(0);
      await gw.close();
    }
    const db = h.database.db;
    const [prod] = await db.select().from(production).where(eq(production.model, model));
    expect(prod.version).toBe(2);
    // Each step's traffic change and the promotion happened once.
    const events = await db.select({ action: auditEvents.action, payload: auditEvents.payload }).from(auditEvents).where(and(eq(auditEvents.model, model), inArray(auditEvents.action, ['rollout.traffic', 'rollout.completed', 'version.promoted'])));
    expect(events.map((e) => (e.action === 'rollout.traffic' ? (e.payload as { step: string }).step : e.action))).toEqual(['step-1-50', 'step-2-100', 'rollout.completed', 'version.promoted']);
    const [{ total, distinct }] = await db.select({ total: sql<number>`count(*)::int`, distinct: sql<number>`count(distinct ${predictionLog.id})::int` }).from(predictionLog).where(eq(predictionLog.model, model));
    expect(total).toBe(distinct);
    expect(existsSync(h.artifactsDir)).toBe(true);
  });
});
