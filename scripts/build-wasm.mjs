#!/usr/bin/env node
// Compiles the AssemblyScript kernels under wasm/ and writes each, base64-encoded, into its
// generated TypeScript module (see KERNELS in wasm-kernel.mjs), so the modules load from plain JS
// anywhere (tsx, bundles, workers) without a build step or a file path. The generated files are
// committed; a unit test rebuilds the kernels and fails when committed bytes differ from the source.
//
//   node scripts/build-wasm.mjs          rewrite the generated modules
//   node scripts/build-wasm.mjs --check  exit 1 when one is stale
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KERNELS, buildKernel, kernelModuleText } from './wasm-kernel.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
let stale = 0;
for (const kernel of KERNELS) {
  const text = kernelModuleText(kernel, await buildKernel(root, kernel.source));
  const target = `${root}${kernel.module}`;
  if (process.argv.includes('--check')) {
    if (readFileSync(target, 'utf8') !== text) {
      console.error(`${kernel.module} is stale: run node scripts/build-wasm.mjs`);
      stale++;
    }
  } else {
    writeFileSync(target, text);
    console.error(`wrote ${kernel.module}`);
  }
}
process.exit(stale > 0 ? 1 : 0);
