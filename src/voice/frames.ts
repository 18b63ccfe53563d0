// Streaming frame analysis at 16 kHz: every 10 ms, the intensity (dB over a 30 ms window) and the
// pitch (on an 8 kHz copy); in voiced stretches, glottal-cycle peaks for jitter and shimmer.
// Memory: one small ring buffer plus three numbers per 10 ms frame (≈1.4 MB for 20 minutes).
import { ANALYSIS_RATE, HOP_SECONDS, PITCH, PITCH_RATE } from './params.ts';
import { parabolicOffset, PitchTracker } from './pitch.ts';
import { lowPass4 } from './resample.ts';

/** Per-frame tracks (10 ms hop). */
export interface FrameTracks {
  hopSeconds: number;
  count: number;
  /** Level of the 30 ms around the frame, dBFS (≥ −100). */
  levelDb: Float32Array;
  /** F0 in Hz, 0 when unvoiced. */
  f0: Float32Array;
}

/** Running sums of cycle-to-cycle perturbation (Praat's jitter (local) and shimmer (local)). */
export interface Perturbation {
  periods: number;
  periodSum: number;
  periodDiffs: number;
  periodDiffSum: number;
  amplitudes: number;
  amplitudeSum: number;
  amplitudeDiffs: number;
  amplitudeDiffSum: number;
}

const HOP = Math.round(HOP_SECONDS * ANALYSIS_RATE); // 160
const BLOCKS_PER_LEVEL = 3; // 30 ms
const RING = 4096; // 256 ms at 16 kHz (power of two: index with a mask)
const PITCH_RING = 1024;
/** Frames quieter than this skip pitch tracking (no voice to find; saves time on silence). */
const PITCH_MIN_DB = -70;
/** Praat's limits for a valid period sequence: maximum period factor 1.3, amplitude factor 1.6. */
const MAX_PERIOD_FACTOR = 1.3;
const MAX_AMPLITUDE_FACTOR = 1.6;

class Growable {
  data = new Float32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  view(): Float32Array {
    return this.data.subarray(0, this.length);
  }
}

export class FrameAnalyzer {
  readonly #ring = new Float32Array(RING);
  readonly #pitchRing = new Float32Array(PITCH_RING);
  readonly #pitchFrame = new Float32Array(Math.round(PITCH.windowSeconds * PITCH_RATE));
  readonly #tracker = new PitchTracker(PITCH_RATE);
  readonly #decimate = lowPass4(0.45 * PITCH_RATE, ANALYSIS_RATE);
  readonly #decimateBuf = new Float32Array(HOP);
  readonly #blockEnergy: number[] = [];
  readonly #level = new Growable();
  readonly #f0 = new Growable();
  /** Absolute sample count at 16 kHz, and at 8 kHz. */
  #n = 0;
  #n8 = 0;
  #inHop = 0;
  #hopEnergy = 0;
  #lastF0 = 0;
  // Pulse chain (absolute 16 kHz sample positions).
  #lastPulse = -1;
  #lastPeriod = 0;
  #lastAmp = 0;
  readonly perturbation: Perturbation = {
    periods: 0,
    periodSum: 0,
    periodDiffs: 0,
    periodDiffSum: 0,
    amplitudes: 0,
    amplitudeSum: 0,
    amplitudeDiffs: 0,
    amplitudeDiffSum: 0,
  };

  /** Feeds 16 kHz mono samples. */
  push(x: Float32Array): void {
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      this.#ring[this.#n & (RING - 1)] = v;
      this.#decimateBuf[this.#inHop] = v;
      this.#n++;
      this.#hopEnergy += v * v;
      if (++this.#inHop === HOP) this.#endHop();
    }
  }

