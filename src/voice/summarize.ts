// Frame tracks → audio quality and vocal features (pure: numbers in, numbers out).
import type { AudioQuality, VocalFeature, VoiceIssue } from '../contract/voice.ts';
import type { FrameTracks, Perturbation } from './frames.ts';
import { FEATURE_RANGES, NUCLEI, QUALITY, VAD, type FeatureKey, type FeatureRange, type Interpretation } from './params.ts';

export interface SummaryInput {
  tracks: FrameTracks;
  perturbation: Perturbation;
  /** Clipped input samples (per channel average) and all input samples. */
  clippedSamples: number;
  inputSamples: number;
  sourceSampleRate: number;
}

export interface SpeechTiming {
  nuclei: number;
  /** First to last speech frame, s. */
  speakingSpan: number;
  pauses: number;
  pauseTotal: number;
  phonationTime: number;
}

export interface VoiceMeasures {
  quality: AudioQuality;
  features: VocalFeature[];
  timing: SpeechTiming;
}

/** Features need at least this much detected speech. */
const MIN_FEATURE_SPEECH_SECONDS = 3;
/** Voiced time needed for the speaker (F0 range) check and F0 statistics. */
const MIN_VOICED_SECONDS = 1;

export function percentile(values: Float32Array | number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const at = Math.min(sorted.length - 1, Math.max(0, Math.round(p * (sorted.length - 1))));
  return sorted[at]!;
}

const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;

/** Speech mask: energy above the floor (or voiced and a little above it), gaps < 0.3 s bridged, blips dropped. */
export function speechMask(t: FrameTracks): { mask: Uint8Array; floorDb: number; peakDb: number } {
  const { levelDb: L, f0, count } = t;
  // The noise floor comes from aperiodic frames only: a steady voiced stretch (a held vowel) is not noise.
  const aperiodic = L.filter((_, i) => f0[i] === 0);
  const floorDb = aperiodic.length >= 100 ? percentile(aperiodic, VAD.floorPercentile) : -100;
  const peakDb = percentile(L, 0.99);
  const loud = Math.max(floorDb + VAD.marginDb, peakDb - VAD.belowPeakDb);
  const voiced = Math.max(floorDb + VAD.voicedMarginDb, peakDb - VAD.belowPeakDb);
  const mask = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const l = L[i]!;
    if (l <= VAD.silenceDbfs) continue;
    if (l >= loud || (f0[i]! > 0 && l >= voiced)) mask[i] = 1;
  }
  const bridge = Math.round(VAD.bridgeSeconds / t.hopSeconds);
  const minRun = Math.round(VAD.minRunSeconds / t.hopSeconds);
  fillRuns(mask, 0, bridge, 1, true);
  fillRuns(mask, 1, minRun, 0, false);
  return { mask, floorDb, peakDb };
}

/** Sets runs of `value` shorter than `maxLen` to `to` (interior runs only when `interior`). */
function fillRuns(mask: Uint8Array, value: number, maxLen: number, to: number, interior: boolean): void {
  let i = 0;
  while (i < mask.length) {
    if (mask[i] !== value) {
      i++;
      continue;
    }
    let j = i;
    while (j < mask.length && mask[j] === value) j++;
    const inside = i > 0 && j < mask.length;
    if (j - i < maxLen && (!interior || inside)) mask.fill(to, i, j);
    i = j;
  }
}

/** de Jong & Wempe (2009): intensity peaks above p99 − 25 dB, ≥ 2 dB above the dip before them, voiced. */
export function syllableNuclei(t: FrameTracks, mask: Uint8Array, floorDb: number, peakDb: number): number[] {
  const L = t.levelDb;
  const threshold = Math.max(peakDb - NUCLEI.belowPeakDb, floorDb + VAD.voicedMarginDb);
  const peaks: number[] = [];
  let candidate = -1;
  let dip = Number.POSITIVE_INFINITY;
  for (let i = 1; i + 1 < t.count; i++) {
    dip = Math.min(dip, L[i]!);
    const isPeak = L[i]! > L[i - 1]! && L[i]! >= L[i + 1]! && L[i]! >= threshold && mask[i] === 1;
    if (!isPeak) continue;
    if (candidate < 0) {
      candidate = i;
    } else if (L[i]! - dip >= NUCLEI.minDipDb && L[candidate]! - dip >= NUCLEI.minDipDb) {
      peaks.push(candidate);
      candidate = i;
    } else if (L[i]! > L[candidate]!) {
      candidate = i;
    } else {
      continue; // merged into the candidate: the dip keeps running from it
    }
    dip = Number.POSITIVE_INFINITY;
  }
  if (candidate >= 0) peaks.push(candidate);
  // Keep voiced peaks (pitch found within ±20 ms: the pitch window sits 5–10 ms off the intensity window).
  return peaks.filter((p) => {
    for (let k = Math.max(0, p - 2); k <= Math.min(t.count - 1, p + 2); k++) if (t.f0[k]! > 0) return true;
    return false;
  });
}

