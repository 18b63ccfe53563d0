export {
  buildResultObservation,
  buildResultObservations,
  buildWriteBundle,
  engineVersionOf,
  ifNoneExistFor,
  individualCreates,
  requestInputs,
  resultIdentifierValue,
  transactionBundle,
} from './observations.ts';
export type { EngineResult, EngineResultOf } from './observations.ts';
export { canonicalJson, resultHash, sha256Hex } from './identity.ts';
export { interpretationFor } from './interpretation.ts';
export { engineOfObservation, isTidemarkObservation, readStoredResult, resultIdentifierOf } from './read-back.ts';
export { buildVoiceObservation, VOICE_CODE, VOICE_UCUM, voiceIdentifierValue, voiceResultParts } from './voice.ts';
