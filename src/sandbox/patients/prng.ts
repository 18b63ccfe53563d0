/** Deterministic PRNG (mulberry32) so the same seed always yields the same patients. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Roughly normal (sum of uniforms), for lab noise. */
  normal(mean: number, sd: number): number {
    let s = 0;
    for (let i = 0; i < 6; i++) s += this.next();
    return mean + (s - 3) * sd * Math.SQRT2;
  }
}

/** A stable seed per story, so adding a story never changes the others. */
export function storySeed(seed: number, story: string): number {
  let h = seed >>> 0;
  for (const ch of story) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return h;
}
