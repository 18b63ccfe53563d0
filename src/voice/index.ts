// Public API of the embedded voice analysis (server-side: it loads WebAssembly decoders).
export { analyzeAudio, type AnalyzeOptions, type VoiceAnalysis } from './analyze.ts';
export { chunksOf, decodeAudio, DecodeError } from './decode.ts';
export { AudioError, checkDuration, CONTENT_TYPE, probeAudio, sniffFormat, type AudioFormat, type AudioProbe } from './format.ts';
export { embeddedConditionResult, describe, embeddedUseCaseResult } from './result.ts';
export { speechRateWpm, SYLLABLES_PER_WORD } from './speech-rate.ts';
export { summarize, type VoiceMeasures } from './summarize.ts';
export { FEATURE_RANGES, QUALITY } from './params.ts';