export function speechTiming(t: FrameTracks, mask: Uint8Array, nuclei: number): SpeechTiming {
  const first = mask.indexOf(1);
  const last = mask.lastIndexOf(1);
  if (first < 0) return { nuclei, speakingSpan: 0, pauses: 0, pauseTotal: 0, phonationTime: 0 };
  const minPause = Math.round(NUCLEI.minPauseSeconds / t.hopSeconds);
  let pauses = 0;
  let pauseFrames = 0;
  let run = 0;
  for (let i = first; i <= last; i++) {
    if (mask[i] === 0) run++;
    else {
      if (run >= minPause) {
        pauses++;
        pauseFrames += run;
      }
      run = 0;
    }
  }
  const span = (last - first + 1) * t.hopSeconds;
  const pauseTotal = pauseFrames * t.hopSeconds;
  return { nuclei, speakingSpan: span, pauses, pauseTotal, phonationTime: span - pauseTotal };
}

export function interpret(r: FeatureRange, v: number): Interpretation {
  if (r.lowBelow !== undefined && v < r.lowBelow) return 'low';
  if (r.reducedBelow !== undefined && v < r.reducedBelow) return 'reduced';
  if (r.highAbove !== undefined && v > r.highAbove) return 'high';
  if (r.elevatedAbove !== undefined && v > r.elevatedAbove) return 'slightly elevated';
  return 'within range';
}

function feature(key: FeatureKey, value: number, caution?: string): VocalFeature {
  const r: FeatureRange = FEATURE_RANGES[key];
  return {
    feature: r.feature,
    label: r.label,
    value,
    unit: r.unit,
    value_interpretation: interpret(r, value),
    reference_range: r.range,
    source: r.source,
    ...(caution ? { caution } : {}),
  };
}

function stats(values: number[]): { mean: number; sd: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, values.length - 1));
  return { mean, sd };
}

