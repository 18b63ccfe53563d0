// The voice feature's front door.
export { VoiceSamplePanel } from './voice-panel.tsx';
export { recorderError } from './recorder/use-recorder.ts';
export { encodeWav } from './recorder/wav.ts';
