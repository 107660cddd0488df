/**
 * Loaded once by each worker's workflow sandbox and shared by every workflow it runs (the SDK's
 * `preloadModules`, listed in workers/workflows-path.ts), instead of being evaluated again for each
 * workflow the sandbox creates. Nothing here is a workflow and nothing here holds workflow state.
 *
 * - zod: evaluating the library defines about 180 schema classes with their prototypes; done per
 *   workflow, that was most of the 1.8 MB of workflow-thread heap each release kept in the workflow
 *   cache, and most of the CPU of a new workflow's first task. The package declares
 *   `sideEffects: false`, so webpack drops a bare preload of it: this module uses it.
 * - @noble/ed25519 and @noble/hashes, for the sign-off signature check: about 0.3 MB per workflow
 *   evaluated. SHA-512 is installed into ed25519 here, while the module can still be written.
 *
 * Our own schemas (lib/) stay per workflow, and so does every module that exports one: the SDK
 * deep-freezes shared modules' exports, and zod completes a schema in place on its first use
 * (`.default()`, `.parse()`), which a frozen schema refuses.
 */
import { hashes } from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { z } from 'zod';

hashes.sha512 = sha512;

/**
 * Builds and parses one schema of each container kind while the module is still writable: zod
 * finishes its own set-up (its memoizer, in its global config) when the first one is made, and the
 * SDK freezes a shared module's exports after preloading. Also keeps zod in the bundle's shared part.
 */
export const zodWarmed = z
  .object({ list: z.array(z.string()).optional(), map: z.record(z.string(), z.number()), either: z.union([z.literal('a'), z.number()]), tagged: z.discriminatedUnion('k', [z.object({ k: z.literal('x') }), z.object({ k: z.literal('y'), n: z.number().int() })]).optional(), tuple: z.tuple([z.string()]).optional() })
  .strict()
  .safeParse({ list: ['a'], map: { a: 1 }, either: 'a', tagged: { k: 'y', n: 1 }, tuple: ['t'] }).success;
