/**
 * The monitor's worker killed with SIGKILL mid-monitor, the way machines die, while the monitor
 * continues as new every few windows: once a worker is back, the monitor catches up, and every window
 * is stored exactly once, back to back, with every served prediction counted in exactly one window.
 * A real worker process, gateway and traffic, the run's Temporal dev server and PostgreSQL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { and, eq, gte, lt, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { auditEvents, monitorWindows, predictionLog } from '../../db/schema';
import { monitorState, startMonitor, stopMonitor } from '../../lib/monitoring/client';
import { registerModel } from '../../lib/registry/models';
import { projectRoot } from '../../lib/runtime/paths';
import { testPolicy } from '../support/fixtures';
import { startHarness, type Harness } from '../support/harness';
import { adultInstances, predictOver, registerTrainedVersion, startTestGateway } from '../support/serving';

const processes: ChildProcess[] = [];

function launch(args: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdio: ['ignore', 'pipe', 'pipe'] });
  processes.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start: ${out}`)), 90_000);
    child.stdout!.on('data', (d) => {
      out += d;
      if (/ready/.test(out)) (clearTimeout(timer), resolve(child));
    });
    child.stderr!.on('data', (d) => (out += d));
    child.on('exit', (code) => (clearTimeout(timer), reject(new Error(`worker exited ${code}: ${out}`))));
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

async function until<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

afterEach(() => {
  for (const p of processes.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

describe('a monitor whose worker is killed', () => {
  let h: Harness;
  const model = 'income-monitor-fault';

  beforeAll(async () => {
    h = await startHarness({ database: 'postgres', trainingWorker: false });
    await h.stopWorkers();
    const policy = testPolicy(model);
    await registerModel(h.database.db, policy);
    await registerTrainedVersion(h.database.db, h.artifacts, policy, { rows: 1200, promote: true });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('loses no window and counts none twice across kill -9 and Continue-As-New', async () => {
    const worker = () => launch(['--import', 'tsx', join(projectRoot, 'test/support/control-worker-process.ts'), h.temporalAddress, h.databaseUrl!, h.artifactsDir, inject('workflowBundlePath')]);
    const first = await worker();
    const gw = await startTestGateway(h.database.db, h.artifacts);
    const { instances } = await adultInstances(testPolicy(model), 50);
    let running = true;
    const traffic = (async () => {
      for (let i = 0; running; i++) {
        await predictOver(gw.url, model, [instances[i % instances.length]]);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      const origin = new Date(Date.now());
      await startMonitor(h.client, { model, requestedBy: 'ravi', origin: origin.toISOString(), settings: { window: 1500, lag: 300, windowsPerRun: 3 } });
      await until(async () => ((await monitorState(h.client, model)).nextIndex >= 4 ? true : undefined), 'four windows');
      await killed(first);
      await new Promise((r) => setTimeout(r, 4000));
      await worker();
      const state = await until(async () => {
        const s = await monitorState(h.client, model);
        return s.nextIndex >= 10 ? s : undefined;
      }, 'ten windows');
      expect(state.run).toBeGreaterThanOrEqual(4);
      running = false;
      await traffic;
      await stopMonitor(h.client, model, { principal: 'ravi' });
    } finally {
      running = false;
      await traffic;
      await gw.close();
    }
    const db = h.database.db;
    const windows = await db.select().from(monitorWindows).where(eq(monitorWindows.model, model)).orderBy(monitorWindows.index);
    expect(windows.map((w) => w.index)).toEqual(windows.map((_, i) => i));
    for (let i = 1; i < windows.length; i++) expect(windows[i].start.getTime()).toBe(windows[i - 1].end.getTime());
    const from = windows[0].start;
    const to = windows[windows.length - 1].end;
    const [{ n }] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(predictionLog)
      .where(and(eq(predictionLog.model, model), eq(predictionLog.mode, 'serve'), gte(predictionLog.at, from), lt(predictionLog.at, to)));
    expect(windows.reduce((s, w) => s + w.predictions, 0)).toBe(n);
    expect(n).toBeGreaterThan(100);
    const started = await db.select().from(auditEvents).where(and(eq(auditEvents.model, model), eq(auditEvents.action, 'monitor.started')));
    expect(started).toHaveLength(1);
  }, 180_000);
});
