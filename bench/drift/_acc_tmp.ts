import { readChunks } from '../../lib/data/reader';
import { computeDrift } from '../../lib/drift/suite';
import { ProfileBuilder } from '../../lib/drift/profile';
import { benchColumns } from '../../bench/drift/generate';
import { readFileSync } from 'node:fs';
const rows = process.argv[2] ?? '1000000';
const cap = Number(process.argv[3] ?? 1024);
const d = '/work/main/.tools/bench-drift-data/';
const t0 = performance.now();
const rb = new ProfileBuilder({ centroids: cap });
for await (const c of readChunks(`${d}reference-${rows}.csv`, { columns: benchColumns })) rb.add(c);
const ref = rb.finish();
const cb = new ProfileBuilder({ reference: ref });
for await (const c of readChunks(`${d}current-${rows}.csv`, { columns: benchColumns })) cb.add(c);
const cur = cb.finish();
const t1 = performance.now();
const rep = computeDrift(ref, cur);
const exact = JSON.parse(readFileSync('/tmp/sw/exact.json', 'utf8'));
for (const c of rep.columns) {
  const e = exact[c.column];
  if (!e) continue;
  const rc = ref.columns.find((x) => x.name === c.column)!;
  console.log(c.column.padEnd(16), c.test.padEnd(12), c.statistic.toFixed(6), e.wd_norm.toFixed(6), 'err', Math.abs(c.statistic - e.wd_norm).toExponential(2), 'bound', c.detail.errorBound?.toExponential(2) ?? '-', 'bytes', JSON.stringify(rc).length);
}
console.log('s', ((t1 - t0) / 1000).toFixed(2));
