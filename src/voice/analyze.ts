// Embedded voice analysis: bytes → decode → 16 kHz mono → frame tracks → quality + features, one
// chunk at a time. No I/O of its own: the caller hands in the chunks (an upload buffer or a file
// stream) and, optionally, how to yield to the event loop between chunks.
import { decodeAudio } from './decode.ts';
import type { AudioFormat } from './format.ts';
import { FrameAnalyzer } from './frames.ts';
import { ANALYSIS_RATE } from './params.ts';
import { Resampler } from './resample.ts';
import { summarize, type VoiceMeasures } from './summarize.ts';

export interface AnalyzeOptions {
  /** Seconds expected (from the probe): progress is reported against it. */
  expectedSeconds?: number;
  onProgress?: (fraction: number) => void;
  /** Called between chunks when `sliceMs` of work has passed (e.g. `() => new Promise(setImmediate)`). */
  yieldToLoop?: () => Promise<void>;
  sliceMs?: number;
  /** Clock for the slicing (defaults to performance.now). */
  now?: () => number;
}

export interface VoiceAnalysis extends VoiceMeasures {
  sourceSampleRate: number;
  durationSeconds: number;
}

export async function analyzeAudio(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  format: AudioFormat,
  opts: AnalyzeOptions = {},
): Promise<VoiceAnalysis> {
  const now = opts.now ?? (() => performance.now());
  const slice = opts.sliceMs ?? 20;
  const frames = new FrameAnalyzer();
  let resampler: Resampler | undefined;
  let sourceRate = 0;
  let lastYield = now();
  for await (const block of decodeAudio(chunks, format)) {
    if (!resampler || block.sampleRate !== sourceRate) {
      sourceRate = block.sampleRate;
      resampler = new Resampler(sourceRate, ANALYSIS_RATE);
    }
    frames.push(resampler.push(block));
    if (opts.yieldToLoop && now() - lastYield > slice) {
      if (opts.expectedSeconds && opts.onProgress) {
        opts.onProgress(Math.min(0.99, resampler.inputSamples / sourceRate / opts.expectedSeconds));
      }
      await opts.yieldToLoop();
      lastYield = now();
    }
  }
  const tracks = frames.tracks();
  const measures = summarize({
    tracks,
    perturbation: frames.perturbation,
    clippedSamples: resampler?.clipped ?? 0,
    inputSamples: resampler?.inputSamples ?? 0,
    sourceSampleRate: sourceRate,
  });
  return { ...measures, sourceSampleRate: sourceRate, durationSeconds: (resampler?.inputSamples ?? 0) / (sourceRate || 1) };
}
