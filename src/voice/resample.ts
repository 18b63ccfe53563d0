// Streaming down-mix and resampling to the analysis rate: a 4th-order Butterworth low-pass (two
// biquads, RBJ cookbook) against aliasing, then linear interpolation. State carries across blocks.
import type { PcmBlock } from './decode.ts';

/** One RBJ low-pass biquad, direct form I. */
export class Biquad {
  readonly #b0: number;
  readonly #b1: number;
  readonly #b2: number;
  readonly #a1: number;
  readonly #a2: number;
  #x1 = 0;
  #x2 = 0;
  #y1 = 0;
  #y2 = 0;

  constructor(cutoffHz: number, sampleRate: number, q: number) {
    const w = (2 * Math.PI * cutoffHz) / sampleRate;
    const alpha = Math.sin(w) / (2 * q);
    const cos = Math.cos(w);
    const a0 = 1 + alpha;
    this.#b0 = (1 - cos) / 2 / a0;
    this.#b1 = (1 - cos) / a0;
    this.#b2 = this.#b0;
    this.#a1 = (-2 * cos) / a0;
    this.#a2 = (1 - alpha) / a0;
  }

  /** Filters in place. */
  run(x: Float32Array, n = x.length): void {
    let { x1, x2, y1, y2 } = { x1: this.#x1, x2: this.#x2, y1: this.#y1, y2: this.#y2 };
    for (let i = 0; i < n; i++) {
      const xi = x[i]!;
      const y = this.#b0 * xi + this.#b1 * x1 + this.#b2 * x2 - this.#a1 * y1 - this.#a2 * y2;
      x2 = x1;
      x1 = xi;
      y2 = y1;
      y1 = y;
      x[i] = y;
    }
    this.#x1 = x1;
    this.#x2 = x2;
    this.#y1 = y1;
    this.#y2 = y2;
  }
}

/** Butterworth Q values of a 4th-order low-pass as two biquads. */
const BUTTER4_Q = [0.5412, 1.3066];

export function lowPass4(cutoffHz: number, sampleRate: number): (x: Float32Array, n?: number) => void {
  const stages = BUTTER4_Q.map((q) => new Biquad(cutoffHz, sampleRate, q));
  return (x, n = x.length) => {
    for (const s of stages) s.run(x, n);
  };
}

/** Full-scale threshold for counting clipped samples. */
const CLIP = 0.999;

export class Resampler {
  readonly #step: number;
  readonly #filter: ((x: Float32Array, n?: number) => void) | null;
  /** Position of the next output sample, in input samples relative to the current block's start. */
  #pos = 0;
  #last = 0;
  #mono = new Float32Array(0);
  clipped = 0;
  inputSamples = 0;

  constructor(
    readonly inputRate: number,
    readonly outputRate: number,
  ) {
    this.#step = inputRate / outputRate;
    this.#filter = inputRate > outputRate ? lowPass4(0.45 * outputRate, inputRate) : null;
  }

  /** Down-mixes, filters and resamples one block; returns the output samples (a new array). */
  push(block: PcmBlock): Float32Array {
    const chans = block.channels;
    const n = chans[0]!.length;
    if (this.#mono.length < n) this.#mono = new Float32Array(n);
    const mono = this.#mono;
    let clipped = 0;
    if (chans.length === 1) {
      const c = chans[0]!;
      for (let i = 0; i < n; i++) {
        const v = c[i]!;
        mono[i] = v;
        if (v >= CLIP || v <= -CLIP) clipped++;
      }
    } else {
      mono.fill(0, 0, n);
      const k = 1 / chans.length;
      for (const c of chans) {
        for (let i = 0; i < n; i++) {
          const v = c[i]!;
          mono[i]! += v * k;
          if (v >= CLIP || v <= -CLIP) clipped++;
        }
      }
    }
    this.clipped += clipped / chans.length;
    this.inputSamples += n;
    this.#filter?.(mono, n);
    if (this.#step === 1) return mono.slice(0, n);
    // Linear interpolation between mono[i-1] (the previous block's last sample at i = 0) and mono[i].
    const count = Math.max(0, Math.ceil((n - this.#pos) / this.#step));
    const out = new Float32Array(count);
    let pos = this.#pos;
    for (let j = 0; j < count; j++, pos += this.#step) {
      const i = Math.floor(pos);
      const frac = pos - i;
      const a = i === 0 ? this.#last : mono[i - 1]!;
      const b = mono[i]!;
      out[j] = a + (b - a) * frac;
    }
    this.#pos = pos - n;
    this.#last = mono[n - 1]!;
    return out;
  }
}
