/**
 * Static check that workflow code stays deterministic-safe: follows the import graph from a workflow
 * entry file and reports every runtime import of a Node built-in, a database driver, TensorFlow.js or
 * a Temporal client/worker/activity package. Type-only imports are erased at build time and allowed.
 */
import { builtinModules } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';

const forbiddenPackages = [/^postgres$/, /^drizzle-orm/, /^@electric-sql\//, /^@tensorflow\//, /^@temporalio\/(client|worker|activity|testing)$/];
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

export interface PurityViolation {
  file: string;
  line: number;
  specifier: string;
  via: string[];
}

// Matches `import x from '...'`, `import '...'`, `export ... from '...'`, `import('...')`, `require('...')`,
// and records whether the statement is type-only.
const importPattern = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

function resolveLocal(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, `${base}/index.ts`, base.replace(/\.js$/, '.ts')]) {
    if (existsSync(candidate) && candidate.endsWith('.ts')) return candidate;
  }
  return undefined;
}

/** @example const violations = checkWorkflowPurity('workflows/index.ts'); expect(violations).toEqual([]); */
export function checkWorkflowPurity(entry: string, root = process.cwd()): PurityViolation[] {
  const violations: PurityViolation[] = [];
  const seen = new Set<string>();
  const visit = (file: string, via: string[]) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(importPattern)) {
      const typeOnly = Boolean(m[2]);
      const spec = m[3] ?? m[4] ?? m[5];
      if (!spec || typeOnly) continue;
      const line = text.slice(0, m.index).split('\n').length + (text[m.index] === '\n' ? 1 : 0);
      if (spec.startsWith('.')) {
        const target = resolveLocal(file, spec);
        if (target) visit(target, [...via, relative(root, file)]);
        continue;
      }
      if (builtins.has(spec) || forbiddenPackages.some((p) => p.test(spec))) {
        violations.push({ file: relative(root, file), line, specifier: spec, via });
      }
    }
  };
  visit(resolve(root, entry), []);
  return violations;
}
