/**
 * The dependency rule of ARCHITECTURE.md as code. Two checks:
 *
 * - `checkLayers`: every import between the project's folders goes to a folder its layer may use
 *   (`layerRules`), type-only imports included (a type import upwards is still a design dependency).
 *   A folder not in the table is itself a violation: a new capability takes its place in the table
 *   and in ARCHITECTURE.md before it lands.
 * - `checkWorkflowPurity`: follows the runtime import graph from a workflow entry file and reports
 *   every import of a Node built-in, a database driver, TensorFlow.js or a Temporal client / worker
 *   / activity package. Type-only imports are erased at build time and allowed.
 */
import { builtinModules } from 'node:module';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * Which project folders each folder may import (besides itself). Ordered from the entry points
 * down to lib/core, which imports nothing of the project.
 */
export const layerRules: Record<string, readonly string[]> = {
  // Entry points: anything below them (bench and test may also use test/support).
  test: ['*'],
  bench: ['*'],
  scripts: ['cli', 'serving', 'workers', 'activities', 'workflows', 'db', 'lib/*'],
  cli: ['api', 'serving', 'workers', 'db', 'lib/*'],
  // The HTTP control API and its approval pages.
  api: ['db', 'lib/*'],
  // The HTTP data plane (the gateway process): the database and lib/, never workflows or activities.
  serving: ['db', 'lib/*'],
  // Wiring of task queues to activities and workflows; the embedded stack.
  workers: ['activities', 'workflows', 'db', 'lib/*'],
  // Orchestration: message definitions, release and rollout types and the failure catalogue; activities as types.
  workflows: ['activities', 'lib/core', 'lib/release', 'lib/rollout', 'lib/monitoring', 'lib/incidents'],
  activities: ['db', 'lib/*'],
  // Identity: tokens, roles' storage, keys, OIDC, the access log.
  'lib/identity': ['db', 'lib/core', 'lib/runtime', 'lib/audit', 'lib/registry', 'lib/release', 'lib/policy', 'lib/card', 'lib/data', 'lib/drift', 'lib/metrics', 'lib/model', 'lib/monitoring', 'lib/incidents'],
  // Verification of the audit record and its anchors outside the database.
  'lib/audit': ['db', 'lib/core', 'lib/runtime', 'lib/registry', 'lib/release', 'lib/policy', 'lib/card', 'lib/data', 'lib/drift', 'lib/metrics', 'lib/model', 'lib/monitoring', 'lib/incidents'],
  // Database services: the registry of models and versions, the audit record, artifacts, cards.
  'lib/registry': ['db', 'lib/core', 'lib/runtime', 'lib/data', 'lib/drift', 'lib/metrics', 'lib/model', 'lib/policy', 'lib/release', 'lib/card', 'lib/rollout', 'lib/monitoring', 'lib/incidents'],
  // Serving services: routing, the model catalog of a gateway, the prediction log and its privacy transforms.
  'lib/serving': ['db', 'lib/core', 'lib/runtime', 'lib/data', 'lib/drift', 'lib/metrics', 'lib/model', 'lib/policy', 'lib/registry', 'lib/release', 'lib/rollout', 'lib/monitoring', 'lib/incidents'],
  // Schema and migrations; status vocabularies and jsonb types come from the domain.
  db: ['lib/core', 'lib/data', 'lib/drift', 'lib/metrics', 'lib/model', 'lib/policy', 'lib/release', 'lib/rollout', 'lib/monitoring', 'lib/incidents'],
  'lib/card': ['lib/core', 'lib/data', 'lib/drift', 'lib/metrics', 'lib/model', 'lib/policy', 'lib/release', 'lib/monitoring'],
  'lib/release': ['lib/core', 'lib/runtime', 'lib/data', 'lib/drift', 'lib/metrics', 'lib/model', 'lib/policy', 'lib/monitoring'],
  'lib/policy': ['lib/core', 'lib/runtime', 'lib/data', 'lib/drift', 'lib/metrics', 'lib/model', 'lib/rollout', 'lib/monitoring'],
  // Rollout and rollback types, messages, client and the pure analysis (the policy's rollout section is built from them).
  'lib/rollout': ['lib/core', 'lib/runtime', 'lib/data', 'lib/drift', 'lib/metrics'],
  // Monitoring: change detectors, the policy's monitoring section, window results, trigger evaluation (pure).
  'lib/monitoring': ['lib/core', 'lib/runtime', 'lib/data', 'lib/drift', 'lib/metrics', 'lib/model'],
  // Incidents: severities, runbooks, the workflow's state and messages, the client, postmortems (pure but the client).
  'lib/incidents': ['lib/core', 'lib/runtime', 'lib/data', 'lib/drift', 'lib/metrics', 'lib/model', 'lib/monitoring'],
  'lib/model': ['lib/core', 'lib/runtime', 'lib/data'],
  'lib/metrics': ['lib/core', 'lib/data'],
  'lib/drift': ['lib/core', 'lib/runtime', 'lib/data'],
  'lib/data': ['lib/core', 'lib/runtime'],
  'lib/runtime': ['lib/core'],
  'lib/core': [],
};

