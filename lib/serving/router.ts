/**
 * Routing a request to a version: the model's serve routes split requests by weight, its shadow
 * routes see every request. With a request key (header `x-steward-key`) the split is sticky: the key
 * hashes to a fixed point in [0, 100) and the version whose share covers that point answers, so the
 * same key always lands on the same version for a given split. The newest version's share starts at
 * 0, so as a canary grows from 10% to 50% the keys it already had stay with it.
 *
 * Pure module.
 */
import type { Route } from '../rollout/types';

export interface RouteTable {
  /** Serve routes with weight, newest version first, and the upper end of each one's share. */
  serve: { version: number; weight: number; upTo: number }[];
  /** Versions scored on every request and logged, never returned. */
  shadow: number[];
}

/**
 * The route table of a model's routes (serve weights are normalised to add up to 100).
 *
 * @example routeTable([{ version: 1, weight: 90, mode: 'serve' }, { version: 2, weight: 10, mode: 'serve' }])
 *   // serve: [{ version: 2, upTo: 10 }, { version: 1, upTo: 100 }]
 */
export function routeTable(routes: readonly Route[]): RouteTable {
  const serving = routes.filter((r) => r.mode === 'serve' && r.weight > 0).sort((a, b) => b.version - a.version);
  const total = serving.reduce((s, r) => s + r.weight, 0);
  let upTo = 0;
  const serve = serving.map((r) => {
    upTo += (r.weight / total) * 100;
    return { version: r.version, weight: r.weight, upTo };
  });
  if (serve.length > 0) serve[serve.length - 1].upTo = 100;
  return { serve, shadow: routes.filter((r) => r.mode === 'shadow').map((r) => r.version) };
}

/**
 * A point in [0, 100) for a request key: FNV-1a over the UTF-16 code units with murmur3's final
 * mix (FNV alone clusters short keys that differ in their last character).
 *
 * @example keyPoint('customer-42') === keyPoint('customer-42')
 */
export function keyPoint(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return ((h >>> 0) / 0x1_0000_0000) * 100;
}

/**
 * The version that answers a request: by its key's point when it has one, else at random.
 * Undefined when the table has no serve route.
 *
 * @example pickVersion(table, 'customer-42')
 */
export function pickVersion(table: RouteTable, key?: string, random: () => number = Math.random): number | undefined {
  if (table.serve.length === 0) return undefined;
  if (table.serve.length === 1) return table.serve[0].version;
  const point = key === undefined ? random() * 100 : keyPoint(key);
  for (const r of table.serve) if (point < r.upTo) return r.version;
  return table.serve[table.serve.length - 1].version;
}
