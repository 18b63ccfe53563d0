// Voice job → FHIR Observation (src/fhir/write/voice.ts) and its place in the write Bundle.
import { describe, expect, it } from 'vitest';
import type { VoiceJob } from '../../src/contract/index.ts';
import { mapChart } from '../../src/fhir/read/map-chart.ts';
import { buildEngineRequests } from '../../src/fhir/requests.ts';
import { buildVoiceObservation, buildWriteBundle, voiceIdentifierValue } from '../../src/fhir/write/index.ts';
import { parseCapabilities } from '../../src/fhir/ehr/capabilities.ts';
import { buildWritePlan } from '../../src/fhir/write/plan.ts';
import { chooseWriteStrategy } from '../../src/fhir/write/strategy.ts';
import { embeddedUseCaseResult } from '../../src/voice/index.ts';
import { capabilityStatement, smartConfiguration, type VendorName } from '../support/vendor-fhir.ts';

const measures = {
  quality: { issues: ['high_background_noise' as const], voice_percentage: 81.5, audio_clarity: 42.1, snr_db: 12.6, speech_seconds: 40, clipped_percentage: 0 },
  features: [
    { feature: 'speech_rate', label: 'Speech Rate', value: 2.71, unit: 'syllables/s', value_interpretation: 'reduced' as const },
    { feature: 'pitch_variability', label: 'Pitch Variability', value: 2.4, unit: 'semitones', value_interpretation: 'within range' as const },
    { feature: 'intensity_mean', label: 'Speech Level', value: -24, unit: 'dBFS', value_interpretation: 'within range' as const },
  ],
  timing: { nuclei: 100, speakingSpan: 37, pauses: 4, pauseTotal: 3, phonationTime: 34 },
};

const job: VoiceJob = {
  job_id: '189bce4a-52cb-4e60-8586-cef89e719109',
  status: 'done',
  created_at: '2026-03-28T01:05:35.943000',
  completed_at: '2026-03-28T01:05:41.1',
  api_version: 'v2',
  audio_content_type: 'audio/wav',
  audio_size_bytes: 876032,
  audio_duration_seconds: 45,
  audio_sample_rate: 16000,
  analysed_by: 'embedded',
  job_type: 'use_case',
  use_case: 'behavioral-health',
  condition: null,
  result: embeddedUseCaseResult('behavioral-health', measures),
};

describe('voice result → Observation', () => {
  it('is coded, has UCUM quantities with interpretations, the quality verdict as its value, and a stable identity', async () => {
    const o = await buildVoiceObservation('p1', job);
    expect(o.code.coding?.[0]).toMatchObject({ system: 'urn:tidemark:engine', code: 'voice_sample' });
    expect(o.subject?.reference).toBe('Patient/p1');
    expect(o.effectiveDateTime).toBe('2026-03-28T01:05:41.100Z'); // no designator → UTC
    expect(o.valueCodeableConcept?.text).toBe('Recording quality issues: high background noise');
    const byCode = Object.fromEntries((o.component ?? []).map((c) => [c.code.coding?.[0]?.code, c]));
    expect(byCode['voice.speech_rate']?.valueQuantity).toEqual({ value: 2.71, unit: 'syllables/s', system: 'http://unitsofmeasure.org', code: '{syllables}/s' });
    expect(byCode['voice.speech_rate']?.interpretation?.[0]?.coding?.[0]?.code).toBe('L');
    expect(byCode['voice.intensity_mean']?.valueQuantity?.code).toBe('dB');
    expect(byCode['voice.voice_percentage']?.valueQuantity).toMatchObject({ value: 81.5, code: '%' });
    expect(byCode['voice.quality_issue']?.valueCodeableConcept?.coding?.[0]?.code).toBe('issue.high_background_noise');
    // Levels travel in the same resource as the quality verdict.
    expect(byCode['voice.level.depression']?.valueCodeableConcept?.text).toBe('inconclusive');
    expect(o.note?.map((n) => n.text).join(' ')).toContain('not stored');
    expect(o.identifier?.[0]?.value).toBe(await voiceIdentifierValue('p1', job));
    expect(await voiceIdentifierValue('p2', job)).not.toBe(o.identifier?.[0]?.value);
  });

  it('refuses a job without a result, and rides in the write Bundle as a conditional create', async () => {
    await expect(buildVoiceObservation('p1', { ...job, status: 'running', result: null })).rejects.toThrow(/no result/);
    const o = await buildVoiceObservation('p1', job);
    const bundle = await buildWriteBundle([], [o, o]);
    expect(bundle.entry).toHaveLength(1);
    // The match names the subject too, so the server searches one patient instead of the population.
    expect(bundle.entry?.[0]?.request?.ifNoneExist).toBe(`identifier=urn%3Atidemark%3Aresult%7C${o.identifier?.[0]?.value}&subject=Patient%2Fp1`);
  });
});

