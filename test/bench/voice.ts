// Embedded voice analysis speed and memory: real-time factor (seconds of audio per CPU second) for a
// 30-second and a 20-minute espeak-ng recording, and peak memory. Each case runs in its own process
// (so peak RSS is that case's); the 20-minute file is streamed from disk in 64 KB chunks. Baseline
// in the same run: reading the same WAV (decode only), so the ratio shows what the analysis adds.
// Run: npm run bench (or: node --import tsx test/bench/voice.ts)
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeAudio, decodeAudio } from '../../src/voice/index.ts';

const PASSAGE =
  'Last week I went to the market on Monday and bought some apples, bread and cheese. On Tuesday it rained all day, so I stayed at home and read a long book about the history of the sea. Wednesday was better. I walked along the river with my sister and we talked about our plans for the summer.';

interface CaseResult {
  audioSeconds: number;
  cpuSeconds: number[];
  decodeCpuSeconds: number;
  peakRssMb: number;
  baseRssMb: number;
  peakHeapMb: number;
  fileMb: number;
}

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function child(path: string, runs: number): Promise<void> {
  const baseRss = process.memoryUsage().rss;
  let peak = baseRss;
  let heap = 0;
  const sample = async () => {
    const m = process.memoryUsage();
    peak = Math.max(peak, m.rss);
    heap = Math.max(heap, m.heapUsed + m.arrayBuffers);
  };
  const stream = () => createReadStream(path, { highWaterMark: 64 * 1024 });
  // Warm-up (JIT, wasm-free WAV path) on the first 5 s worth of bytes.
  await analyzeAudio([readFileSync(path).subarray(0, 44 + 5 * 22050 * 2)], 'wav');
  let t = cpu();
  let samples = 0;
  for await (const b of decodeAudio(stream(), 'wav')) samples += b.channels[0]!.length;
  const decodeCpuSeconds = cpu() - t;
  const cpuSeconds: number[] = [];
  let audioSeconds = 0;
  for (let i = 0; i < runs; i++) {
    t = cpu();
    const a = await analyzeAudio(stream(), 'wav', { yieldToLoop: sample, sliceMs: 50 });
    cpuSeconds.push(cpu() - t);
    audioSeconds = a.durationSeconds;
    await sample();
  }
  const out: CaseResult = {
    audioSeconds,
    cpuSeconds,
    decodeCpuSeconds,
    peakRssMb: Math.max(peak, process.resourceUsage().maxRSS * 1024) / 2 ** 20,
    baseRssMb: baseRss / 2 ** 20,
    peakHeapMb: heap / 2 ** 20,
    fileMb: statSync(path).size / 2 ** 20,
  };
  void samples;
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

/** A WAV of `seconds` built by repeating the speech's samples (streamed to disk, never held whole). */
async function longWav(speech: string, seconds: number, out: string): Promise<void> {
  const b = readFileSync(speech);
  const rate = b.readUInt32LE(24);
  const data = b.subarray(44);
  const total = seconds * rate * 2;
  const header = Buffer.from(b.subarray(0, 44));
  header.writeUInt32LE(36 + total, 4);
  header.writeUInt32LE(total, 40);
  const w = createWriteStream(out);
  w.write(header);
  for (let left = total; left > 0; ) {
    const part = data.subarray(0, Math.min(left, data.length));
    left -= part.length;
    if (!w.write(part)) await new Promise((r) => w.once('drain', r));
  }
  await new Promise((r) => w.end(r));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return child(process.argv[3]!, Number(process.argv[4]));
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-voice-bench-'));
  const speech = join(dir, 'speech.wav');
  execFileSync('espeak-ng', ['-s', '150', '-w', speech, PASSAGE]);
  const thirty = join(dir, '30s.wav');
  const twenty = join(dir, '20min.wav');
  await longWav(speech, 30, thirty);
  await longWav(speech, 20 * 60, twenty);
  console.log('voice analysis (embedded), one core, espeak-ng speech at 22.05 kHz 16-bit WAV streamed from disk');
  console.log('case      audio     cpu (median)  real-time ×  decode-only ×  analysis/decode  peak RSS   peak heap+buffers  file');
  for (const [name, path, runs] of [
    ['30 s', thirty, 5],
    ['20 min', twenty, 1],
  ] as const) {
    // A 64 MB old-space cap: the 20-minute case must fit it (it would not if the file were held as floats).
    const r = spawnSync(process.execPath, ['--max-old-space-size=64', '--import', 'tsx', import.meta.filename, '--child', path, String(runs)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    const c = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as CaseResult;
    const med = median(c.cpuSeconds);
    console.log(
      `${name.padEnd(8)}  ${c.audioSeconds.toFixed(0).padStart(5)} s  ${med.toFixed(3).padStart(9)} s  ${(c.audioSeconds / med).toFixed(0).padStart(10)}  ${(c.audioSeconds / c.decodeCpuSeconds).toFixed(0).padStart(12)}  ${(med / c.decodeCpuSeconds).toFixed(1).padStart(14)}×  ${c.peakRssMb.toFixed(0).padStart(5)} MB  ${c.peakHeapMb.toFixed(0).padStart(12)} MB  ${c.fileMb.toFixed(1)} MB`,
    );
  }
  console.log('goal: ≥ 200× real time; memory bounded by streaming (children run with --max-old-space-size=64; 20 min of 16 kHz floats alone would be 77 MB)');
}

await main();