/** Quality verdict + features from one recording's frame tracks. */
export function summarize(input: SummaryInput): VoiceMeasures {
  const t = input.tracks;
  const { mask, floorDb, peakDb } = speechMask(t);
  let speechFrames = 0;
  let speechPower = 0;
  const noiseLevels: number[] = [];
  const speechLevels: number[] = [];
  const voicedLevels: number[] = [];
  const voicedF0: number[] = [];
  for (let i = 0; i < t.count; i++) {
    const p = 10 ** (t.levelDb[i]! / 10);
    if (mask[i]) {
      speechFrames++;
      speechPower += p;
      speechLevels.push(t.levelDb[i]!);
      if (t.f0[i]! > 0) {
        voicedF0.push(t.f0[i]!);
        voicedLevels.push(t.levelDb[i]!);
      }
    } else if (t.levelDb[i]! > VAD.silenceDbfs) {
      noiseLevels.push(t.levelDb[i]!);
    }
  }
  const speechSeconds = speechFrames * t.hopSeconds;
  const voicePct = t.count > 0 ? (100 * speechFrames) / t.count : 0;
  // SNR: mean speech power (speech + noise) against the median level of the frames between speech
  // (noise alone; the median, so decaying speech tails do not count as noise). With under 0.5 s of
  // such frames the quietest speech frames stand in; digital silence counts as no noise.
  let snrDb: number | null = null;
  if (speechFrames > 0) {
    const s = speechPower / speechFrames;
    const noiseDb = noiseLevels.length >= 50 ? percentile(noiseLevels, 0.5) : noiseLevels.length > 0 ? percentile(speechLevels, 0.05) : -100;
    const n = 10 ** (noiseDb / 10);
    snrDb = Math.min(60, 10 * Math.log10(Math.max(s - n, 1e-12) / Math.max(n, 1e-12)));
  }
  const clarity = snrDb === null ? null : Math.max(0, Math.min(100, (100 * snrDb) / QUALITY.clarityFullScaleDb));
  const speechSampleCount = (speechFrames / Math.max(1, t.count)) * input.inputSamples;
  const clippedPct = speechSampleCount > 0 ? Math.min(100, (100 * input.clippedSamples) / speechSampleCount) : 0;
  const medianSpeechDb = speechLevels.length ? percentile(speechLevels, 0.5) : Number.NaN;
  const voicedSeconds = voicedF0.length * t.hopSeconds;
  const medianF0 = voicedF0.length ? percentile(voicedF0, 0.5) : Number.NaN;

  const issues: VoiceIssue[] = [];
  if (voicePct < QUALITY.minVoicePercentage || speechSeconds < QUALITY.minSpeechSeconds) issues.push('insufficient_speech');
  if (clarity !== null && clarity < QUALITY.minClarity) issues.push('high_background_noise');
  const poor =
    speechFrames > 0 &&
    (clippedPct > QUALITY.maxClippedPercentage ||
      medianSpeechDb < QUALITY.minSpeechLevelDbfs ||
      input.sourceSampleRate < QUALITY.minSampleRate ||
      voicedF0.length < QUALITY.minVoicedShareOfSpeech * speechFrames);
  if (poor) issues.push('poor_voice_quality');
  if (voicedSeconds >= MIN_VOICED_SECONDS && (medianF0 < QUALITY.speakerF0Hz[0] || medianF0 > QUALITY.speakerF0Hz[1])) issues.push('invalid_speaker');

  const quality: AudioQuality = {
    issues,
    voice_percentage: round(voicePct, 1),
    audio_clarity: clarity === null ? null : round(clarity, 1),
    snr_db: snrDb === null ? null : round(snrDb, 1),
    speech_seconds: round(speechSeconds, 1),
    clipped_percentage: round(clippedPct, 2),
  };

  const nuclei = syllableNuclei(t, mask, floorDb, peakDb);
  const timing = speechTiming(t, mask, nuclei.length);
  if (speechSeconds < MIN_FEATURE_SPEECH_SECONDS || timing.speakingSpan <= 0) return { quality, features: [], timing };

  const features: VocalFeature[] = [
    feature('speech_rate', round(timing.nuclei / timing.speakingSpan)),
    feature('articulation_rate', round(timing.nuclei / Math.max(timing.phonationTime, t.hopSeconds))),
    feature('pause_time_ratio', round((100 * timing.pauseTotal) / timing.speakingSpan, 1)),
  ];
  if (timing.pauses > 0) features.push(feature('pause_mean_duration', round(timing.pauseTotal / timing.pauses)));
  if (voicedSeconds >= MIN_VOICED_SECONDS) {
    // F0 within one octave of the median (octave errors of the tracker are dropped, as usual).
    const kept = voicedF0.filter((f) => f >= medianF0 / 2 && f <= medianF0 * 2);
    const semis = kept.map((f) => 12 * Math.log2(f / medianF0));
    features.push(feature('pitch_mean', round(stats(kept).mean, 1)), feature('pitch_variability', round(stats(semis).sd)));
    const p = input.perturbation;
    // The published thresholds are for sustained vowels; here they are measured in running speech.
    const running = 'Measured in running speech, where values run higher than in the sustained vowels the threshold is for: follow this patient’s own trend rather than the threshold.';
    const noisy =
      clarity !== null && clarity < 100
        ? `${running} Noise in the recording (SNR ${round(snrDb ?? 0, 0)} dB, below the 30 dB acoustic voice measures need; Deliyski 2005) raises them further.`
        : running;
    if (p.periodDiffs >= 50) features.push(feature('voice_jitter', round((100 * (p.periodDiffSum / p.periodDiffs)) / (p.periodSum / p.periods)), noisy));
    if (p.amplitudeDiffs >= 50)
      features.push(feature('voice_shimmer', round((100 * (p.amplitudeDiffSum / p.amplitudeDiffs)) / (p.amplitudeSum / p.amplitudes)), noisy));
  }
  // Loudness over voiced frames: consonants and bridged gaps would swamp the variability.
  const level = stats(voicedLevels.length > 1 ? voicedLevels : speechLevels);
  features.push(feature('intensity_mean', round(medianSpeechDb, 1)), feature('intensity_variability', round(level.sd, 1)));
  return { quality, features, timing };
}
