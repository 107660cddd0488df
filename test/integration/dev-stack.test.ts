import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startDevServer } from '../../lib/runtime/dev-server';
import { openDatabase } from '../../db/client';
import { freePort, portIsFree } from '../../lib/runtime/net';
import { projectRoot } from '../../lib/runtime/paths';
import { adultTrainingSlice, testPolicy } from '../support/fixtures';
import { until } from '../support/until';


// The embedded default end to end: `steward dev` owns the Temporal dev server, the embedded database
// and the workers; other CLI processes reach the database through the stack's loopback socket.
describe('steward dev (embedded stack)', () => {
  const home = mkdtempSync(join(tmpdir(), 'steward-dev-'));
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, STEWARD_HOME: home };
  let dev: ChildProcess | undefined;

  const run = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolveRun) => {
      const child = spawn(process.execPath, [join(projectRoot, 'bin/steward.mjs'), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('exit', (code) => resolveRun({ code: code ?? -1, stdout, stderr }));
    });

  afterAll(() => {
    if (dev?.pid && dev.exitCode === null) process.kill(-dev.pid, 'SIGKILL');
    rmSync(home, { recursive: true, force: true });
  });

  it('serves releases to other CLI processes and shuts down cleanly on Ctrl-C', async () => {
    const [port, uiPort, apiPort, servePort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    // Its own process group, so a failed test can stop it together with the dev server it started.
    dev = spawn(process.execPath, [join(projectRoot, 'bin/steward.mjs'), 'dev', '--port', String(port), '--ui-port', String(uiPort), '--api-port', String(apiPort), '--serve-port', String(servePort)], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    dev.stdout!.on('data', (d) => (out += d));
    dev.stderr!.on('data', (d) => (out += d));
    const deadline = Date.now() + 90_000;
    while (!out.includes('Press Ctrl-C') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(out).toContain(`Web UI     http://localhost:${uiPort}`);
    expect(existsSync(join(home, 'stack.json'))).toBe(true);
    expect(out).toContain(`Gateway    http://127.0.0.1:${servePort}`);

    const policyFile = join(home, 'policy.json');
    writeFileSync(policyFile, JSON.stringify(testPolicy('income-dev')));
    expect((await run('register', policyFile)).code).toBe(0);
    const released = await run('release', 'income-dev', '--data', adultTrainingSlice(1200, 100), '--as', 'alice', '--json');
    expect(released.code).toBe(0);
    const { releaseId, ui } = JSON.parse(released.stdout) as { releaseId: string; ui: string };
    expect(ui).toBe(`http://localhost:${uiPort}/namespaces/default/workflows/${releaseId}`);
    let stage = '';
    for (let i = 0; i < 120 && stage !== 'awaiting-approval'; i++) {
      stage = (JSON.parse((await run('status', releaseId, '--json')).stdout) as { stage: string }).stage;
      if (stage !== 'awaiting-approval') await new Promise((r) => setTimeout(r, 500));
    }
    expect(stage).toBe('awaiting-approval');
    expect((await run('approve', releaseId, '--as', 'bob')).code).toBe(0);
    let status = '';
    for (let i = 0; i < 60 && status !== 'promoted'; i++) {
      status = (JSON.parse((await run('status', releaseId, '--json')).stdout) as { status: string }).status;
      if (status !== 'promoted') await new Promise((r) => setTimeout(r, 500));
    }
    expect(status).toBe('promoted');
    const models = JSON.parse((await run('models', '--json')).stdout) as Array<{ name: string; productionVersion: number | null }>;
    expect(models).toEqual([expect.objectContaining({ name: 'income-dev', productionVersion: 1 })]);

    // The stack's gateway serves the promoted version within a second of the promotion.
    const instance = { age: 39, workclass: 'State-gov', fnlwgt: 77516, education: 'Bachelors', 'education-num': 13, 'marital-status': 'Never-married', occupation: 'Adm-clerical', relationship: 'Not-in-family', race: 'White', sex: 'Male', 'capital-gain': 2174, 'capital-loss': 0, 'hours-per-week': 40, 'native-country': 'United-States' };
    let predicted: { predictions?: number[]; model_version?: string } = {};
    for (let i = 0; i < 20 && predicted.model_version !== '1'; i++) {
      const res = await fetch(`http://127.0.0.1:${servePort}/v1/models/income-dev:predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: [instance] }) });
      predicted = (await res.json()) as typeof predicted;
      if (predicted.model_version !== '1') await new Promise((r) => setTimeout(r, 250));
    }
    expect(predicted.model_version).toBe('1');
    expect(predicted.predictions![0]).toBeGreaterThan(0);
    expect(predicted.predictions![0]).toBeLessThan(1);

    // Ordinary parallel use while releases run: every command answers, nothing hangs, and no read
    // sees another command's rows (each reads the whole audit chain through the shared database).
    const started = await Promise.all([0, 1].map((i) => run('release', 'income-dev', '--data', adultTrainingSlice(1200, 2000 + i * 1500), '--as', 'alice', '--json')));
    expect(started.map((r) => r.code)).toEqual([0, 0]);
    const commands = Array.from({ length: 16 }, (_, i) => (['audit verify --json', 'models --json', 'versions income-dev --json', `status ${releaseId} --json`][i % 4]).split(' '));
    const results = await Promise.all(commands.map((args) => run(...args)));
    for (const [i, r] of results.entries()) expect({ command: commands[i].join(' '), code: r.code, stderr: r.stderr, ...(r.code ? { stdout: r.stdout } : {}) }).toEqual({ command: commands[i].join(' '), code: 0, stderr: '' });
    const verified = results.filter((_, i) => commands[i][0] === 'audit').map((r) => JSON.parse(r.stdout) as { ok: boolean; events: number });
    // The first release alone wrote 8 events; every verification saw an intact chain of at least those.
    for (const v of verified) expect(v.ok && v.events >= 8).toBe(true);
    for (const r of results.filter((_, i) => commands[i][0] === 'models')) expect(JSON.parse(r.stdout)).toEqual([expect.objectContaining({ name: 'income-dev', productionVersion: 1 })]);
    // The first admin token on a fresh install: straight against the database, then the API knows it.
    expect(out).toContain(`API        http://127.0.0.1:${apiPort}`);
    const created = await run('token', 'create', '--principal', 'admin', '--role', 'admin', '--json');
    expect(created.code, created.stderr).toBe(0);
    const { token } = JSON.parse(created.stdout) as { token: string };
    const me = await fetch(`http://127.0.0.1:${apiPort}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(await me.json()).toMatchObject({ principal: 'admin', grants: [{ role: 'admin', model: null }] });
    const verifiedAfter = await run('audit', 'verify', '--json');
    expect(JSON.parse(verifiedAfter.stdout)).toMatchObject({ ok: true, anchors: { signedHead: { signatureChecked: true } } });

    const exited = new Promise<number | null>((r) => dev!.once('exit', (code) => r(code)));
    dev.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(existsSync(join(home, 'stack.json'))).toBe(false);
  }, 300_000);

  it('refuses to start when its database folder is held, leaving no Temporal server behind', async () => {
    const heldHome = mkdtempSync(join(tmpdir(), 'steward-dev-held-'));
    const holder = await openDatabase({ embeddedDir: join(heldHome, 'pgdata') });
    try {
      const [port, uiPort] = [await freePort(), await freePort()];
      const refused = spawnSync(process.execPath, [join(projectRoot, 'bin/steward.mjs'), 'dev', '--port', String(port), '--ui-port', String(uiPort)], {
        env: { ...env, STEWARD_HOME: heldHome },
        encoding: 'utf8',
        timeout: 90_000,
      });
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toContain(`the embedded database is open in process ${process.pid}`);
      // The dev server started alongside was stopped: its port is free again, no state file is left.
      await until(async () => (await portIsFree(port)) || undefined, 'the Temporal port to be free', { timeoutMs: 10_000 });
      expect(existsSync(join(heldHome, 'stack.json'))).toBe(false);
    } finally {
      await holder.close();
      rmSync(heldHome, { recursive: true, force: true });
    }
  }, 120_000);

  it("says why the Temporal dev server did not start, in the server's own words", async () => {
    const taken = createServer();
    const uiPort = await freePort();
    await new Promise<void>((r) => taken.listen(uiPort, '127.0.0.1', () => r()));
    try {
      const failed = startDevServer({ port: await freePort(), uiPort, dbFile: join(home, 'refused.db'), logFile: join(home, 'refused.log') });
      await expect(failed).rejects.toThrow(new RegExp(`exited with code 1 before serving; the end of its log .*refused\\.log\\):\\n.*UI port ${uiPort}.*address already in use`, 's'));
    } finally {
      taken.close();
    }
  }, 60_000);
});
