// 16-bit PCM mono WAV from float sample blocks (the recorder's output; the proxy reads WAV natively).

export function encodeWav(blocks: readonly Float32Array[], sampleRate: number): Blob {
  const n = blocks.reduce((s, b) => s + b.length, 0);
  const buf = new ArrayBuffer(44 + n * 2);
  const v = new DataView(buf);
  const text = (at: number, s: string) => {
    for (let i = 0; i < s.length; i++) v.setUint8(at + i, s.charCodeAt(i));
  };
  text(0, 'RIFF');
  v.setUint32(4, 36 + n * 2, true);
  text(8, 'WAVEfmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, 1, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * 2, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  text(36, 'data');
  v.setUint32(40, n * 2, true);
  let at = 44;
  for (const b of blocks) {
    for (let i = 0; i < b.length; i++, at += 2) v.setInt16(at, Math.max(-32768, Math.min(32767, Math.round(b[i]! * 32767))), true);
  }
  return new Blob([buf], { type: 'audio/wav' });
}
