// Test audio made at test time: real speech from Debian's espeak-ng (-s words per minute), noise and
// silence from a seeded generator, FLAC and MP3 through sox (LAME). Nothing is checked in.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DIR = mkdtempSync(join(tmpdir(), 'tidemark-voice-'));

/** About 130 syllables of everyday narrative ("describe your last week"). */
export const PASSAGE =
  'Last week I went to the market on Monday and bought some apples, bread and cheese. On Tuesday it rained all day, ' +
  'so I stayed at home and read a long book about the history of the sea. Wednesday was better. I walked along the ' +
  'river with my sister and we talked about our plans for the summer. Thursday and Friday were busy days at work, ' +
  'with many meetings and a lot of phone calls. On Saturday I cooked dinner for some friends, and on Sunday I slept ' +
  'late and then cleaned the house.';

/** espeak-ng speech at `wpm` words per minute; returns the WAV path. */
export function speak(wpm: number, text = PASSAGE, name = `speech-${wpm}.wav`): string {
  const path = join(DIR, name);
  execFileSync('espeak-ng', ['-s', String(wpm), '-w', path, text]);
  return path;
}

/** 16-bit PCM WAV bytes of mono float samples. */
export function wavBytes(samples: Float32Array, rate: number): Buffer {
  const b = Buffer.alloc(44 + samples.length * 2);
  b.write('RIFF', 0);
  b.writeUInt32LE(36 + samples.length * 2, 4);
  b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36);
  b.writeUInt32LE(samples.length * 2, 40);
  for (let i = 0; i < samples.length; i++) b.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples[i]! * 32767))), 44 + 2 * i);
  return b;
}

/** Mono samples of a 16-bit mono WAV written by espeak-ng or wavBytes (test-side reader, independent of src/voice). */
export function readPcm16(path: string): { samples: Float32Array; rate: number } {
  const b = readFileSync(path);
  let at = 12;
  let rate = 0;
  while (at + 8 <= b.length) {
    const id = b.toString('latin1', at, at + 4);
    const size = b.readUInt32LE(at + 4);
    if (id === 'fmt ') rate = b.readUInt32LE(at + 12);
    if (id === 'data') {
      const n = Math.floor(Math.min(size, b.length - at - 8) / 2);
      const s = new Float32Array(n);
      for (let i = 0; i < n; i++) s[i] = b.readInt16LE(at + 8 + 2 * i) / 32768;
      return { samples: s, rate };
    }
    at += 8 + size + (size & 1);
  }
  throw new Error(`no data chunk in ${path}`);
}

/** Deterministic Gaussian-ish white noise (sum of uniforms) with the given RMS. */
export function noise(n: number, rms: number, seed = 7): Float32Array {
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rnd() + rnd() + rnd() + rnd() - 2) * Math.sqrt(3) * rms;
  return out;
}

export function writeWav(name: string, samples: Float32Array, rate: number): string {
  const path = join(DIR, name);
  writeFileSync(path, wavBytes(samples, rate));
  return path;
}

/** Speech with white noise mixed in at `snrDb` (speech power over the whole file vs noise power). */
export function mixNoise(speechPath: string, snrDb: number, name: string): string {
  const { samples, rate } = readPcm16(speechPath);
  let p = 0;
  for (const v of samples) p += v * v;
  const rms = Math.sqrt(p / samples.length / 10 ** (snrDb / 10));
  const n = noise(samples.length, rms);
  const out = new Float32Array(samples.length);
  for (let i = 0; i < out.length; i++) out[i] = samples[i]! + n[i]!;
  return writeWav(name, out, rate);
}

/** sox conversion (FLAC, MP3 through LAME, other rates/channels). */
export function sox(input: string, output: string, ...effects: string[]): string {
  const path = join(DIR, output);
  execFileSync('sox', [input, ...(output.endsWith('.mp3') ? ['-C', '64'] : []), path, ...effects]);
  return path;
}

export function bytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

/** A synthetic voiced sound: a pulse train at `f0` Hz (each period jittered by ±`jitter`, uniform) through two formant resonances. */
export function pulseVowel(seconds: number, f0: number, jitter: number, rate = 16_000): Float32Array {
  const n = Math.round(seconds * rate);
  const x = new Float32Array(n);
  const res = (f: number, bw: number) => {
    const r = Math.exp((-Math.PI * bw) / rate);
    return [2 * r * Math.cos((2 * Math.PI * f) / rate), -r * r] as const;
  };
  const [a1, a2] = res(700, 100);
  const [b1, b2] = res(1200, 120);
  let [y1, y2, z1, z2] = [0, 0, 0, 0];
  let next = 0;
  let s = 12345;
  let peak = 0;
  for (let i = 0; i < n; i++) {
    let e = 0;
    if (i >= next) {
      e = 1;
      s = (s * 16807) % 2147483647;
      next += (rate / f0) * (1 + jitter * ((s / 2147483647) * 2 - 1));
    }
    const v = e + a1 * y1 + a2 * y2;
    y2 = y1;
    y1 = v;
    const w = v + b1 * z1 + b2 * z2;
    z2 = z1;
    z1 = w;
    x[i] = w;
    peak = Math.max(peak, Math.abs(w));
  }
  for (let i = 0; i < n; i++) x[i] = (x[i]! / peak) * 0.5;
  return x;
}
