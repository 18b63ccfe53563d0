// Voice analysis parameters: signal-processing settings, audio-quality thresholds and the published
// ranges each vocal feature is read against, each with its source. (Clinical constants of the voice
// part live here until src/clinical lands on main.)
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

export type Interpretation = 'within range' | 'slightly elevated' | 'high' | 'reduced' | 'low';

/** A published range: [low below, reduced below, slightly elevated above, high above] (any may be absent). */
export interface FeatureRange {
  feature: string;
  label: string;
  unit: string;
  lowBelow?: number;
  reducedBelow?: number;
  elevatedAbove?: number;
  highAbove?: number;
  range: string;
  source: string;
  /** What a reading outside the range may and may not mean. */
  meaning: string;
}

export const FEATURE_RANGES = {
  speech_rate: {
    feature: 'speech_rate',
    label: 'Speech Rate',
    unit: 'syllables/s',
    lowBelow: 2.5,
    reducedBelow: 3,
    elevatedAbove: 5.5,
    highAbove: 6.5,
    range: '3.0–5.5 syllables/s (pauses included)',
    source: 'de Jong & Wempe 2009 (method); healthy adults ≈3.3–5.9 syllables/s in conversation and reading (Jacewicz et al. 2009, Lang Var Change 21:233–256)',
    meaning: 'Slowed speech is reported in depression and psychomotor retardation (Cannizzaro 2004; Mundt 2012); fast speech in activation. Reading material and language change it.',
  },
  articulation_rate: {
    feature: 'articulation_rate',
    label: 'Articulation Rate',
    unit: 'syllables/s',
    lowBelow: 3,
    reducedBelow: 3.8,
    elevatedAbove: 6.5,
    highAbove: 7.5,
    range: '3.8–6.5 syllables/s (pauses excluded)',
    source: 'de Jong & Wempe 2009; Jacewicz et al. 2009',
    meaning: 'Rate while actually speaking; slowing independent of pausing suggests slowed motor speech.',
  },
  pause_mean_duration: {
    feature: 'pause_mean_duration',
    label: 'Mean Pause Length',
    unit: 's',
    elevatedAbove: 1.0,
    highAbove: 1.5,
    range: '≤1.0 s (pauses ≥0.3 s)',
    source: 'Pause ≥0.3 s as de Jong & Wempe 2009; longer pauses with depression severity (Mundt et al. 2012, Biol Psychiatry 72:580–587)',
    meaning: 'Long pauses go with psychomotor slowing and word-finding effort; the task (reading vs free speech) changes them.',
  },
  pause_time_ratio: {
    feature: 'pause_time_ratio',
    label: 'Pause Time',
    unit: '%',
    elevatedAbove: 35,
    highAbove: 50,
    range: '≤35 % of speaking time',
    source: 'Total pause time rises with depression severity (Mundt et al. 2012; Cannizzaro et al. 2004, Brain Cogn 56:30–35)',
    meaning: 'Share of the time between first and last word spent silent.',
  },
  pitch_mean: {
    feature: 'pitch_mean',
    label: 'Pitch (F0) Mean',
    unit: 'Hz',
    lowBelow: 75,
    elevatedAbove: 255,
    highAbove: 300,
    range: '≈85–155 Hz (adult men), 165–255 Hz (adult women)',
    source: 'Baken & Orlikoff 2000; Titze 1994, Principles of Voice Production',
    meaning: 'Mostly reflects sex, age and anatomy; useful against the same patient’s earlier samples, not as a finding on its own.',
  },
  pitch_variability: {
    feature: 'pitch_variability',
    label: 'Pitch Variability',
    unit: 'semitones',
    lowBelow: 1.5,
    reducedBelow: 2,
    elevatedAbove: 6,
    highAbove: 8,
    range: '2–6 semitones SD of F0',
    source: 'Reduced F0 variability (monotony) with depression (Mundt et al. 2007, J Neurolinguistics 20:50–64; Cummins et al. 2015, Speech Commun 71:10–49)',
    meaning: 'Flat, monotonous prosody may accompany depressed mood or blunted affect; reading flatly lowers it too.',
  },
  voice_jitter: {
    feature: 'voice_jitter',
    label: 'Jitter (local)',
    unit: '%',
    elevatedAbove: 1.04,
    highAbove: 2,
    range: '≤1.04 % (MDVP threshold, sustained vowels)',
    source: 'MDVP/Praat threshold for pathology 1.040 % (Praat manual, Voice 2: Jitter); connected speech reads higher',
    meaning: 'Cycle-to-cycle F0 instability; raised by voice disorders, fatigue, noise and connected speech. Not specific to any mental-health condition.',
  },
  voice_shimmer: {
    feature: 'voice_shimmer',
    label: 'Shimmer (local)',
    unit: '%',
    elevatedAbove: 3.81,
    highAbove: 7,
    range: '≤3.81 % (MDVP threshold, sustained vowels)',
    source: 'MDVP/Praat threshold for pathology 3.810 % (Praat manual, Voice 3: Shimmer); connected speech reads higher',
    meaning: 'Cycle-to-cycle amplitude instability; raised by breathy or rough voice, noise and connected speech.',
  },
  intensity_mean: {
    feature: 'intensity_mean',
    label: 'Speech Level',
    unit: 'dBFS',
    lowBelow: -45,
    reducedBelow: -35,
    elevatedAbove: -3,
    range: '−35 to −3 dBFS (uncalibrated: the recording level, not the voice’s loudness)',
    source: 'Recording-level guidance; an uncalibrated microphone cannot give sound pressure level (Švec & Granqvist 2010, Am J Speech Lang Pathol 19:356–368)',
    meaning: 'Tells whether the recording level suits analysis; it does not measure how loudly the patient spoke.',
  },
  intensity_variability: {
    feature: 'intensity_variability',
    label: 'Loudness Variability',
    unit: 'dB',
    lowBelow: 3,
    reducedBelow: 4,
    elevatedAbove: 12,
    highAbove: 15,
    range: '4–12 dB SD across speech frames',
    source: 'Reduced loudness variation with depression (Cummins et al. 2015, Speech Commun 71:10–49)',
    meaning: 'Flat loudness may accompany low energy or blunted affect; microphone distance changes it.',
  },
} as const satisfies Record<string, FeatureRange>;

export type FeatureKey = keyof typeof FEATURE_RANGES;

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
