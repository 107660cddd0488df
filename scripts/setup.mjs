#!/usr/bin/env node
// One idempotent step before any project command: installs npm dependencies when they are missing
// or stale, and makes sure a Temporal CLI is available unless an external server is configured.
// Plain Node so that it runs on a fresh clone with nothing installed.
import { existsSync, statSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { ensureTemporalCli } from '../lib/runtime/temporal-cli.mjs';

const root = resolve(new URL('..', import.meta.url).pathname);
const log = (m) => console.error(`[setup] ${m}`);

const marker = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');
if (!existsSync(marker) || statSync(lock).mtimeMs > statSync(marker).mtimeMs) {
  log('installing npm dependencies (npm ci) ...');
  execSync('npm ci --no-audit --no-fund --loglevel=error', { cwd: root, stdio: 'inherit' });
}

if (!process.env.TEMPORAL_ADDRESS) {
  const cli = ensureTemporalCli(log);
  if (cli) log(`temporal CLI: ${cli.path} (from ${cli.source})`);
  else log('no temporal CLI found or installable here; the Temporal SDK will try to download one when the server starts');
}
