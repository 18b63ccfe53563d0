// The sample's speech rate in the digital-MSE engine (syllables/s → words/min), its dMSE card, and
// "Save to chart" for the voice Observation with that dMSE result, through the usual save flow.
import type { Observation } from '@medplum/fhirtypes';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import type { EngineRequest, VoiceJob } from '../../../contract/index.ts';
import type { ChartData } from '../../../fhir/chart.ts';
import { buildVoiceObservation, type EngineResult } from '../../../fhir/write/index.ts';
import { SYLLABLES_PER_WORD, speechRateWpm } from '../../../voice/speech-rate.ts';
import { ErrorState, Skeleton } from '../../components/states.tsx';
import { formatNumber } from '../../lib/format.ts';
import { DmseSignals } from '../dmse/dmse-signals.tsx';
import { useDataLayer } from '../launch-session/data-layer.tsx';
import { engineQueryOptions, type EngineRuns } from '../scores/api/run-engine.ts';
import { SaveToChart, writeBackFromLayer } from '../write-back/index.ts';

export function VoiceDmse({ job, syllablesPerSecond, chart, runs }: { job: VoiceJob; syllablesPerSecond: number | undefined; chart: ChartData; runs: EngineRuns }) {
  const layer = useDataLayer();
  const wpm = speechRateWpm(syllablesPerSecond);
  // The chart's own dMSE request (response latency, earlier samples' speech rate and their history)
  // with this sample's speech rate as the current value; the chart's latest rate joins the baseline.
  const request = useMemo<EngineRequest<'dmse'> | undefined>(() => {
    if (wpm === undefined) return undefined;
    const base = runs.dmse.request;
    const prior = base?.speechRateWpm;
    const history = prior === undefined ? base?.history : { ...base?.history, speech_rate: [...(base?.history?.speech_rate ?? []), prior].slice(-500) };
    return { ...(base ?? {}), speechRateWpm: Math.min(600, wpm), ...(history ? { history } : {}) } as EngineRequest<'dmse'>;
  }, [runs.dmse.request, wpm]);
  const dmse = useQuery({ ...engineQueryOptions(layer, 'dmse', request ?? ({} as EngineRequest<'dmse'>)), enabled: !!request });
  const [observation, setObservation] = useState<readonly Observation[] | null>(null);
  const [buildError, setBuildError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    buildVoiceObservation(layer.patientId, job).then(
      (o) => live && setObservation([o]),
      (e: unknown) => live && setBuildError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [job, layer.patientId]);
  const results = useMemo<EngineResult[]>(
    () => (dmse.data && request ? [{ patientId: layer.patientId, engine: 'dmse', request, response: dmse.data }] : []),
    [dmse.data, request, layer.patientId],
  );
  const writer = useMemo(() => writeBackFromLayer(layer), [layer]);

  return (
    <>
      <section className="voice__dmse card" aria-labelledby="voice-dmse-title" aria-busy={dmse.isFetching}>
        <h3 id="voice-dmse-title" className="card__title">
          Digital MSE with this sample’s speech rate
        </h3>
        {wpm === undefined ? (
          <p className="muted">No speech rate was measured, so the digital MSE gains nothing from this sample.</p>
        ) : (
          <p className="muted" data-testid="wpm-conversion">
            {formatNumber(syllablesPerSecond!, 2)} syllables/s × 60 ÷ {SYLLABLES_PER_WORD} syllables per word (Tauroza &amp; Allison 1990) ≈{' '}
            <strong>{formatNumber(wpm, 0)} words/min</strong>
          </p>
        )}
        {dmse.isError ? (
          <ErrorState title="Could not compute the digital MSE" message={dmse.error.message} onRetry={() => void dmse.refetch()} />
        ) : dmse.data ? (
          <>
            <p className="card__headline">{dmse.data.intelligence.summary.headline}</p>
            <DmseSignals result={dmse.data} />
          </>
        ) : (
          request && <Skeleton label="Computing the digital MSE…" lines={2} />
        )}
      </section>
      {buildError ? (
        <p className="text-error">Could not prepare the voice Observation: {buildError}</p>
      ) : (
        observation && (
          <div className="voice__save">
            <SaveToChart
              results={results}
              extra={observation}
              serverUrl={layer.serverUrl}
              fhirRequest={writer.request}
              scope={writer.scope}
              chartHistory={chart.history}
              disabledReason={request && !dmse.data && !dmse.isError ? 'Waiting for the digital MSE…' : undefined}
            />
          </div>
        )
      )}
    </>
  );
}
