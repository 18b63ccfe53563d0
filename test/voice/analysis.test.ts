// Embedded voice analysis on real synthesised speech (espeak-ng) and on noise and silence.
import { describe, expect, it } from 'vitest';
import { analyzeAudio, AudioError, checkDuration, chunksOf, probeAudio, speechRateWpm, type VoiceAnalysis } from '../../src/voice/index.ts';
import { interpret } from '../../src/voice/summarize.ts';
import { FEATURE_RANGES, type FeatureRange } from '../../src/voice/params.ts';
import { bytes, mixNoise, noise, pulseVowel, readPcm16, sox, speak, writeWav } from './audio.ts';

async function analyse(path: string, chunk = 64 * 1024): Promise<VoiceAnalysis & { probe: ReturnType<typeof probeAudio> }> {
  const b = bytes(path);
  const probe = probeAudio(b);
  return { ...(await analyzeAudio(chunksOf(b, chunk), probe.format)), probe };
}

const rate = (a: VoiceAnalysis) => a.features.find((f) => f.feature === 'speech_rate')!.value;
const issues = (a: VoiceAnalysis) => a.quality.issues;

describe('speech rate from syllable nuclei (de Jong & Wempe 2009) on espeak-ng speech', () => {
  it('the ratio of measured rates at 120 and 180 wpm is within 15 % of the 1.5 asked for', async () => {
    const [slow, fast] = await Promise.all([analyse(speak(120)), analyse(speak(180))]);
    const ratio = rate(fast) / rate(slow);
    console.log(`espeak-ng 120 → ${rate(slow)} syl/s, 180 → ${rate(fast)} syl/s: ratio ${ratio.toFixed(3)} (asked 1.500)`);
    expect(Math.abs(ratio / 1.5 - 1)).toBeLessThan(0.15);
    // The same passage: about the same number of syllables found at both rates.
    expect(Math.abs(slow.timing.nuclei - fast.timing.nuclei) / slow.timing.nuclei).toBeLessThan(0.1);
    expect(issues(slow)).toEqual([]);
    expect(slow.quality.voice_percentage).toBeGreaterThan(70);
  });

  it('the ratio at 100 and 220 wpm (2.2 asked) is within 15 % too', async () => {
    const [slow, fast] = await Promise.all([analyse(speak(100)), analyse(speak(220))]);
    const ratio = rate(fast) / rate(slow);
    console.log(`espeak-ng 100 → ${rate(slow)} syl/s, 220 → ${rate(fast)} syl/s: ratio ${ratio.toFixed(3)} (asked 2.200)`);
    expect(Math.abs(ratio / 2.2 - 1)).toBeLessThan(0.15);
  });

  it('F0 of the espeak-ng default voice is an adult male range pitch, with pauses and levels measured', async () => {
    const a = await analyse(speak(150));
    const f = Object.fromEntries(a.features.map((x) => [x.feature, x]));
    expect(f.pitch_mean!.value).toBeGreaterThan(80);
    expect(f.pitch_mean!.value).toBeLessThan(160);
    expect(f.pitch_mean!.unit).toBe('Hz');
    expect(f.pause_time_ratio!.unit).toBe('%');
    expect(f.voice_jitter!.value).toBeGreaterThan(0);
    expect(f.voice_shimmer!.value).toBeGreaterThan(0);
    expect(f.intensity_mean!.value).toBeLessThan(0);
    for (const x of a.features) {
      expect(x.reference_range, x.feature).toBeTruthy();
      expect(x.source, x.feature).toBeTruthy();
    }
  });
});

describe('F0, jitter and shimmer on a synthetic voice of known period', () => {
  const feature = (a: VoiceAnalysis, k: string) => a.features.find((f) => f.feature === k)?.value ?? Number.NaN;

  it('a steady 120 Hz voice: F0 within 2 %, jitter and shimmer near zero (no octave errors)', async () => {
    const a = await analyse(writeWav('vowel-120.wav', pulseVowel(20, 120, 0), 16_000));
    expect(Math.abs(feature(a, 'pitch_mean') / 120 - 1)).toBeLessThan(0.02);
    expect(feature(a, 'voice_jitter')).toBeLessThan(0.7); // integer-sample pulse positions alone give ≈0.4 %
    expect(feature(a, 'voice_shimmer')).toBeLessThan(1.5);
    expect(feature(a, 'pitch_variability')).toBeLessThan(0.5);
  });

  it('±3 % period jitter is measured as jitter above the 1.04 % threshold; a 210 Hz voice reads 210 Hz', async () => {
    const [j, high] = await Promise.all([
      analyse(writeWav('vowel-jitter.wav', pulseVowel(20, 120, 0.03), 16_000)),
      analyse(writeWav('vowel-210.wav', pulseVowel(20, 210, 0), 16_000)),
    ]);
    expect(feature(j, 'voice_jitter')).toBeGreaterThan(1.04);
    expect(Math.abs(feature(high, 'pitch_mean') / 210 - 1)).toBeLessThan(0.02);
  });
});

