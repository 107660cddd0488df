import { describe, expect, it } from 'vitest';
import { Rng } from './seeded-stream';

describe('Rng', () => {
  it('gives the same stream for the same seed and stream name, different ones otherwise', () => {
    const draw = (r: Rng) => Array.from({ length: 5 }, () => r.nextUint32());
    expect(draw(Rng.fromSeed(1, 'a'))).toEqual(draw(Rng.fromSeed(1, 'a')));
    expect(draw(Rng.fromSeed(1, 'a'))).not.toEqual(draw(Rng.fromSeed(2, 'a')));
    expect(draw(Rng.fromSeed(1, 'a'))).not.toEqual(draw(Rng.fromSeed(1, 'b')));
  });

  it('continues exactly from a saved state', () => {
    const r = Rng.fromSeed(7, 'x');
    r.next();
    const copy = Rng.fromState(r.state());
    expect(Array.from({ length: 10 }, () => copy.next())).toEqual(Array.from({ length: 10 }, () => r.next()));
  });

  it('draws floats in [0, 1) and shuffles into a permutation', () => {
    const r = Rng.fromSeed(3, 'y');
    for (let i = 0; i < 1000; i++) {
      const u = r.next();
      expect(u >= 0 && u < 1).toBe(true);
    }
    const p = r.shuffle(Int32Array.from({ length: 50 }, (_, i) => i));
    expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
