// Entry file of the embedded database's process (lib/runtime/embedded-db-process.ts forks it):
// registers tsx so the TypeScript owner module can be imported, as bin/steward.mjs does.
import { register } from 'tsx/esm/api';

register();
await import('./embedded-db-owner.ts');
