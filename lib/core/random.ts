/**
 * Seeded randomness, one API for the whole project: nothing that must be reproducible touches
 * `Math.random` (a risk officer re-running an audit must get the same intervals; a resumed training
 * must draw the same numbers as an uninterrupted one).
 *
 * Two generators stand behind the one `Rng` interface, because recorded results depend on both:
 * - `createRng(seed)`: xoshiro128** (Blackman & Vigna), used by evaluation (bootstrap, permutation
 *   importance, samples). Its 2^128 - 1 period is far beyond what a bootstrap needs.
 * - `StreamRng.fromSeed(seed, stream)`: SFC32 (Doty-Humphrey's small fast counting generator) with
 *   named streams and a four-word state that can be checkpointed and resumed exactly, used by
 *   training (initial weights, validation split, shuffles, dropout masks).
 * Both are seeded through splitmix32, so nearby seeds (1, 2, 3...) give unrelated streams.
 *
 * Pure module (no Node built-ins).
 */

/** A source of uniform numbers in [0, 1), plus uniform integers below a bound. */
export interface Rng {
  /** Uniform double in [0, 1) with 32 bits of randomness. */
  next(): number;
  /** Uniform integer in [0, n), n <= 2^32 (multiply-shift: bias below n / 2^32). */
  int(n: number): number;
}

function splitmix32(x: number): [next: number, out: number] {
  const next = (x + 0x9e3779b9) >>> 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return [next, (z ^ (z >>> 16)) >>> 0];
}

function splitmixWords(seed: number, count: number): number[] {
  const words: number[] = [];
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    const [next, out] = splitmix32(s);
    s = next;
    words.push(out);
  }
  return words;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * A seeded xoshiro128** generator.
 *
 * @example
 *   const rng = createRng(42);
 *   const u = rng.next(); // same value on every run with seed 42
 */
export function createRng(seed: number): Rng {
  let [a, b, c, d] = splitmixWords(Math.floor(seed) >>> 0, 4);
  if ((a | b | c | d) === 0) a = 1; // the all-zero state is the one fixed point of xoshiro
  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
  return {
    next: () => nextU32() / 4294967296,
    int: (n: number) => Math.floor((nextU32() / 4294967296) * n),
  };
}

/** A StreamRng's full state: four uint32 words. */
export type RngState = [number, number, number, number];

/**
 * SFC32 with named streams and a checkpointable state.
 *
 * @example
 *   const rng = StreamRng.fromSeed(42, 'shuffle');
 *   const saved = rng.state();
 *   StreamRng.fromState(saved).next() === rng.next(); // true
 */
export class StreamRng implements Rng {
  private constructor(
    private a: number,
    private b: number,
    private c: number,
    private d: number,
  ) {}

  /** A stream derived from `seed` and a stream name, so each purpose gets an independent sequence. */
  static fromSeed(seed: number, stream: string): StreamRng {
    let h = seed >>> 0;
    for (let i = 0; i < stream.length; i++) h = Math.imul(h ^ stream.charCodeAt(i), 0x01000193) >>> 0;
    const [a, b, c, d] = splitmixWords(h, 4);
    const rng = new StreamRng(a, b, c, d);
    // SFC32 mixes poorly during its first outputs; discard them.
    for (let i = 0; i < 16; i++) rng.nextUint32();
    return rng;
  }

  static fromState(state: RngState): StreamRng {
    return new StreamRng(state[0] >>> 0, state[1] >>> 0, state[2] >>> 0, state[3] >>> 0);
  }

  state(): RngState {
    return [this.a, this.b, this.c, this.d];
  }

  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  next(): number {
    return this.nextUint32() / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

type IndexArray = { length: number; [i: number]: number };

/**
 * Shuffles `a` in place (Fisher-Yates from the end: every permutation equally likely) and returns it.
 *
 * @example shuffle(createRng(1), Int32Array.from([0, 1, 2, 3]));
 */
export function shuffle<T extends IndexArray>(rng: Rng, a: T): T {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

/**
 * `k` distinct indices out of `0..n-1`, sorted (a partial Fisher-Yates from the front: only `k`
 * draws however large `n` is).
 *
 * @example sampleIndices(createRng(7), 32_561, 4000).length === 4000
 */
export function sampleIndices(rng: Rng, n: number, k: number): Uint32Array {
  const idx = Uint32Array.from({ length: n }, (_, i) => i);
  const m = Math.min(k, n);
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(n - i);
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx.subarray(0, m).sort();
}
