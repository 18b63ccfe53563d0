// A finished voice job → one coded FHIR R4 Observation: the audio-quality verdict as the value,
// each vocal feature as a component with a UCUM quantity and its interpretation, condition levels
// (with the quality beside them in the same resource), and the write identity of DESIGN.md. Pure;
// a note-writing strategy can render the same Observation as text. The audio is never referenced.
import type { CodeableConcept, Observation, ObservationComponent } from '@medplum/fhirtypes';
import { FINDING_CODES } from '../../clinical/index.ts';
import type { AudioQuality, VocalFeature, VoiceJob, VoiceSignal } from '../../contract/voice.ts';
import { DATA_ABSENT_REASON, OBSERVATION_CATEGORY, TIDEMARK_ENGINE, TIDEMARK_RESULT, UCUM, V3_INTERPRETATION, VOICE_SAMPLE_CODE } from '../terminology.ts';
import { resultHash } from './identity.ts';

export const VOICE_CODE = { system: TIDEMARK_ENGINE, code: VOICE_SAMPLE_CODE, display: FINDING_CODES.voiceSample.display } as const;

/** Our units → UCUM (annotations in braces where UCUM has no unit: syllables, semitones, a 0–100 score). */
export const VOICE_UCUM: Readonly<Record<string, { code: string; unit: string }>> = {
  'syllables/s': { code: '{syllables}/s', unit: 'syllables/s' },
  s: { code: 's', unit: 's' },
  '%': { code: '%', unit: '%' },
  Hz: { code: 'Hz', unit: 'Hz' },
  semitones: { code: '{semitones}', unit: 'semitones' },
  dB: { code: 'dB', unit: 'dB' },
  dBFS: { code: 'dB', unit: 'dBFS' },
  score: { code: '{score}', unit: 'score (0–100)' },
};

const INTERPRETATION: Record<VocalFeature['value_interpretation'], { code: string; display: string }> = {
  'within range': { code: 'N', display: 'Normal' },
  'slightly elevated': { code: 'H', display: 'High' },
  high: { code: 'H', display: 'High' },
  reduced: { code: 'L', display: 'Low' },
  low: { code: 'L', display: 'Low' },
};

const ISSUE_DISPLAY: Record<AudioQuality['issues'][number], string> = {
  insufficient_speech: 'Too little speech',
  high_background_noise: 'High background noise',
  poor_voice_quality: 'Poor recording quality',
  invalid_speaker: 'Voice outside adult speaking range',
};

const ours = (code: string, display: string): CodeableConcept => ({ coding: [{ system: TIDEMARK_ENGINE, code, display }], text: display });

function quantity(name: string, display: string, value: number, unit: string): ObservationComponent {
  const u = VOICE_UCUM[unit];
  return { code: ours(name, display), valueQuantity: { value, unit: u?.unit ?? unit, system: UCUM, code: u?.code ?? `{${unit}}` } };
}

function featureComponent(f: VocalFeature): ObservationComponent {
  const c = quantity(`voice.${f.feature}`, f.label, f.value, f.unit);
  c.interpretation = [{ coding: [{ system: V3_INTERPRETATION, ...INTERPRETATION[f.value_interpretation] }], text: f.value_interpretation }];
  return c;
}

function signalComponent(s: VoiceSignal): ObservationComponent {
  // `inconclusive` is itself the reference's level (with its reason in the note), not missing data.
  return { code: ours(`voice.level.${s.model_id}`, `${s.label} level`), valueCodeableConcept: ours(`level.${s.level}`, s.level) };
}

function qualityText(q: AudioQuality): string {
  return q.issues.length === 0 ? 'Recording quality adequate' : `Recording quality issues: ${q.issues.map((i) => ISSUE_DISPLAY[i].toLowerCase()).join(', ')}`;
}

/** The parts of a done job the Observation reads (quality, features, signals, summary text). */
export function voiceResultParts(job: VoiceJob): { quality: AudioQuality; features: VocalFeature[]; signals: VoiceSignal[]; summary: string } | null {
  if (job.status !== 'done' || !job.result) return null;
  if (job.job_type === 'use_case' && job.result) {
    const r = job.result;
    return { quality: r.audio_quality, features: r.summary.description.vocal_features, signals: r.signals, summary: r.summary.description.summary };
  }
  if (job.job_type === 'condition' && job.result) {
    const r = job.result;
    return { quality: r.audio_quality, features: r.signal.description.vocal_features, signals: [r.signal], summary: r.signal.description.summary };
  }
  return null;
}

function dateTime(s: string): string {
  // The reference allows timestamps without a designator: those are UTC.
  const withZone = /(Z|[+-]\d{2}:?\d{2})$/.test(s) ? s : `${s}Z`;
  const ms = Date.parse(withZone);
  return Number.isNaN(ms) ? new Date(0).toISOString() : new Date(ms).toISOString();
}

/** identifier value: the same job of the same patient always maps to the same Observation. */
export function voiceIdentifierValue(patientId: string, job: VoiceJob): Promise<string> {
  return resultHash({ patientId, engine: 'voice', inputs: { job: job.job_id, created: job.created_at }, engineVersion: job.analysed_by ?? 'upstream' });
}

/** The Observation of a done voice job; throws when the job has no result. */
export async function buildVoiceObservation(patientId: string, job: VoiceJob): Promise<Observation> {
  const parts = voiceResultParts(job);
  if (!parts) throw new Error('The voice job has no result to save.');
  const { quality, features, signals, summary } = parts;
  const components: ObservationComponent[] = [];
  if (quality.voice_percentage !== null) components.push(quantity('voice.voice_percentage', 'Voice percentage', quality.voice_percentage, '%'));
  else components.push({ code: ours('voice.voice_percentage', 'Voice percentage'), dataAbsentReason: { coding: [{ system: DATA_ABSENT_REASON, code: 'unknown', display: 'Unknown' }] } });
  if (quality.audio_clarity !== null) components.push(quantity('voice.audio_clarity', 'Audio clarity', quality.audio_clarity, 'score'));
  for (const issue of quality.issues) components.push({ code: ours('voice.quality_issue', 'Audio quality issue'), valueCodeableConcept: ours(`issue.${issue}`, ISSUE_DISPLAY[issue]) });
  components.push(...features.map(featureComponent), ...signals.map(signalComponent));
  const embedded = job.analysed_by === 'embedded';
  return {
    resourceType: 'Observation',
    identifier: [{ system: TIDEMARK_RESULT, value: await voiceIdentifierValue(patientId, job) }],
    status: 'final',
    category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: 'exam', display: 'Exam' }] }],
    code: { coding: [{ ...VOICE_CODE }], text: 'Tidemark voice sample' },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: dateTime(job.completed_at ?? job.created_at),
    valueCodeableConcept: ours(quality.issues.length === 0 ? 'quality.adequate' : 'quality.issues', qualityText(quality)),
    note: [
      { text: summary },
      {
        text: `Decision support for review by qualified staff. ${quality.issues.length ? `${qualityText(quality)}: read every value with that in mind. ` : ''}${
          embedded ? 'Acoustic features by Tidemark’s embedded signal processing; condition levels are inconclusive (no validated model).' : 'Analysed by the voice-biomarker service.'
        } The recording itself was not stored.`,
      },
    ],
    device: { display: embedded ? 'Tidemark embedded voice analysis' : 'Voice-biomarker service (v2)' },
    component: components,
  };
}
