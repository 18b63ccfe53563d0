// Streaming decode: byte chunks in, blocks of per-channel float samples out. WAV by our reader;
// FLAC and MP3 by the wasm-audio-decoders family (libFLAC and mpg123 compiled to WebAssembly).
import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { MPEGDecoder } from 'mpg123-decoder';
import type { AudioFormat } from './format.ts';
import { WavStreamReader } from './wav.ts';

export interface PcmBlock {
  channels: Float32Array[];
  sampleRate: number;
}

export class DecodeError extends Error {
  override name = 'DecodeError';
}

/** Decodes `chunks` of a file of `format`; yields as it goes, never the whole file at once. */
export async function* decodeAudio(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, format: AudioFormat): AsyncGenerator<PcmBlock> {
  if (format === 'wav') {
    const reader = new WavStreamReader();
    for await (const chunk of chunks) {
      const out = reader.push(chunk);
      if (out && out[0]!.length > 0) yield { channels: out, sampleRate: reader.format!.sampleRate };
    }
    if (!reader.format) throw new DecodeError('WAV header incomplete');
    return;
  }
  const decoder = format === 'flac' ? new FLACDecoder() : new MPEGDecoder();
  await decoder.ready;
  try {
    let errors = 0;
    let decoded = 0;
    for await (const chunk of chunks) {
      const out = await decoder.decode(chunk);
      errors += out.errors.length;
      decoded += out.samplesDecoded;
      if (out.samplesDecoded > 0) yield { channels: out.channelData, sampleRate: out.sampleRate };
    }
    if (decoder instanceof FLACDecoder) {
      const out = await decoder.flush();
      decoded += out.samplesDecoded;
      if (out.samplesDecoded > 0) yield { channels: out.channelData, sampleRate: out.sampleRate };
    }
    if (decoded === 0) throw new DecodeError(`no ${format.toUpperCase()} audio could be decoded${errors ? ` (${errors} frame errors)` : ''}`);
  } finally {
    decoder.free();
  }
}

/** Splits a buffer into chunks (the server holds the upload; decoding still streams through it). */
export function* chunksOf(bytes: Uint8Array, size = 64 * 1024): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, Math.min(bytes.length, at + size));
}
