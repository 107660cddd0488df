const gc = (globalThis as any).gc as () => void;
const heap = () => { gc(); gc(); return process.memoryUsage().heapUsed; };
await import('zod');
let last = heap();
for (const m of ['core/errors', 'core/duration', 'core/identity', 'model/config', 'release/decision-signature', 'release/types', 'release/messages', 'rollout/types', 'rollout/messages', 'monitoring/types', 'monitoring/default-triggers', 'monitoring/messages', 'incidents/types', 'incidents/messages']) {
  await import(`/work/main/lib/${m}.ts`);
  const h = heap();
  console.log(m.padEnd(30), ((h - last) / 1024).toFixed(0), 'KB');
  last = h;
}
