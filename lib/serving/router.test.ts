import { describe, expect, it } from 'vitest';
import { keyPoint, pickVersion, routeTable } from './router';

describe('routing', () => {
  const split = (canary: number) =>
    routeTable([
      { version: 1, weight: 100 - canary, mode: 'serve' },
      { version: 2, weight: canary, mode: 'serve' },
      { version: 3, weight: 0, mode: 'shadow' },
    ]);

  it('sends a request key to the same version every time for a given split', () => {
    const table = split(30);
    for (let k = 0; k < 200; k++) expect(pickVersion(table, `customer-${k}`)).toBe(pickVersion(table, `customer-${k}`));
  });

  it('splits keys by the weights, and never routes to a shadow version', () => {
    const table = split(30);
    const counts = new Map<number | undefined, number>();
    for (let k = 0; k < 20_000; k++) {
      const v = pickVersion(table, `user-${k}@example.org`);
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    expect(counts.get(2)! / 20_000).toBeCloseTo(0.3, 1);
    expect(counts.get(3)).toBeUndefined();
    expect(table.shadow).toEqual([3]);
  });

  it('keeps the keys a canary already has as its share grows', () => {
    const keys = Array.from({ length: 5000 }, (_, k) => `k${k}`);
    const at10 = keys.filter((k) => pickVersion(split(10), k) === 2);
    const at50 = new Set(keys.filter((k) => pickVersion(split(50), k) === 2));
    expect(at10.length).toBeGreaterThan(300);
    expect(at10.every((k) => at50.has(k))).toBe(true);
  });

  it('spreads keys that differ only in their last character', () => {
    const points = Array.from({ length: 10 }, (_, i) => keyPoint(`customer-${i}`));
    expect(new Set(points.map((p) => Math.floor(p / 10))).size).toBeGreaterThan(5);
  });

  it('routes without a key at random by the weights, and has no answer without serve routes', () => {
    expect(pickVersion(split(30), undefined, () => 0.1)).toBe(2);
    expect(pickVersion(split(30), undefined, () => 0.9)).toBe(1);
    expect(pickVersion(routeTable([{ version: 3, weight: 0, mode: 'shadow' }]))).toBeUndefined();
  });
});