  tracks(): FrameTracks {
    return { hopSeconds: HOP_SECONDS, count: this.#level.length, levelDb: this.#level.view(), f0: this.#f0.view() };
  }

  #endHop(): void {
    // 8 kHz copy for pitch: low-pass, keep every other sample.
    const buf = this.#decimateBuf;
    this.#decimate(buf, HOP);
    for (let i = 1; i < HOP; i += 2) this.#pitchRing[this.#n8++ & (PITCH_RING - 1)] = buf[i]!;
    this.#blockEnergy.push(this.#hopEnergy / HOP);
    if (this.#blockEnergy.length > BLOCKS_PER_LEVEL) this.#blockEnergy.shift();
    this.#hopEnergy = 0;
    this.#inHop = 0;

    let e = 0;
    for (const b of this.#blockEnergy) e += b;
    const db = Math.max(-100, 10 * Math.log10(e / this.#blockEnergy.length + 1e-12));
    this.#level.push(db);
    // Pitch every other frame (20 ms), as Praat's default time step for pitch of 0.75/floor ≈ 12.5 ms
    // allows; the frame between repeats it. Halves the FFT work, which dominates the profile.
    let f0 = this.#level.length % 2 === 0 ? this.#lastF0 : 0;
    if (this.#level.length % 2 === 1 && db > PITCH_MIN_DB && this.#n8 >= this.#pitchFrame.length) {
      const len = this.#pitchFrame.length;
      for (let i = 0; i < len; i++) this.#pitchFrame[i] = this.#pitchRing[(this.#n8 - len + i) & (PITCH_RING - 1)]!;
      f0 = this.#tracker.estimate(this.#pitchFrame).f0;
    }
    this.#lastF0 = f0;
    this.#f0.push(f0);
    this.#pulses(f0);
  }

  /** Follows glottal-cycle peaks through voiced frames (waveform maxima one period apart). */
  #pulses(f0: number): void {
    if (f0 <= 0) {
      this.#lastPulse = -1;
      return;
    }
    const period = ANALYSIS_RATE / f0;
    const reach = Math.ceil(0.25 * period);
    if (this.#lastPulse < 0) {
      // Seed: the largest peak in the last period before the end of the buffer margin.
      const end = this.#n - reach - 1;
      const p = this.#peakIn(Math.floor(end - period), end);
      this.#lastPulse = p.at;
      this.#lastAmp = p.amp;
      this.#lastPeriod = 0;
    }
    while (this.#lastPulse + period + reach < this.#n - 1) {
      const expected = this.#lastPulse + period;
      const p = this.#peakIn(Math.floor(expected - 0.2 * period), Math.ceil(expected + 0.2 * period));
      const t = p.at - this.#lastPulse;
      if (t * PITCH.ceilingHz < ANALYSIS_RATE || t * PITCH.floorHz > ANALYSIS_RATE || p.amp <= 0) {
        this.#lastPulse = -1;
        return;
      }
      this.#record(t, p.amp);
      this.#lastPulse = p.at;
    }
  }

  #record(t: number, amp: number): void {
    const s = this.perturbation;
    const prevT = this.#lastPeriod;
    const prevA = this.#lastAmp;
    s.periods++;
    s.periodSum += t;
    s.amplitudes++;
    s.amplitudeSum += amp;
    if (prevT > 0 && Math.max(t, prevT) / Math.min(t, prevT) <= MAX_PERIOD_FACTOR) {
      s.periodDiffs++;
      s.periodDiffSum += Math.abs(t - prevT);
    }
    if (prevA > 0 && Math.max(amp, prevA) / Math.min(amp, prevA) <= MAX_AMPLITUDE_FACTOR) {
      s.amplitudeDiffs++;
      s.amplitudeDiffSum += Math.abs(amp - prevA);
    }
    this.#lastPeriod = t;
    this.#lastAmp = amp;
  }

  /** Largest positive sample in [from, to] (absolute positions within the ring), sub-sample position. */
  #peakIn(from: number, to: number): { at: number; amp: number } {
    const lo = Math.max(from, this.#n - RING + 1, 1);
    const hi = Math.min(to, this.#n - 2);
    let best = lo;
    let amp = Number.NEGATIVE_INFINITY;
    for (let i = lo; i <= hi; i++) {
      const v = this.#ring[i & (RING - 1)]!;
      if (v > amp) {
        amp = v;
        best = i;
      }
    }
    const a = this.#ring[(best - 1) & (RING - 1)]!;
    const c = this.#ring[(best + 1) & (RING - 1)]!;
    return { at: best + parabolicOffset(a, amp, c), amp };
  }
}
