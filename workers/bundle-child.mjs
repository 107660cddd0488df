// Bundles the workflow code (webpack, through the Temporal SDK) into a file, in a process of its own:
// `node workers/bundle-child.mjs <workflows entry> <out file> <modules to share, JSON>`. Run by workers/bundle.ts.
import { rename, writeFile } from 'node:fs/promises';
import { bundleWorkflowCode } from '@temporalio/worker';

const [workflowsPath, out, shared] = process.argv.slice(2);
const quiet = { trace() {}, debug() {}, info() {}, warn() {}, log() {}, error: (...a) => console.error(...a) };
const { code } = await bundleWorkflowCode({ workflowsPath, preloadModules: JSON.parse(shared ?? '[]'), logger: quiet });
const tmp = `${out}.${process.pid}.tmp`;
await writeFile(tmp, code);
await rename(tmp, out);