/** Folders whose files are checked (everything the project writes in TypeScript). */
const roots = ['test', 'bench', 'scripts', 'cli', 'api', 'serving', 'workers', 'workflows', 'activities', 'db', 'lib'];

export interface ImportViolation {
  file: string;
  line: number;
  specifier: string;
  /** Why: the importing layer and the target layer, or a file outside every layer. */
  reason: string;
}

export interface PurityViolation {
  file: string;
  line: number;
  specifier: string;
  via: string[];
}

// Matches `import x from '...'`, `import '...'`, `export ... from '...'`, `import('...')`, `require('...')`,
// and records whether the statement is type-only.
const importPattern = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*(?:\/\*.*?\*\/\s*)?['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

interface ImportSite {
  spec: string;
  line: number;
  typeOnly: boolean;
}

function importsOf(text: string): ImportSite[] {
  const sites: ImportSite[] = [];
  for (const m of text.matchAll(importPattern)) {
    const spec = m[3] ?? m[4] ?? m[5];
    if (!spec) continue;
    const line = text.slice(0, m.index).split('\n').length + (text[m.index] === '\n' ? 1 : 0);
    sites.push({ spec, line, typeOnly: Boolean(m[2]) });
  }
  return sites;
}

function resolveLocal(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, `${base}/index.ts`, base.replace(/\.js$/, '.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile() && /\.(ts|mjs)$/.test(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The layer a project-relative path belongs to: `test` for tests wherever they sit (`x.test.ts`
 * beside the code), else the longest matching folder of `layerRules`, if any.
 */
export function layerOf(path: string): string | undefined {
  const p = path.split(sep).join('/');
  if (/\.test\.ts$/.test(p)) return 'test';
  let best: string | undefined;
  for (const layer of Object.keys(layerRules)) {
    if ((p === layer || p.startsWith(`${layer}/`)) && (!best || layer.length > best.length)) best = layer;
  }
  return best;
}

function allows(from: string, to: string): boolean {
  if (from === to) return true;
  return layerRules[from].some((allowed) => allowed === '*' || allowed === to || (allowed === 'lib/*' && to.startsWith('lib/')));
}

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'histories' ? [] : tsFiles(p);
    return /\.(ts|mts)$/.test(e.name) ? [p] : [];
  });
}

/**
 * Every import between project folders that the dependency rule forbids.
 *
 * @example expect(checkLayers()).toEqual([]);
 */
export function checkLayers(root = process.cwd()): ImportViolation[] {
  const violations: ImportViolation[] = [];
  for (const file of roots.flatMap((r) => tsFiles(join(root, r)))) {
    const from = relative(root, file);
    const fromLayer = layerOf(from);
    if (!fromLayer) {
      violations.push({ file: from, line: 1, specifier: '', reason: `${dirname(from)} is in no layer: add it to layerRules and ARCHITECTURE.md` });
      continue;
    }
    for (const site of importsOf(readFileSync(file, 'utf8'))) {
      if (!site.spec.startsWith('.')) continue;
      const target = resolveLocal(file, site.spec);
      if (!target) continue;
      const to = relative(root, target);
      const toLayer = layerOf(to);
      if (!toLayer) continue; // package.json and the like
      if (!allows(fromLayer, toLayer)) {
        violations.push({ file: from, line: site.line, specifier: site.spec, reason: `${fromLayer} may not import ${toLayer}${site.typeOnly ? ' (even as a type)' : ''}` });
      }
    }
  }
  return violations;
}

const forbiddenPackages = [/^postgres$/, /^drizzle-orm/, /^@electric-sql\//, /^@tensorflow\//, /^@temporalio\/(client|worker|activity|testing)$/];
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** @example const violations = checkWorkflowPurity('workflows/index.ts'); expect(violations).toEqual([]); */
export function checkWorkflowPurity(entry: string, root = process.cwd()): PurityViolation[] {
  const violations: PurityViolation[] = [];
  const seen = new Set<string>();
  const visit = (file: string, via: string[]) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const site of importsOf(readFileSync(file, 'utf8'))) {
      if (site.typeOnly) continue;
      if (site.spec.startsWith('.')) {
        const target = resolveLocal(file, site.spec);
        if (target) visit(target, [...via, relative(root, file)]);
        continue;
      }
      if (builtins.has(site.spec) || forbiddenPackages.some((p) => p.test(site.spec))) {
        violations.push({ file: relative(root, file), line: site.line, specifier: site.spec, via });
      }
    }
  };
  visit(resolve(root, entry), []);
  return violations;
}
