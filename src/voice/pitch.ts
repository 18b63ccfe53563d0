// Pitch of one frame by normalised autocorrelation (Boersma 1993, "Accurate short-term analysis of
// the fundamental frequency and the harmonics-to-noise ratio of a sampled sound", IFA Proceedings
// 17:97–110): Hann window, autocorrelation through the FFT divided by the window's own
// autocorrelation, best peak with Praat's octave cost, parabolic interpolation.
import FFT from 'fft.js';
import { PITCH } from './params.ts';

export interface PitchEstimate {
  /** Hz; 0 when unvoiced. */
  f0: number;
  /** Peak of the normalised autocorrelation (0–1). */
  strength: number;
}

/** Praat's default octave cost: 0.01 per octave, favouring the higher of two similar candidates. */
const OCTAVE_COST = 0.01;

export class PitchTracker {
  readonly #n: number;
  readonly #fft: FFT;
  readonly #window: Float32Array;
  readonly #windowAc: Float64Array;
  readonly #input: Float64Array;
  readonly #spectrum: Float64Array;
  readonly #power: Float64Array;
  readonly #ac: Float64Array;
  readonly #minLag: number;
  readonly #maxLag: number;

  constructor(
    readonly sampleRate: number,
    readonly windowLength = Math.round(PITCH.windowSeconds * sampleRate),
  ) {
    this.#minLag = Math.floor(sampleRate / PITCH.ceilingHz);
    this.#maxLag = Math.ceil(sampleRate / PITCH.floorHz);
    let n = 1;
    while (n < windowLength + this.#maxLag + 1) n *= 2;
    this.#n = n;
    this.#fft = new FFT(n);
    this.#window = new Float32Array(windowLength);
    for (let i = 0; i < windowLength; i++) this.#window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 1)) / (windowLength + 1));
    this.#input = new Float64Array(n);
    this.#spectrum = new Float64Array(2 * n);
    this.#power = new Float64Array(n);
    this.#ac = new Float64Array(2 * n);
    // The window's own autocorrelation, normalised: dividing by it undoes the window's taper.
    this.#windowAc = new Float64Array(this.#maxLag + 2);
    let r0 = 0;
    for (let i = 0; i < windowLength; i++) r0 += this.#window[i]! ** 2;
    for (let lag = 0; lag <= this.#maxLag + 1; lag++) {
      let s = 0;
      for (let i = 0; i + lag < windowLength; i++) s += this.#window[i]! * this.#window[i + lag]!;
      this.#windowAc[lag] = s / r0;
    }
  }

  /** `frame` holds `windowLength` samples (a view into a ring buffer is fine: it is copied). */
  estimate(frame: Float32Array): PitchEstimate {
    const len = this.windowLength;
    let mean = 0;
    for (let i = 0; i < len; i++) mean += frame[i]!;
    mean /= len;
    const x = this.#input;
    for (let i = 0; i < len; i++) x[i] = (frame[i]! - mean) * this.#window[i]!;
    x.fill(0, len);
    const spec = this.#spectrum;
    this.#fft.realTransform(spec as unknown as number[], x as unknown as number[]);
    this.#fft.completeSpectrum(spec as unknown as number[]);
    const power = this.#power;
    for (let k = 0; k < this.#n; k++) power[k] = spec[2 * k]! * spec[2 * k]! + spec[2 * k + 1]! * spec[2 * k + 1]!;
    // The power spectrum is real and even: its forward transform is the autocorrelation (× n).
    const ac = this.#ac;
    this.#fft.realTransform(ac as unknown as number[], power as unknown as number[]);
    const r0 = ac[0]!;
    if (!(r0 > 1e-12)) return { f0: 0, strength: 0 };
    const r = (lag: number) => ac[2 * lag]! / r0 / this.#windowAc[lag]!;
    let bestLag = 0;
    let bestScore = Number.NEGATIVE_INFINITY;
    let bestR = 0;
    let prev = r(this.#minLag - 1);
    let cur = r(this.#minLag);
    for (let lag = this.#minLag; lag <= this.#maxLag; lag++) {
      const next = r(lag + 1);
      if (cur > prev && cur >= next && cur > 0) {
        const score = cur - OCTAVE_COST * Math.log2(PITCH.floorHz * (lag / this.sampleRate));
        if (score > bestScore) {
          bestScore = score;
          bestLag = lag + parabolicOffset(prev, cur, next);
          bestR = Math.min(1, cur);
        }
      }
      prev = cur;
      cur = next;
    }
    if (bestLag === 0 || bestR < PITCH.voicingThreshold) return { f0: 0, strength: bestR };
    // Octave guard: a periodic signal correlates almost as well at 2 and 3 periods as at one. When a
    // peak near lag/2 or lag/3 is nearly as strong, the shortest such lag is the period.
    for (const k of [3, 2]) {
      const centre = Math.round(bestLag / k);
      if (centre - 1 < this.#minLag) continue;
      let at = centre;
      for (let lag = centre - 2; lag <= centre + 2; lag++) if (lag >= this.#minLag && r(lag) > r(at)) at = lag;
      const peak = r(at);
      if (peak >= PITCH.octaveRatio * bestR && peak > r(at - 1) && peak >= r(at + 1)) {
        return { f0: this.sampleRate / (at + parabolicOffset(r(at - 1), peak, r(at + 1))), strength: Math.min(1, peak) };
      }
    }
    return { f0: this.sampleRate / bestLag, strength: bestR };
  }
}

/** Sub-sample offset of a peak from three neighbouring values (−0.5…0.5). */
export function parabolicOffset(a: number, b: number, c: number): number {
  const d = a - 2 * b + c;
  if (d >= 0) return 0;
  return Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / d));
}
