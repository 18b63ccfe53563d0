// Reads and maps the patient's chart (src/fhir does the FHIR → ChartData work), planned from what the
// server publishes and the token was granted (the same plan the early reads used).
import { queryOptions, useQuery } from '@tanstack/react-query';
import type { ChartData } from '../../../../fhir/chart.ts';
import { readChart } from '../../../lib/fhir-mapping.ts';
import { mark } from '../../../lib/marks.ts';
import { useDataLayer, type DataLayer } from '../../launch-session/data-layer.tsx';

export async function getChart(layer: DataLayer): Promise<ChartData> {
  mark('chart-start');
  const chart = await readChart(layer.fhir, layer.patientId, { capabilities: layer.capabilities, grantedScope: layer.scope, base: layer.serverUrl });
  mark('chart-mapped');
  return chart;
}

export function chartQueryOptions(layer: DataLayer) {
  return queryOptions({
    queryKey: ['chart', layer.serverUrl, layer.patientId],
    queryFn: () => getChart(layer),
    staleTime: 5 * 60_000,
  });
}

export function useChart() {
  return useQuery(chartQueryOptions(useDataLayer()));
}