describe('saved voice samples → the digital MSE of the next launch', () => {
  it('reads the speech rate (words/min) of samples without quality issues; the latest is current, earlier ones the baseline', async () => {
    const clean = { ...job, result: embeddedUseCaseResult('behavioral-health', { ...measures, quality: { ...measures.quality, issues: [], audio_clarity: 90 } }) } as VoiceJob;
    const older = { ...clean, job_id: 'older', created_at: '2026-02-01T10:00:00Z', completed_at: '2026-02-01T10:00:05Z' } as VoiceJob;
    const slowRate = embeddedUseCaseResult('behavioral-health', { ...measures, quality: { ...measures.quality, issues: [] }, features: [{ ...measures.features[0]!, value: 3.5 }] });
    const olderObs = { ...(await buildVoiceObservation('p1', { ...older, result: slowRate } as VoiceJob)), id: 'v-old' };
    const latestObs = { ...(await buildVoiceObservation('p1', clean)), id: 'v-new' };
    const noisyObs = { ...(await buildVoiceObservation('p1', { ...job, job_id: 'noisy' })), id: 'v-noisy' };
    const chart = mapChart('p1', [latestObs, noisyObs, olderObs]);
    expect(chart.speechRate?.map((v) => [v.value, v.sourceRef])).toEqual([
      [150, 'Observation/v-old'],
      [116.1, 'Observation/v-new'],
    ]);
    expect(chart.excluded).toEqual([expect.objectContaining({ sourceRef: 'Observation/v-noisy', detail: expect.stringContaining('quality issues') })]);
    const dmse = buildEngineRequests(chart, new Date('2026-04-01T00:00:00Z')).dmse;
    expect(dmse).toMatchObject({ speechRateWpm: 116.1, history: { speech_rate: [150] } });
    expect(dmse?.responseLatencySeconds).toBeUndefined();
  });
});

describe('a voice sample under each write strategy', () => {
  const BASE = 'https://ehr.example/fhir';
  const planFor = async (vendor: VendorName) => {
    const o = await buildVoiceObservation('p1', job);
    const strategy = chooseWriteStrategy(parseCapabilities(capabilityStatement(vendor), smartConfiguration(vendor, BASE)));
    const plan = await buildWritePlan({ strategy, patientId: 'p1', results: [], entered: [], chartPhq9: null, safety: [], now: new Date('2026-03-28T02:00:00Z'), extra: [o] });
    return { o, plan };
  };

  it('open server: the coded Observation itself, as a conditional create', async () => {
    const { o, plan } = await planFor('open');
    const voice = plan.writes.find((w) => w.resourceType === 'Observation');
    expect(voice?.identity).toBe(o.identifier?.[0]?.value);
    expect(voice?.ifNoneExist).toContain('subject=Patient%2Fp1');
  });

  it('Cerner-like (note only): no Observation is sent; the note carries the quality verdict and every feature with its marker', async () => {
    const { o, plan } = await planFor('cerner');
    expect(plan.writes.map((w) => w.resourceType)).toEqual(['DocumentReference']);
    expect(plan.note.text).toContain('Recording quality issues: high background noise');
    expect(plan.note.text).toMatch(/Speech Rate: 2\.71 syllables\/s \(.*\)/);
    expect(plan.note.text).toContain(o.identifier?.[0]?.value);
  });
});
