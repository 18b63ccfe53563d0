// Vocal features: the published range each one is read against, with its source and what a reading
// outside it may and may not mean, and the syllables-per-word factor that turns the measured syllable
// rate into the digital MSE's words per minute. Clinical knowledge of the voice part (src/voice measures,
// this says how to read the measure). Pure, no imports.

/**
 * Syllables per spoken English word: 1.4 (Tauroza & Allison 1990, "Speech rates in British English",
 * Applied Linguistics 11(1):90–105, measured ≈1.3–1.5 across conversation, interviews, radio and lectures).
 */
export const SYLLABLES_PER_WORD = 1.4;

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
