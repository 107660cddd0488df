// Entry file of the embedded database's process (workers/database-process.ts forks it):
// registers tsx so the TypeScript owner module can be imported, as bin/steward.mjs does.
import { register } from 'tsx/esm/api';

register();
await import('./database-owner.ts');
