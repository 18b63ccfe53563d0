// Recognises an upload as WAV, FLAC or MP3 by its bytes (never by its name or declared type) and
// reads its duration without decoding it: the WAV header, FLAC's STREAMINFO, MP3 frame headers.
import CodecParser from 'codec-parser';
import { VOICE_LIMITS } from '../contract/voice.ts';
import { isWav, parseWavHeader, wavDurationSeconds, WavError } from './wav.ts';

export type AudioFormat = 'wav' | 'flac' | 'mp3';

export const CONTENT_TYPE: Record<AudioFormat, string> = { wav: 'audio/wav', flac: 'audio/flac', mp3: 'audio/mpeg' };

export interface AudioProbe {
  format: AudioFormat;
  contentType: string;
  sampleRate: number;
  channels: number;
  durationSeconds: number;
  sizeBytes: number;
}

export type AudioErrorCode = 'unsupported_format' | 'audio_too_short' | 'audio_too_long';

export class AudioError extends Error {
  override name = 'AudioError';
  constructor(
    readonly code: AudioErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Byte length of a leading ID3v2 tag (MP3 files often start with one). */
function id3Length(b: Uint8Array): number {
  if (b.length < 10 || b[0] !== 0x49 || b[1] !== 0x44 || b[2] !== 0x33) return 0;
  const size = ((b[6]! & 0x7f) << 21) | ((b[7]! & 0x7f) << 14) | ((b[8]! & 0x7f) << 7) | (b[9]! & 0x7f);
  return 10 + size + (b[5]! & 0x10 ? 10 : 0);
}

export function sniffFormat(b: Uint8Array): AudioFormat | null {
  if (isWav(b)) return 'wav';
  if (b.length >= 4 && b[0] === 0x66 && b[1] === 0x4c && b[2] === 0x61 && b[3] === 0x43) return 'flac';
  const at = id3Length(b);
  // MPEG audio frame sync: 11 set bits, layer bits not 00.
  if (b.length >= at + 2 && b[at] === 0xff && (b[at + 1]! & 0xe0) === 0xe0 && (b[at + 1]! & 0x06) !== 0) return 'mp3';
  return null;
}

function flacInfo(b: Uint8Array): { sampleRate: number; channels: number; totalSamples: number } {
  // fLaC, then metadata blocks; STREAMINFO must be first (type 0, 34 bytes).
  if (b.length < 42 || (b[4]! & 0x7f) !== 0) throw new AudioError('unsupported_format', 'FLAC file without STREAMINFO.');
  const s = 8;
  const sampleRate = (b[s + 10]! << 12) | (b[s + 11]! << 4) | (b[s + 12]! >> 4);
  const channels = ((b[s + 12]! >> 1) & 0x07) + 1;
  const totalSamples = (b[s + 13]! & 0x0f) * 2 ** 32 + ((b[s + 14]! << 24) >>> 0) + (b[s + 15]! << 16) + (b[s + 16]! << 8) + b[s + 17]!;
  return { sampleRate, channels, totalSamples };
}

/** Frame-header walk (no decoding); used for MP3 and for FLAC streams that do not state their length. */
function framedInfo(b: Uint8Array, mime: 'audio/mpeg' | 'audio/flac'): { sampleRate: number; channels: number; totalSamples: number; frames: number } {
  const parser = new CodecParser(mime, {});
  let totalSamples = 0;
  let frames = 0;
  let sampleRate = 0;
  let channels = 0;
  const count = (it: Iterator<unknown>) => {
    for (let r = it.next(); !r.done; r = it.next()) {
      const f = r.value as { samples: number; header: { sampleRate: number; channels: number } };
      totalSamples += f.samples;
      frames++;
      sampleRate ||= f.header.sampleRate;
      channels ||= f.header.channels;
    }
  };
  count(parser.parseChunk(b));
  count(parser.flush());
  return { sampleRate, channels, totalSamples, frames };
}

/** Format, sample rate, channels and duration; throws AudioError for anything we cannot analyse. */
export function probeAudio(b: Uint8Array): AudioProbe {
  const format = sniffFormat(b);
  if (!format) throw new AudioError('unsupported_format', 'The audio is not WAV, FLAC or MP3.');
  let info: { sampleRate: number; channels: number; durationSeconds: number };
  if (format === 'wav') {
    try {
      const f = parseWavHeader(b);
      if (!f) throw new WavError('truncated header');
      info = { sampleRate: f.sampleRate, channels: f.channels, durationSeconds: wavDurationSeconds(f, b.length) };
    } catch (err) {
      if (err instanceof WavError) throw new AudioError('unsupported_format', `The WAV file cannot be read (${err.message}).`);
      throw err;
    }
  } else if (format === 'flac') {
    let s = flacInfo(b);
    if (s.totalSamples === 0) s = framedInfo(b, 'audio/flac');
    if (!s.sampleRate) throw new AudioError('unsupported_format', 'The FLAC file has no audio frames.');
    info = { sampleRate: s.sampleRate, channels: s.channels, durationSeconds: s.totalSamples / s.sampleRate };
  } else {
    const s = framedInfo(b, 'audio/mpeg');
    if (s.frames < 2 || !s.sampleRate) throw new AudioError('unsupported_format', 'The MP3 file has no audio frames.');
    info = { sampleRate: s.sampleRate, channels: s.channels, durationSeconds: s.totalSamples / s.sampleRate };
  }
  return { format, contentType: CONTENT_TYPE[format], sizeBytes: b.length, ...info };
}

/** The reference's limits: 15 s – 20 min. */
export function checkDuration(p: AudioProbe): void {
  const d = Math.round(p.durationSeconds * 10) / 10;
  if (p.durationSeconds < VOICE_LIMITS.minSeconds)
    throw new AudioError('audio_too_short', `The recording lasts ${d} s; at least ${VOICE_LIMITS.minSeconds} s of audio are needed.`);
  if (p.durationSeconds > VOICE_LIMITS.maxSeconds)
    throw new AudioError('audio_too_long', `The recording lasts ${d} s; at most ${VOICE_LIMITS.maxSeconds / 60} minutes can be analysed.`);
}
