#!/usr/bin/env node
// `npx steward ...` from the project root: runs the TypeScript CLI through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
