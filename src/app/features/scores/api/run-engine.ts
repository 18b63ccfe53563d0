// POST one engine request to the proxy (/api/v1/<path>) and validate the answer with the contract.
import { queryOptions, useQueries } from '@tanstack/react-query';
import { useMemo } from 'react';
import {
  API_PREFIX,
  ENDPOINTS,
  ENGINE_NAMES,
  errorEnvelope,
  successEnvelope,
  type EngineName,
  type EngineRequest,
  type EngineResponse,
} from '../../../../contract/index.ts';
import type { ChartData } from '../../../../fhir/chart.ts';
import { buildEngineRequests, type EngineRequests } from '../../../lib/fhir-mapping.ts';
import { mark } from '../../../lib/marks.ts';
import { useDataLayer, type DataLayer } from '../../launch-session/data-layer.tsx';

export class EngineCallError extends Error {
  constructor(
    readonly engine: EngineName,
    readonly code: string,
    message: string,
    readonly status: number | null,
    readonly requestId: string | null,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'EngineCallError';
  }
  /** Worth retrying automatically (the user can always retry by hand). */
  get transient(): boolean {
    return this.status === null || this.status === 429 || this.status >= 500;
  }
  get sessionExpired(): boolean {
    return this.code === 'invalid_token' || this.code === 'unauthorized';
  }
}

export async function runEngine<E extends EngineName>(
  layer: DataLayer,
  engine: E,
  request: EngineRequest<E>,
  signal?: AbortSignal,
): Promise<EngineResponse<E>> {
  const doFetch = layer.fetch ?? fetch;
  const url = `${layer.apiBase ?? API_PREFIX}${ENDPOINTS[engine].path}`;
  mark(`engine-start:${engine}`);
  let res: Response;
  try {
    const token = await layer.accessToken();
    res = await doFetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        Authorization: `Bearer ${token}`,
        'X-FHIR-Server': layer.serverUrl,
      },
      body: JSON.stringify(request),
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new EngineCallError(engine, 'network_error', `Could not reach the Tidemark server (${detail}).`, null, null);
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new EngineCallError(engine, 'invalid_response', `The server answered ${res.status} without JSON.`, res.status, null);
  }
  if (!res.ok || (body as { ok?: unknown })?.ok === false) {
    const parsed = errorEnvelope.safeParse(body);
    if (parsed.success) {
      const { code, message, issues } = parsed.data.error;
      throw new EngineCallError(engine, code, message, res.status, parsed.data.requestId, issues);
    }
    throw new EngineCallError(engine, 'server_error', `The server answered ${res.status}.`, res.status, null);
  }
  const parsed = successEnvelope(ENDPOINTS[engine].response).safeParse(body);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new EngineCallError(
      engine,
      'invalid_response',
      `The ${ENDPOINTS[engine].title} result did not match the API contract${first ? ` (${first.path.join('.')}: ${first.message})` : ''}.`,
      res.status,
      (body as { requestId?: string })?.requestId ?? null,
    );
  }
  mark(`engine-done:${engine}`);
  return parsed.data.data as EngineResponse<E>;
}

export function engineQueryOptions<E extends EngineName>(layer: DataLayer, engine: E, request: EngineRequest<E>) {
  return queryOptions({
    // The request is part of the key: a changed chart is a different question. (write-back reads
    // key[4] back as the request; EngineRun.request is the simpler way to get it.)
    queryKey: ['engine', layer.serverUrl, layer.patientId, engine, request] as const,
    queryFn: ({ signal }) => runEngine(layer, engine, request, signal),
    staleTime: Infinity,
    retry: (failures, error) => failures < 1 && error instanceof EngineCallError && error.transient,
  });
}

export interface EngineRun<E extends EngineName = EngineName> {
  engine: E;
  /** false when the chart holds nothing this engine can use (it is then not called). */
  hasRequest: boolean;
  /** The exact request sent (undefined when the engine had no data). */
  request: EngineRequest<E> | undefined;
  data: EngineResponse<E> | undefined;
  error: Error | null;
  isPending: boolean;
  refetch: () => void;
}

export type EngineRuns = { [E in EngineName]: EngineRun<E> };

/** Every engine with data, in parallel; each one succeeds or fails on its own. */
export function useEngines(chart: ChartData | undefined): EngineRuns {
  const layer = useDataLayer();
  // Built once per chart read (not on every render): long charts make large requests.
  const requests = useMemo<EngineRequests>(
    () => (chart ? buildEngineRequests(chart, (layer.now ?? (() => new Date()))()) : {}),
    [chart, layer.now],
  );
  const results = useQueries({
    queries: ENGINE_NAMES.map((engine) => {
      const request = requests[engine];
      return {
        ...engineQueryOptions(layer, engine, (request ?? {}) as EngineRequest<typeof engine>),
        enabled: request !== undefined,
      };
    }),
  });
  const runs = {} as Record<EngineName, EngineRun>;
  ENGINE_NAMES.forEach((engine, i) => {
    const r = results[i]!;
    const hasRequest = requests[engine] !== undefined;
    runs[engine] = {
      engine,
      hasRequest,
      request: requests[engine],
      data: r.data as EngineResponse<EngineName> | undefined,
      error: r.error,
      isPending: hasRequest && r.isPending,
      refetch: () => void r.refetch(),
    } as EngineRun;
  });
  return runs as EngineRuns;
}
