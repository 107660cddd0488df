/**
 * A small seedable PRNG whose whole state is four 32-bit words, so it can be checkpointed and
 * resumed exactly. Training draws every random number (initial weights, validation split,
 * shuffles, dropout masks) from these generators instead of tfjs's internal ones, which cannot
 * be snapshotted.
 *
 * Algorithm: SFC32 (Chris Doty-Humphrey's small fast counting generator), seeded through
 * SplitMix32 so nearby seeds give unrelated streams.
 */

/** A generator's full state: four uint32 words. */
export type RngState = [number, number, number, number];

function splitmix32(x: number): [number, number] {
  const next = (x + 0x9e3779b9) >>> 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return [next, (z ^ (z >>> 16)) >>> 0];
}

/**
 * Seeded random stream.
 *
 * @example
 *   const rng = Rng.fromSeed(42, 'shuffle');
 *   rng.next();            // float in [0, 1)
 *   const saved = rng.state();
 *   Rng.fromState(saved).next() === rng.next(); // true
 */
export class Rng {
  private constructor(private a: number, private b: number, private c: number, private d: number) {}

  /** A stream derived from `seed` and a stream name, so each purpose gets an independent sequence. */
  static fromSeed(seed: number, stream: string): Rng {
    let h = seed >>> 0;
    for (let i = 0; i < stream.length; i++) h = Math.imul(h ^ stream.charCodeAt(i), 0x01000193) >>> 0;
    const words: number[] = [];
    let s = h;
    for (let i = 0; i < 4; i++) {
      const [next, out] = splitmix32(s);
      s = next;
      words.push(out);
    }
    const rng = new Rng(words[0]!, words[1]!, words[2]!, words[3]!);
    // SFC32 mixes poorly during its first outputs; discard them.
    for (let i = 0; i < 16; i++) rng.nextUint32();
    return rng;
  }

  static fromState(state: RngState): Rng {
    return new Rng(state[0] >>> 0, state[1] >>> 0, state[2] >>> 0, state[3] >>> 0);
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

  /** Uniform float in [0, 1) with 32 bits of randomness. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Shuffles `a` in place (Fisher-Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: number }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
    return a;
  }
}
