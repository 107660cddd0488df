#!/usr/bin/env node
// One idempotent step before any project command: installs npm dependencies when they are missing
// or stale, makes sure a Temporal CLI is available unless an external server is configured, and
// makes sure the time-skipping test server the workflow tests (test/workflow) run on is available.
// Plain Node so that it runs on a fresh clone with nothing installed.
import { existsSync, lstatSync, realpathSync, statSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { ensureTemporalCli, ensureTestServer } from '../lib/runtime/temporal-cli.mjs';

const root = resolve(new URL('..', import.meta.url).pathname);
const log = (m) => console.error(`[setup] ${m}`);

const modules = join(root, 'node_modules');
const marker = join(modules, '.package-lock.json');
const lock = join(root, 'package-lock.json');
if (!existsSync(marker) || statSync(lock).mtimeMs > statSync(marker).mtimeMs) {
  // A git worktree sharing another checkout's node_modules through a symlink has a younger
  // package-lock.json (checkout time) than that install: `npm ci` here would empty the shared
  // folder under every checkout using it. Installing is the owning checkout's job.
  if (existsSync(marker) && lstatSync(modules).isSymbolicLink()) {
    log(`node_modules is shared (${realpathSync(modules)}); not reinstalling it from here: run npm ci in the checkout that owns it if it is stale`);
  } else {
    log('installing npm dependencies (npm ci) ...');
    // onnxruntime-node ships its CPU binaries in the package; its install script would also fetch the
    // CUDA ones from nuget.org, which machines that only reach package registries cannot (and CPU
    // inference does not need). A GPU machine can run `npm rebuild onnxruntime-node` with internet.
    execSync('npm ci --no-audit --no-fund --loglevel=error', { cwd: root, stdio: 'inherit', env: { ONNXRUNTIME_NODE_INSTALL: 'skip', ...process.env } });
  }
}

if (!process.env.TEMPORAL_ADDRESS) {
  const cli = ensureTemporalCli(log);
  if (cli) log(`temporal CLI: ${cli.path} (from ${cli.source})`);
  else log('no temporal CLI found or installable here; the Temporal SDK will try to download one when the server starts');
}

// Needed even with an external server: the workflow tests start their own time-skipping server.
const testServer = ensureTestServer(log);
if (testServer) log(`temporal test server: ${testServer.path} (from ${testServer.source})`);
else log('no temporal test server found or installable here; the workflow tests (npm run test:workflow) cannot run');
