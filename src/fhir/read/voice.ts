// A saved voice sample (src/fhir/write/voice.ts) → its speech rate in words/min for the digital MSE.
// Samples saved with audio-quality issues are left out (and say so): their rate is not to be trusted.
import { speechRateWpm } from '../../voice/speech-rate.ts';
import type { DatedValue } from '../chart.ts';
import { TIDEMARK_ENGINE } from '../terminology.ts';
import type { FhirObservation } from './schemas.ts';
import { dateOrExclude, hasCode, MapContext, observationDate, observationUsable } from './values.ts';

export function readVoiceSpeechRate(ctx: MapContext, o: FhirObservation): DatedValue | undefined {
  const ref = `Observation/${o.id}`;
  if (!observationUsable(ctx, ref, o.status, 'voice sample')) return undefined;
  const date = dateOrExclude(ctx, ref, 'voice sample', observationDate(o));
  if (!date) return undefined;
  const components = o.component ?? [];
  if (components.some((c) => hasCode(c.code, TIDEMARK_ENGINE, 'voice.quality_issue'))) {
    ctx.exclude(ref, 'other', 'voice sample recorded with audio-quality issues: its speech rate is not used');
    return undefined;
  }
  const rate = components.find((c) => hasCode(c.code, TIDEMARK_ENGINE, 'voice.speech_rate'))?.valueQuantity;
  const wpm = speechRateWpm(typeof rate?.value === 'number' && rate.code === '{syllables}/s' ? rate.value : undefined);
  if (wpm === undefined) {
    ctx.exclude(ref, 'no-value', 'voice sample without a speech rate in syllables/s');
    return undefined;
  }
  return { value: wpm, at: date.iso, sourceRef: ref };
}
