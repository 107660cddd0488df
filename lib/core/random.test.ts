import { describe, expect, it } from 'vitest';
import { createRng, sampleIndices, shuffle, StreamRng } from './random';

describe('StreamRng', () => {
  it('gives the same stream for the same seed and stream name, different ones otherwise', () => {
    const draw = (r: StreamRng) => Array.from({ length: 5 }, () => r.nextUint32());
    expect(draw(StreamRng.fromSeed(1, 'a'))).toEqual(draw(StreamRng.fromSeed(1, 'a')));
    expect(draw(StreamRng.fromSeed(1, 'a'))).not.toEqual(draw(StreamRng.fromSeed(2, 'a')));
    expect(draw(StreamRng.fromSeed(1, 'a'))).not.toEqual(draw(StreamRng.fromSeed(1, 'b')));
  });

  it('continues exactly from a saved state', () => {
    const r = StreamRng.fromSeed(7, 'x');
    r.next();
    const copy = StreamRng.fromState(r.state());
    expect(Array.from({ length: 10 }, () => copy.next())).toEqual(Array.from({ length: 10 }, () => r.next()));
  });

  it('draws floats in [0, 1) and shuffles into a permutation', () => {
    const r = StreamRng.fromSeed(3, 'y');
    for (let i = 0; i < 1000; i++) {
      const u = r.next();
      expect(u >= 0 && u < 1).toBe(true);
    }
    const p = shuffle(r, Int32Array.from({ length: 50 }, (_, i) => i));
    expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});

describe('shuffle and sampleIndices', () => {
  it('shuffle gives a permutation, the same one for the same seed', () => {
    const a = shuffle(createRng(5), Uint32Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(shuffle(createRng(5), Uint32Array.from({ length: 100 }, (_, i) => i)))).toEqual(Array.from(a));
  });

  it('sampleIndices draws k distinct sorted indices, all of them when k >= n', () => {
    const s = sampleIndices(createRng(9), 1000, 40);
    expect(s.length).toBe(40);
    expect(new Set(s).size).toBe(40);
    expect(Array.from(s)).toEqual(Array.from(s).sort((x, y) => x - y));
    expect(Array.from(sampleIndices(createRng(9), 5, 10))).toEqual([0, 1, 2, 3, 4]);
  });
});
