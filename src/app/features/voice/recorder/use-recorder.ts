// Microphone recording through Web Audio: an AudioWorklet copies the PCM, our resampler (the one the
// server analysis uses) brings it to 16 kHz mono, and the WAV is built in the browser. A level meter
// and a timer update ~10 times a second. Permission denied, no microphone and insecure pages are
// told apart. Nothing is uploaded until the clinician chooses to analyse the recording.
import { useCallback, useEffect, useRef, useState } from 'react';
import { Resampler } from '../../../../voice/resample.ts';
// Its own file, never inlined: the CSP (script-src 'self') refuses worklets from data: URLs.
import captureWorkletUrl from './capture-worklet.js?url&no-inline';
import { encodeWav } from './wav.ts';

/** 16 kHz keeps 20 minutes under the 32 MB upload limit (16-bit mono: 32 KB/s). */
export const RECORD_RATE = 16_000;
export const MIN_SECONDS = 15;
/** Stops by itself at 16 minutes (30.7 MB): under both the 32 MB upload and the 20-minute analysis limits. */
export const MAX_SECONDS = 16 * 60;

export type RecorderState =
  | { phase: 'idle' }
  | { phase: 'starting' }
  | { phase: 'recording'; seconds: number; level: number }
  | { phase: 'recorded'; wav: Blob; seconds: number }
  | { phase: 'error'; kind: 'denied' | 'no-microphone' | 'insecure' | 'failed'; message: string };

export function recorderError(err: unknown): Extract<RecorderState, { phase: 'error' }> {
  const name = (err as { name?: string })?.name ?? '';
  if (name === 'NotAllowedError' || name === 'SecurityError')
    return {
      phase: 'error',
      kind: 'denied',
      message: 'Microphone access was denied. Allow the microphone for this site in the browser (address bar → site settings), then press Record again — or upload a recording instead.',
    };
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'NotReadableError')
    return { phase: 'error', kind: 'no-microphone', message: 'No working microphone was found. Connect one (or free it from another program) and press Record again — or upload a recording instead.' };
  return { phase: 'error', kind: 'failed', message: `Recording could not start (${err instanceof Error ? err.message : String(err)}).` };
}

export function useRecorder() {
  const [state, setState] = useState<RecorderState>({ phase: 'idle' });
  const session = useRef<{ stop: () => void } | null>(null);

  const stop = useCallback(() => session.current?.stop(), []);

  const start = useCallback(async () => {
    if (!navigator.mediaDevices?.getUserMedia) {
      setState({ phase: 'error', kind: 'insecure', message: 'This page cannot use the microphone (it needs https, or the EHR frame does not allow the microphone). Upload a recording instead.' });
      return;
    }
    setState({ phase: 'starting' });
    let stream: MediaStream;
    try {
      // Raw signal: echo cancellation, noise suppression and gain control would alter what is measured.
      stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: 1 } });
    } catch (err) {
      setState(recorderError(err));
      return;
    }
    try {
      const ctx = new AudioContext();
      await ctx.audioWorklet.addModule(captureWorkletUrl);
      const source = ctx.createMediaStreamSource(stream);
      const node = new AudioWorkletNode(ctx, 'tidemark-capture');
      const resampler = new Resampler(ctx.sampleRate, RECORD_RATE);
      const blocks: Float32Array[] = [];
      let samples = 0;
      let peak = 0;
      let lastUi = 0;
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        node.port.onmessage = null;
        source.disconnect();
        node.disconnect();
        for (const t of stream.getTracks()) t.stop();
        void ctx.close();
        session.current = null;
        setState({ phase: 'recorded', wav: encodeWav(blocks, RECORD_RATE), seconds: samples / RECORD_RATE });
      };
      node.port.onmessage = (e: MessageEvent<Float32Array>) => {
        const out = resampler.push({ channels: [e.data], sampleRate: ctx.sampleRate });
        blocks.push(out);
        samples += out.length;
        for (let i = 0; i < e.data.length; i++) peak = Math.max(peak, Math.abs(e.data[i]!));
        const seconds = samples / RECORD_RATE;
        if (seconds >= MAX_SECONDS) return finish();
        if (seconds - lastUi >= 0.1) {
          lastUi = seconds;
          setState({ phase: 'recording', seconds, level: peak });
          peak = 0;
        }
      };
      source.connect(node);
      session.current = { stop: finish };
      setState({ phase: 'recording', seconds: 0, level: 0 });
    } catch (err) {
      for (const t of stream.getTracks()) t.stop();
      setState(recorderError(err));
    }
  }, []);

  const reset = useCallback(() => {
    session.current?.stop();
    setState({ phase: 'idle' });
  }, []);

  useEffect(() => () => session.current?.stop(), []);
  return { state, start, stop, reset };
}
