// Voice analysis parameters: signal-processing settings and audio-quality thresholds, each with its
// source. The ranges each vocal feature is read against are clinical knowledge: src/clinical/voice.ts.
import type { VoiceCondition, VoiceUseCase } from '../contract/voice.ts';

/** Analysis sample rate: speech energy sits below 8 kHz; 16 kHz is the usual rate of speech analysis. */
export const ANALYSIS_RATE = 16_000;
/** Pitch is tracked on a 2:1 decimated copy (8 kHz): F0 ≤ 500 Hz needs nothing above 4 kHz. */
export const PITCH_RATE = 8_000;
/** 10 ms hop, as Praat's and de Jong & Wempe's intensity contour. */
export const HOP_SECONDS = 0.01;

export const PITCH = {
  /** 60–500 Hz covers adult speaking F0 (Baken & Orlikoff 2000, Clinical Measurement of Speech and Voice). */
  floorHz: 60,
  ceilingHz: 500,
  /** 40 ms window: at least 2.4 periods of the 60 Hz floor (Boersma 1993 asks for ~3 of the floor for accuracy; 2.4 is the usual speed compromise). */
  windowSeconds: 0.04,
  /** Voicing threshold on the normalised autocorrelation: Praat's default 0.45 (Boersma 1993). */
  voicingThreshold: 0.45,
  /** A sub-multiple lag wins when its peak is at least this fraction of the best one (octave-error guard). */
  octaveRatio: 0.9,
} as const;

/** Voice-activity detection on the 10 ms intensity contour. */
export const VAD = {
  /** Frames this far (dB) above the noise floor count as speech… */
  marginDb: 9,
  /** …and never more than this far below the loudest speech (99th percentile): de Jong & Wempe's −25 dB silence threshold. */
  belowPeakDb: 25,
  /** Voiced frames (periodic, pitch found) count as speech from this margin above the floor. */
  voicedMarginDb: 3,
  /** Gaps shorter than this inside speech are bridged (stop closures, short dips); 0.3 s = de Jong & Wempe's minimum pause. */
  bridgeSeconds: 0.3,
  /** Speech runs shorter than this are dropped (clicks). */
  minRunSeconds: 0.05,
  /** Noise floor: 10th percentile of frame levels. */
  floorPercentile: 0.1,
  /** Below this level a frame is silence whatever the floor (digital silence, −100 dBFS). */
  silenceDbfs: -90,
} as const;

/** de Jong & Wempe (2009), Behavior Research Methods 41(2):385–390: syllable nuclei from intensity peaks. */
export const NUCLEI = {
  /** A peak must rise at least 2 dB above the dip before it ("minimum dip between peaks"). */
  minDipDb: 2,
  /** Peaks below p99 − 25 dB are silence. */
  belowPeakDb: 25,
  /** Silent intervals of at least 0.3 s are pauses. */
  minPauseSeconds: 0.3,
} as const;

/**
 * Audio-quality issue codes (reference: audio_quality.issues). The reference documents the first two
 * thresholds; the others are ours, chosen as follows.
 */
export const QUALITY = {
  /** Reference: voice_percentage < 30 → insufficient_speech. */
  minVoicePercentage: 30,
  /** And at least 5 s of detected speech in all: fewer syllables than that give no stable rate. */
  minSpeechSeconds: 5,
  /** Reference: audio_clarity < 50 → high_background_noise. */
  minClarity: 50,
  /**
   * Clarity = 100 × SNR / 30 dB, clamped to 0–100: 30 dB is the SNR above which acoustic voice
   * measures are acceptable (Deliyski, Shaw & Evans 2005, J Voice 19(1):15–28), so clarity 50 is
   * 15 dB, where speech-rate and F0 measures still hold but perturbation measures do not.
   */
  clarityFullScaleDb: 30,
  /** poor_voice_quality: over 1 % of speech samples at full scale (clipping distorts every amplitude measure; Titze 1995 NCVS workshop summary: avoid clipping). */
  maxClippedPercentage: 1,
  /** poor_voice_quality: median speech level below −45 dBFS (too quiet: quantisation and device noise dominate). */
  minSpeechLevelDbfs: -45,
  /** poor_voice_quality: under 8 kHz sampling the speech band (to 4 kHz) is cut (telephone band is the minimum). */
  minSampleRate: 8000,
  /** poor_voice_quality: under 20 % of speech frames periodic (whisper, hoarse or heavily distorted voice: no F0 to measure). */
  minVoicedShareOfSpeech: 0.2,
  /** invalid_speaker: median F0 outside 70–400 Hz (no adult human speaking voice: a tone, a machine, a child). */
  speakerF0Hz: [70, 400] as const,
} as const;

// The published ranges of the vocal features live with the rest of the clinical knowledge.
export { FEATURE_RANGES, type FeatureKey, type FeatureRange, type Interpretation } from '../clinical/voice.ts';


/**
 * Models listed per use case in embedded mode. The vendor's bundle membership is in its user guide,
 * which we do not have: these are the reference's condition models that plausibly belong to each
 * bundle, and embedded mode reports every one as inconclusive.
 */
export const USE_CASE_MODELS: Record<VoiceUseCase, VoiceCondition[]> = {
  'behavioral-health': ['depression', 'anxiety', 'acute-stress', 'ptsd'],
  'substance-use': ['alcohol-use', 'substance-use'],
  'womens-health': ['depression-female', 'anxiety-female', 'hyperandrogenism'],
  wellness: ['fatigue', 'acute-stress', 'dehydration'],
  'athletics-occupational': ['fatigue', 'traumatic-brain-injury', 'dehydration'],
  cognitive: ['cognitive-impairment', 'adhd'],
  cardiometabolic: ['elevated-blood-pressure', 'overweight-obesity', 'anemia'],
  respiratory: ['copd', 'allergy'],
};

/** Why embedded mode gives no condition level. */
export const NO_MODEL_REASON =
  'Embedded analysis measures acoustic features only. A condition level needs a validated model, which this deployment does not have; connect the voice service for model-based levels.';
