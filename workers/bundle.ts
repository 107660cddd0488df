/**
 * The workflow bundle a control worker loads, built once per version of the workflow code. Bundling
 * (webpack, in the SDK) takes about 5 s of CPU and leaves about 180 MB of resident memory behind in
 * the process that runs it, so it runs in a child process and its output is kept under
 * `<cache>/workflows-<hash>.js`, the hash taken over the workflow and library sources, the list of
 * shared modules and the lockfile: a worker or `steward dev` starting again on the same code loads
 * the file at once. Anything that goes wrong here falls back to bundling in the worker itself (the
 * SDK's `workflowsPath`), which is what happened before; `STEWARD_BUNDLE_CACHE=0` asks for that old
 * behaviour (`npm run bench:startup` compares both).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../lib/runtime/paths';
import { sharedWorkflowModules, workflowsPath } from './workflows-path';

/** Every source file the bundle may include (over-inclusive: a change anywhere in lib/ rebuilds). */
function sourceHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|mjs|js|json)$/.test(entry.name) && !entry.name.endsWith('.test.ts')) hash.update(path.slice(projectRoot.length)).update('\0').update(readFileSync(path)).update('\0');
    }
  };
  walk(join(projectRoot, 'workflows'));
  walk(join(projectRoot, 'lib'));
  hash.update(JSON.stringify(sharedWorkflowModules.map((m) => m.replace(projectRoot, ''))));
  for (const f of ['package-lock.json', 'tsconfig.json']) if (existsSync(join(projectRoot, f))) hash.update(readFileSync(join(projectRoot, f)));
  return hash.digest('hex').slice(0, 16);
}

/**
 * The path of a bundle of the current workflow code in `cacheDir`, built in a child process when it
 * is not there yet; undefined when that fails or `STEWARD_BUNDLE_CACHE=0` (the caller bundles in-process).
 *
 * @example const codePath = await cachedWorkflowBundle(join(config.home, 'cache'));
 */
export async function cachedWorkflowBundle(cacheDir: string, warn: (message: string) => void = () => {}): Promise<string | undefined> {
  if (process.env.STEWARD_BUNDLE_CACHE === '0') return undefined;
  try {
    const file = join(cacheDir, `workflows-${sourceHash()}.js`);
    if (existsSync(file)) return file;
    mkdirSync(cacheDir, { recursive: true });
    const child = spawn(process.execPath, [join(projectRoot, 'workers/bundle-child.mjs'), workflowsPath, file, JSON.stringify(sharedWorkflowModules)], { cwd: projectRoot, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => {
      child.once('error', () => resolve(-1));
      child.once('exit', (c) => resolve(c));
    });
    if (code === 0 && existsSync(file)) return file;
    warn(`bundling the workflows in a child process failed (exit ${code}): ${stderr.trim().slice(-500)}; bundling in this process`);
  } catch (err) {
    warn(`the workflow bundle cache is not usable (${(err as Error).message}); bundling in this process`);
  }
  return undefined;
}
