// The clinician view: safety first, then the summary, then the detail a clinician may want.
import { lazy, memo, Suspense, useDeferredValue, useMemo } from 'react';
import { safetyLines } from '../clinical/index.ts';
import { ENGINE_NAMES, type ClinicalMeasure } from '../contract/index.ts';
import type { ChartData } from '../fhir/chart.ts';
import { PanelBoundary } from './components/error-boundary.tsx';
import { ErrorState, Skeleton } from './components/states.tsx';
import { useChart } from './features/chart/api/get-chart.ts';
import { DataQualityNote } from './features/data-quality/data-quality-note.tsx';
import { DmseSignals } from './features/dmse/dmse-signals.tsx';
import { EngineCard } from './features/engine-cards/engine-card.tsx';
import { LabSignals } from './features/labs/lab-signals.tsx';
import { useDataLayer } from './features/launch-session/data-layer.tsx';
import { usePatient } from './features/launch-session/get-patient.ts';
import { LaunchError } from './features/launch-session/launch-error.tsx';
import { PatientBanner } from './features/launch-session/patient-banner.tsx';
import { SessionBanner } from './features/launch-session/session-banner.tsx';
import { MedicationSignals } from './features/medications/medication-signals.tsx';
import { OutcomeComponents } from './features/outcome/outcome-components.tsx';
import { RelapseFactors } from './features/relapse/relapse-factors.tsx';
import { RelapseHistoryPanel } from './features/relapse-history/index.ts';
import { Phq9EntryPanel, useEnteredPhq9, withEntered } from './features/phq9-entry/index.ts';
import { deriveSafety } from './features/safety/derive-safety.ts';
import { SafetyBanner } from './features/safety/safety-banner.tsx';
import { useEngines, type EngineRuns } from './features/scores/api/run-engine.ts';
import { safetyFindings } from './features/scores/engine-results.ts';
import { SummaryPanel } from './features/summary/summary-panel.tsx';
import { Phq9TrendPanel } from './features/trends/phq9-trend.tsx';
import { type WriteBackInputs, WriteBackInputsProvider } from './features/write-back/index.ts';
import { chartPhq9 } from '../fhir/write/chart-phq9.ts';

// The voice panel (recorder, results, dMSE card) loads after the summary and cards: its code and its
// render stay out of the first paint.
const VoiceSamplePanel = lazy(() => import('./features/voice/index.ts').then((m) => ({ default: m.VoiceSamplePanel })));

/** fhirclient's HttpError carries `status`; 401 means the token expired and could not be refreshed. */
function isAuthError(error: Error): boolean {
  const status = (error as Error & { status?: number; statusCode?: number }).status ?? (error as { statusCode?: number }).statusCode;
  return status === 401 || /\b401\b|unauthori[sz]ed/i.test(error.message);
}