describe('audio quality codes', () => {
  it('digital silence → insufficient_speech and no features', async () => {
    const a = await analyse(writeWav('silence.wav', new Float32Array(16_000 * 20), 16_000));
    expect(issues(a)).toContain('insufficient_speech');
    expect(a.quality.voice_percentage).toBeLessThan(30);
    expect(a.features).toEqual([]);
  });

  it('white noise only → insufficient_speech', async () => {
    const a = await analyse(writeWav('noise.wav', noise(16_000 * 20, 0.1), 16_000));
    expect(issues(a)).toContain('insufficient_speech');
    expect(a.quality.voice_percentage).toBeLessThan(30);
  });

  it('speech with noise mixed in at 5 dB SNR → high_background_noise (clarity < 50); clean speech has none', async () => {
    const clean = speak(150, undefined, 'clean-150.wav');
    const [a, b] = await Promise.all([analyse(mixNoise(clean, 5, 'noisy-5db.wav')), analyse(clean)]);
    expect(issues(a)).toContain('high_background_noise');
    expect(a.quality.audio_clarity!).toBeLessThan(50);
    expect(issues(b)).not.toContain('high_background_noise');
    expect(b.quality.audio_clarity!).toBeGreaterThan(50);
  });

  it('a clipped recording → poor_voice_quality', async () => {
    const { samples, rate: r } = readPcm16(speak(150, undefined, 'for-clip.wav'));
    const loud = samples.map((v) => Math.max(-1, Math.min(1, v * 20)));
    const a = await analyse(writeWav('clipped.wav', loud, r));
    expect(a.quality.clipped_percentage!).toBeGreaterThan(1);
    expect(issues(a)).toContain('poor_voice_quality');
  });

  it('a 30-second 440 Hz tone (pulsed) → invalid_speaker (no adult speaking voice)', async () => {
    const tone = new Float32Array(16_000 * 30).map((_, i) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / 16_000) * (Math.floor(i / 4000) % 2));
    const a = await analyse(writeWav('tone.wav', tone, 16_000));
    expect(issues(a)).toContain('invalid_speaker');
  });

  it('an 8-second file → audio_too_short; a 21-minute header → audio_too_long', () => {
    const short = probeAudio(bytes(writeWav('short.wav', noise(8 * 16_000, 0.1), 16_000)));
    expect(short.durationSeconds).toBeCloseTo(8, 1);
    expect(() => checkDuration(short)).toThrow(expect.objectContaining({ code: 'audio_too_short' }));
    expect(() => checkDuration({ ...short, durationSeconds: 21 * 60 })).toThrow(expect.objectContaining({ code: 'audio_too_long' }));
  });

  it('bytes that are not WAV, FLAC or MP3 → unsupported_format', () => {
    expect(() => probeAudio(new TextEncoder().encode('OggS this is not a supported file at all'))).toThrow(AudioError);
    expect(() => probeAudio(new TextEncoder().encode('RIFF....WAVEjunk'))).toThrow(expect.objectContaining({ code: 'unsupported_format' }));
  });
});

describe('decoders: the same speech as WAV, FLAC, MP3 and 44.1 kHz stereo WAV', () => {
  it('gives the same speech rate and voice percentage within a few percent, whatever the chunking', async () => {
    const wav = speak(150, undefined, 'formats.wav');
    const [w, f, m, st, odd] = await Promise.all([
      analyse(wav),
      analyse(sox(wav, 'formats.flac')),
      analyse(sox(wav, 'formats.mp3')),
      analyse(sox(wav, 'formats-stereo.wav', 'rate', '44100', 'channels', '2')),
      analyse(wav, 997), // odd chunk size: header and samples split across chunks
    ]);
    expect([f.probe.format, m.probe.format, st.probe.format]).toEqual(['flac', 'mp3', 'wav']);
    expect(m.probe.contentType).toBe('audio/mpeg');
    for (const other of [f, m, st, odd]) {
      expect(Math.abs(rate(other) / rate(w) - 1)).toBeLessThan(0.05);
      expect(Math.abs(other.quality.voice_percentage! - w.quality.voice_percentage!)).toBeLessThan(3);
      expect(Math.abs(other.durationSeconds - w.durationSeconds)).toBeLessThan(0.2);
    }
    expect(odd.features).toEqual(w.features);
  });
});

describe('feature interpretation and the dMSE conversion', () => {
  it('reads values against the published range', () => {
    expect(interpret(FEATURE_RANGES.speech_rate, 4)).toBe('within range');
    expect(interpret(FEATURE_RANGES.speech_rate, 2.7)).toBe('reduced');
    expect(interpret(FEATURE_RANGES.speech_rate, 2)).toBe('low');
    expect(interpret(FEATURE_RANGES.speech_rate, 6)).toBe('slightly elevated');
    expect(interpret(FEATURE_RANGES.voice_jitter, 1.5)).toBe('slightly elevated');
    expect(interpret(FEATURE_RANGES.voice_shimmer, 9)).toBe('high');
  });

  // The voice rows of the clinical test matrix: every published range, each side of each bound.
  it.each(Object.values(FEATURE_RANGES) as FeatureRange[])('$feature ($unit): each bound of "$range" reads as documented', (r) => {
    const eps = 1e-6;
    if (r.lowBelow !== undefined) expect(interpret(r, r.lowBelow - eps)).toBe('low');
    if (r.reducedBelow !== undefined) {
      expect(interpret(r, r.reducedBelow - eps)).toBe('reduced');
      expect(interpret(r, r.reducedBelow)).toBe('within range');
    }
    if (r.elevatedAbove !== undefined) {
      expect(interpret(r, r.elevatedAbove)).toBe('within range');
      expect(interpret(r, r.elevatedAbove + eps)).toBe('slightly elevated');
    }
    if (r.highAbove !== undefined) expect(interpret(r, r.highAbove + eps)).toBe('high');
    expect(r.source.length).toBeGreaterThan(10);
  });

  it('syllables/s → words/min with 1.4 syllables per word', () => {
    expect(speechRateWpm(3.5)).toBe(150);
    expect(speechRateWpm(null)).toBeUndefined();
    expect(speechRateWpm(Number.NaN)).toBeUndefined();
  });
});
