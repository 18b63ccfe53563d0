// Streaming RIFF/WAVE reader: PCM 8/16/24/32-bit integer and 32/64-bit float, plain or
// WAVE_FORMAT_EXTENSIBLE. WAV carries raw PCM, so "decoding" is a header walk plus sample
// conversion, done chunk by chunk so a 20-minute file is never converted whole. (npm's WAV
// readers either convert the whole file at once or are unmaintained streams.)

export interface WavFormat {
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  float: boolean;
  blockAlign: number;
  /** Byte offset of the first sample. */
  dataOffset: number;
  /** Declared data size in bytes; undefined when the header says "unknown" (streamed writers). */
  dataBytes: number | undefined;
}

export class WavError extends Error {
  override name = 'WavError';
}

const MAX_HEADER_BYTES = 1 << 20;

const tag = (b: Uint8Array, at: number) => String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);

export function isWav(b: Uint8Array): boolean {
  return b.length >= 12 && tag(b, 0) === 'RIFF' && tag(b, 8) === 'WAVE';
}

/** Parses the header; undefined while more bytes are needed; throws WavError when it is not PCM WAVE. */
export function parseWavHeader(b: Uint8Array): WavFormat | undefined {
  if (b.length < 12) return undefined;
  if (!isWav(b)) throw new WavError('not a RIFF/WAVE file');
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let at = 12;
  let fmt: Omit<WavFormat, 'dataOffset' | 'dataBytes'> | undefined;
  while (at + 8 <= b.length) {
    const id = tag(b, at);
    const size = view.getUint32(at + 4, true);
    if (id === 'data') {
      if (!fmt) throw new WavError('data chunk before fmt chunk');
      const unknown = size === 0 || size === 0xffffffff;
      return { ...fmt, dataOffset: at + 8, dataBytes: unknown ? undefined : size };
    }
    if (at + 8 + size > b.length) return at + 8 + size > MAX_HEADER_BYTES ? fail('header too large') : undefined;
    if (id === 'fmt ') fmt = readFmt(view, at + 8, size);
    at += 8 + size + (size & 1);
  }
  if (at > MAX_HEADER_BYTES) fail('no data chunk');
  return undefined;
}

function fail(message: string): never {
  throw new WavError(message);
}

function readFmt(view: DataView, at: number, size: number): Omit<WavFormat, 'dataOffset' | 'dataBytes'> {
  if (size < 16) fail('fmt chunk too short');
  let formatTag = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRate = view.getUint32(at + 4, true);
  const blockAlign = view.getUint16(at + 12, true);
  const bitsPerSample = view.getUint16(at + 14, true);
  // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the sub-format GUID.
  if (formatTag === 0xfffe && size >= 40) formatTag = view.getUint16(at + 24, true);
  const float = formatTag === 3;
  if (formatTag !== 1 && !float) fail(`WAV format ${formatTag} is not PCM`);
  if (channels < 1 || channels > 8) fail(`unsupported channel count ${channels}`);
  if (sampleRate < 1000 || sampleRate > 384_000) fail(`unsupported sample rate ${sampleRate}`);
  const ok = float ? bitsPerSample === 32 || bitsPerSample === 64 : [8, 16, 24, 32].includes(bitsPerSample);
  if (!ok) fail(`unsupported ${float ? 'float' : 'integer'} sample size ${bitsPerSample}`);
  if (blockAlign !== channels * (bitsPerSample / 8)) fail('inconsistent block alignment');
  return { channels, sampleRate, bitsPerSample, float, blockAlign };
}

/** Duration of the samples present (the declared size, capped by the bytes actually there). */
export function wavDurationSeconds(f: WavFormat, totalBytes: number): number {
  const available = Math.max(0, totalBytes - f.dataOffset);
  const bytes = f.dataBytes === undefined ? available : Math.min(f.dataBytes, available);
  return Math.floor(bytes / f.blockAlign) / f.sampleRate;
}

/** Converts whole sample frames of `bytes` to one Float32Array per channel (−1…1). */
export function wavSamples(f: WavFormat, bytes: Uint8Array): Float32Array[] {
  const frames = Math.floor(bytes.length / f.blockAlign);
  const out = Array.from({ length: f.channels }, () => new Float32Array(frames));
  const view = new DataView(bytes.buffer, bytes.byteOffset, frames * f.blockAlign);
  const bps = f.bitsPerSample / 8;
  for (let ch = 0; ch < f.channels; ch++) {
    const dst = out[ch]!;
    let at = ch * bps;
    for (let i = 0; i < frames; i++, at += f.blockAlign) dst[i] = sampleAt(view, at, f);
  }
  return out;
}

function sampleAt(view: DataView, at: number, f: WavFormat): number {
  switch (f.bitsPerSample) {
    case 8:
      return (view.getUint8(at) - 128) / 128;
    case 16:
      return view.getInt16(at, true) / 32768;
    case 24:
      return ((view.getInt8(at + 2) << 16) | (view.getUint8(at + 1) << 8) | view.getUint8(at)) / 8388608;
    case 32:
      return f.float ? view.getFloat32(at, true) : view.getInt32(at, true) / 2147483648;
    default:
      return view.getFloat64(at, true);
  }
}

/** Incremental reader: push byte chunks, get per-channel samples; the header may span chunks. */
export class WavStreamReader {
  #head: Uint8Array | null = new Uint8Array(0);
  #carry = new Uint8Array(0);
  #remaining = Number.POSITIVE_INFINITY;
  format: WavFormat | undefined;

  push(chunk: Uint8Array): Float32Array[] | null {
    let data = chunk;
    if (!this.format) {
      const joined = concat(this.#head!, chunk);
      const f = parseWavHeader(joined);
      if (!f) {
        if (joined.length > MAX_HEADER_BYTES) fail('no data chunk');
        this.#head = joined;
        return null;
      }
      this.format = f;
      this.#head = null;
      this.#remaining = f.dataBytes ?? Number.POSITIVE_INFINITY;
      data = joined.subarray(f.dataOffset);
    }
    if (this.#remaining <= 0) return null;
    if (data.length > this.#remaining) data = data.subarray(0, this.#remaining);
    this.#remaining -= data.length;
    const bytes = this.#carry.length > 0 ? concat(this.#carry, data) : data;
    const whole = bytes.length - (bytes.length % this.format.blockAlign);
    this.#carry = bytes.slice(whole);
    return whole > 0 ? wavSamples(this.format, bytes.subarray(0, whole)) : null;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
