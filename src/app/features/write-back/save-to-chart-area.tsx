// "Save to chart" wired to the app: the summary renders this next to its title with the chart and
// the engine runs. Builds the EngineResult list (the exact request each engine was sent, read from
// the react-query cache key of its run) and the writer from the data layer.
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useMemo } from 'react';
import { ENGINE_NAMES, type EngineName, type EngineRequest } from '../../../contract/index.ts';
import type { ChartData } from '../../../fhir/chart.ts';
import type { WriteOutcome } from '../../../fhir/write/execute.ts';
import type { EngineResult } from '../../../fhir/write/index.ts';
import { markerText } from '../../../fhir/write/marker.ts';
import type { WritePlan } from '../../../fhir/write/plan.ts';
import { buildEngineRequests } from '../../lib/fhir-mapping.ts';
import { PanelBoundary } from '../../components/error-boundary.tsx';
import { useStableList } from '../../lib/use-stable-list.ts';
import { useDataLayer, type DataLayer } from '../launch-session/data-layer.tsx';
import { useEnteredPhq9 } from '../phq9-entry/entered-store.ts';
import type { EngineRuns } from '../scores/api/run-engine.ts';
import { fetchFhirWriter, type FhirRequest } from './api/fhir-writer.ts';
import { SaveToChart } from './save-to-chart.tsx';
import { useWriteBackInputs } from './write-back-inputs.tsx';

export interface SaveToChartAreaProps {
  chart: ChartData;
  runs: EngineRuns;
}

/** Optional data-layer members write-back uses (the lead adds them to DataLayer; absent = defaults). */
export interface WriteBackLayer {
  /** Granted SMART scope (client.state.tokenResponse.scope). Unknown when absent: the server decides. */
  scope?: string;
  /** Authenticated FHIR request; default: fetch + Bearer accessToken() against serverUrl. */
  fhirWrite?: FhirRequest;
}

/** The writer and scope of a data layer (falls back to fetch with the layer's token). */
export function writeBackFromLayer(layer: DataLayer): { request: FhirRequest; scope: string | undefined } {
  const extra = layer as DataLayer & WriteBackLayer;
  return {
    request: extra.fhirWrite ?? fetchFhirWriter({ serverUrl: layer.serverUrl, accessToken: layer.accessToken }),
    scope: extra.scope,
  };
}

/** Finished engine results with the requests they answered (the same array while the responses are the same). */
export function useEngineResults(chart: ChartData, runs: EngineRuns): EngineResult[] {
  const layer = useDataLayer();
  const queryClient = useQueryClient();
  // Keyed on the response objects (in ENGINE_NAMES order): `runs` itself is a new object every render.
  const responses = useStableList(ENGINE_NAMES.map((e) => runs[e].data));
  return useMemo(() => {
    let rebuilt: ReturnType<typeof buildEngineRequests> | undefined;
    const rebuild = () => {
      rebuilt = rebuilt ?? buildEngineRequests(chart, (layer.now ?? (() => new Date()))());
      return rebuilt;
    };
    const out: EngineResult[] = [];
    ENGINE_NAMES.forEach((engine, i) => {
      const response = responses[i];
      if (!response) return;
      // The request is part of the run's query key (['engine', server, patient, engine, request]).
      const cached = queryClient
        .getQueriesData({ queryKey: ['engine', layer.serverUrl, layer.patientId, engine] })
        .find(([, data]) => data === response)?.[0]?.[4] as EngineRequest<EngineName> | undefined;
      const request = cached ?? rebuild()[engine];
      if (!request) return;
      out.push({ patientId: layer.patientId, engine, request, response } as EngineResult);
    });
    return out;
  }, [chart, layer, queryClient, responses]);
}

export function SaveToChartArea({ chart, runs }: SaveToChartAreaProps) {
  const layer = useDataLayer();
  const results = useEngineResults(chart, runs);
  const { request, scope } = useMemo(() => writeBackFromLayer(layer), [layer]);
  const { entries, markSaved } = useEnteredPhq9();
  const inputs = useWriteBackInputs();
  const pending = ENGINE_NAMES.some((e) => runs[e].isPending);
  // Entered PHQ-9s are saved by their own write, or inside the note that carries their identity.
  const onSaved = useCallback(
    (outcome: WriteOutcome, plan: WritePlan) => {
      const byId = new Map(outcome.entries.map((e) => [e.identifier, e]));
      const note = plan.writes.find((w) => w.role === 'note');
      const saved = new Map<string, { where: string; url: string | null }>();
      for (const e of entries) {
        const own = byId.get(e.identity);
        const viaNote = note && plan.note.text.includes(markerText(e.identity)) ? byId.get(note.identity) : undefined;
        const done = own ?? viaNote;
        if (done && (done.outcome === 'created' || done.outcome === 'existed' || done.outcome === 'unknown')) saved.set(e.identity, { where: done.where, url: done.url });
      }
      markSaved(saved);
    },
    [entries, markSaved],
  );
  return (
    <PanelBoundary what="Save to chart">
      <SaveToChart
        results={results}
        serverUrl={layer.serverUrl}
        fhirRequest={request}
        scope={scope}
        chartHistory={chart.history}
        disabledReason={pending ? 'Waiting for every result before saving…' : undefined}
        capabilities={layer.capabilities}
        site={layer.site}
        // Saved ones too: the plan must not change under a finished save (writing them again adds nothing).
        entered={entries}
        chartPhq9={inputs.chartPhq9}
        safety={inputs.safety}
        author={layer.fhirUser}
        now={layer.now}
        onSaved={onSaved}
      />
    </PanelBoundary>
  );
}