export function App() {
  const layer = useDataLayer();
  const patient = usePatient();
  const read = useChart();
  const { entries } = useEnteredPhq9();
  // PHQ-9s entered in Tidemark join the chart's assessments: scored by the engines and read by the
  // safety path exactly like one from the chart.
  const chartData = useMemo(() => (read.data ? withEntered(read.data, entries) : undefined), [read.data, entries]);
  const chart = { ...read, data: chartData } as typeof read;
  const runs = useEngines(chartData);
  // The shared safety path over the chart (entered PHQ-9s included), plus anything an engine reported.
  const safety = deriveSafety(chartData, safetyFindings(runs));
  const safetyKey = safetyLines(safety).join('\n');
  const inputs = useMemo<WriteBackInputs>(() => ({ safety: safetyKey ? safetyKey.split('\n') : [], chartPhq9: chartPhq9(read.data) }), [safetyKey, read.data]);
  const measures: ClinicalMeasure[] = [
    ...(runs.outcome.data?.measures ?? []),
    ...(runs.relapse.data?.measures ?? []),
    ...(runs.medication.data?.measures ?? []),
  ];
  // The trend chart and the cards render from a deferred value, in an interruptible background pass:
  // the summary and the safety banner commit and paint first, and the engine calls (started by the
  // commit's effects) do not wait for the whole page to render.
  const deferred = useDeferredValue<{ chart?: ChartData; runs: EngineRuns; measures: ClinicalMeasure[] }>(
    { chart: chart.data, runs, measures },
    { runs, measures },
  );
  // The token's patient must be the patient shown (a stale embedded session must never show another chart).
  const resourceId = patient.data?.resourceId;
  if (resourceId && resourceId !== layer.patientId) {
    return <LaunchError problem={{ kind: 'patient-mismatch', detail: `The authorization is for patient ${layer.patientId}; the EHR returned Patient/${resourceId}.` }} />;
  }
  return (
    <WriteBackInputsProvider value={inputs}>
    <div className="app">
      <header className="app-header">
        <p className="app-header__brand">
          Tidemark <span className="muted">· measurement-based care</span>
        </p>
      </header>
      <PanelBoundary what="The patient banner">
        <PatientBanner />
      </PanelBoundary>
      <main className="app-main" id="main">
        <h1 className="visually-hidden">Tidemark decision support</h1>
        {safety && <SafetyBanner view={safety} now={(layer.now ?? (() => new Date()))()} />}
        <SessionBanner />
        {chart.isError ? (
          <section className="panel">
            {isAuthError(chart.error) ? (
              <ErrorState
                title="Session expired"
                message="The EHR no longer accepts this session's token. Relaunch Tidemark from the patient's chart in the EHR."
              />
            ) : (
              <ErrorState title="Could not read the chart" message={chart.error.message} onRetry={() => void chart.refetch()} />
            )}
          </section>
        ) : chart.isPending ? (
          <section className="panel" aria-label="Loading">
            <Skeleton label="Reading the chart…" lines={4} />
          </section>
        ) : (
          <>
            {/* Each part in its own boundary: a failed lazy chunk or a chart error stays in its panel;
                the safety banner above is outside every boundary. */}
            <PanelBoundary what="The summary">
              <SummaryPanel chart={chart.data} runs={runs} measures={measures} />
            </PanelBoundary>
            <PanelBoundary what="Enter today’s PHQ-9">
              <Phq9EntryPanel chart={chart.data} />
            </PanelBoundary>
            <PanelBoundary what="The data-quality note">
              <DataQualityNote chart={chart.data} />
            </PanelBoundary>
            {deferred.chart && (
              <PanelBoundary what="The PHQ-9 trend">
                <TrendDetail chart={deferred.chart} runs={deferred.runs} measures={deferred.measures} />
              </PanelBoundary>
            )}
            {/* Relapse risk over time from the chart's earlier saved results (its recharts part is lazy-loaded). */}
            {(runs.relapse.hasRequest || (chart.data.history.relapse?.length ?? 0) > 0) && (
              <PanelBoundary what="Relapse risk over time">
                <RelapseHistoryPanel chart={chart.data} runs={runs} />
              </PanelBoundary>
            )}
            {deferred.chart && (
              <PanelBoundary what="The results in detail">
                <CardsDetail chart={deferred.chart} runs={deferred.runs} />
              </PanelBoundary>
            )}
            {deferred.chart && (
              <PanelBoundary what="The voice sample">
                <Suspense fallback={null}>
                  <VoiceSamplePanel chart={deferred.chart} runs={deferred.runs} />
                </Suspense>
              </PanelBoundary>
            )}
          </>
        )}
      </main>
      <footer className="app-footer">
        <p>
          Tidemark is decision support for clinician review — not a diagnosis. It does not replace clinical judgement or your
          local protocols.
        </p>
      </footer>
    </div>
    </WriteBackInputsProvider>
  );
}

/** The PHQ-9 trend, from the deferred value (its chart also waits for the engines, see Phq9TrendPanel). */
const TrendDetail = memo(function TrendDetail({ chart, runs, measures }: { chart: ChartData; runs: EngineRuns; measures: ClinicalMeasure[] }) {
  return <Phq9TrendPanel chart={chart} measures={measures} deferChart={ENGINE_NAMES.some((e) => runs[e].isPending)} />;
});

/** The per-engine cards, from the deferred value. */
const CardsDetail = memo(function CardsDetail({ chart, runs }: { chart: ChartData; runs: EngineRuns }) {
  return (
    <section className="cards" aria-labelledby="cards-title">
      <h2 id="cards-title" className="section-title">
        Results in detail
      </h2>
      <div className="cards__grid">
        <EngineCard run={runs.relapse}>{runs.relapse.data && <RelapseFactors result={runs.relapse.data} />}</EngineCard>
        <EngineCard run={runs.outcome}>{runs.outcome.data && <OutcomeComponents result={runs.outcome.data} />}</EngineCard>
        <EngineCard run={runs.medication}>
          {runs.medication.data && <MedicationSignals result={runs.medication.data} chart={chart} />}
        </EngineCard>
        <EngineCard run={runs.biomarker}>{runs.biomarker.data && <LabSignals result={runs.biomarker.data} chart={chart} />}</EngineCard>
        <EngineCard run={runs.dmse}>{runs.dmse.data && <DmseSignals result={runs.dmse.data} />}</EngineCard>
      </div>
    </section>
  );
});
