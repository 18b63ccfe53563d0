// The write-back state machine: build the Bundle → preview → save (once) → saved | failed.
// Plain React state rather than a react-query mutation: the guard against duplicates must hold
// across double clicks in one tick and across remounts (module-level in-flight map + saved cache).
import type { Bundle, Observation } from '@medplum/fhirtypes';
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { buildWriteBundle, type EngineResult } from '../../../../fhir/write/index.ts';
import { canWriteObservations, type FhirRequest } from './fhir-writer.ts';
import { serverTakesTransactions, writeBundle, WriteError, type WriteOutcome } from './write-to-chart.ts';

export type SavePhase =
  | { phase: 'idle' }
  | { phase: 'preview' }
  | { phase: 'saving' }
  | { phase: 'saved'; outcome: WriteOutcome }
  | { phase: 'failed'; error: WriteError };

export interface UseSaveToChartOptions {
  /** Successful engine results ({patientId, engine, request, response}). */
  results: readonly EngineResult[];
  /** Observations built elsewhere (e.g. a voice sample) written in the same Bundle; keep the array stable. */
  extra?: readonly Observation[];
  /** Authenticated request to the FHIR server (see fhir-writer.ts). */
  request: FhirRequest;
  /** FHIR base URL (links to the written Observations). */
  serverUrl: string;
  /** Granted SMART scope (tokenResponse.scope); undefined/null = unknown, the server decides. */
  scope?: string | null;
  onSaved?: (outcome: WriteOutcome) => void;
}

export interface SaveToChart {
  /** The transaction Bundle that will be written (null while it is being built). */
  bundle: Bundle<Observation> | null;
  buildError: Error | null;
  state: SavePhase;
  /** false: the token cannot create Observations (known before posting); null: unknown. */
  canWrite: boolean | null;
  openPreview: () => void;
  cancel: () => void;
  /** Write the Bundle; a no-op while a save of the same Bundle is in flight. */
  save: () => void;
}

// ------------------------------------------------------------------ client-side duplicate guard

const inflight = new Map<string, Promise<WriteOutcome>>();
const savedOutcomes = new Map<string, WriteOutcome>();
const transactionSupport = new WeakMap<FhirRequest, Promise<boolean>>();

function bundleKey(serverUrl: string, bundle: Bundle<Observation>): string {
  const ids = (bundle.entry ?? []).map((e) => e.resource?.identifier?.[0]?.value ?? '').sort();
  return `${serverUrl}|${ids.join(',')}`;
}

/** Saves a Bundle at most once at a time per server; an identical save joins the one in flight. */
export function saveOnce(request: FhirRequest, bundle: Bundle<Observation>, serverUrl: string): Promise<WriteOutcome> {
  const key = bundleKey(serverUrl, bundle);
  const running = inflight.get(key);
  if (running) return running;
  let support = transactionSupport.get(request);
  if (!support) {
    support = serverTakesTransactions(request);
    transactionSupport.set(request, support);
  }
  const p = support
    .then((transaction) => writeBundle(request, bundle, { serverUrl, transaction }))
    .then((outcome) => {
      savedOutcomes.set(key, outcome);
      return outcome;
    })
    .finally(() => inflight.delete(key));
  inflight.set(key, p);
  return p;
}

/** Test hook: forget saved outcomes and in-flight saves. */
export function resetWriteBackCache(): void {
  inflight.clear();
  savedOutcomes.clear();
  savedResponses = new WeakSet();
  emit();
}

// ------------------------------------------------------------------ "is this result in the chart?"

let savedResponses = new WeakSet<object>();
let version = 0;
const listeners = new Set<() => void>();
function emit() {
  version++;
  for (const l of listeners) l();
}
function subscribe(l: () => void) {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** True once this exact engine response was saved to the chart in this session. */
export function useIsResultSaved(response: object | null | undefined): boolean {
  useSyncExternalStore(subscribe, () => version, () => version);
  return !!response && savedResponses.has(response);
}

// ------------------------------------------------------------------ the hook

/** The same array as last render while every entry's engine, request and response are the same objects. */
export function useStableResults(results: readonly EngineResult[]): readonly EngineResult[] {
  const ref = useRef(results);
  const prev = ref.current;
  const same =
    prev.length === results.length &&
    prev.every((r, i) => {
      const n = results[i]!;
      return r.engine === n.engine && r.response === n.response && r.request === n.request && r.patientId === n.patientId;
    });
  if (!same) ref.current = results;
  return ref.current;
}

const NO_EXTRA: readonly Observation[] = [];

export function useSaveToChart({ results: given, extra = NO_EXTRA, request, serverUrl, scope, onSaved }: UseSaveToChartOptions): SaveToChart {
  const results = useStableResults(given);
  // The Bundle with the results it was built from: never offer a Bundle of earlier results.
  const [built, setBuilt] = useState<{ results: readonly EngineResult[]; extra: readonly Observation[]; bundle: Bundle<Observation> } | null>(null);
  const bundle = built && built.results === results && built.extra === extra ? built.bundle : null;
  const [buildError, setBuildError] = useState<Error | null>(null);
  const [state, setState] = useState<SavePhase>({ phase: 'idle' });
  const busy = useRef(false);
  const onSavedRef = useRef(onSaved);
  onSavedRef.current = onSaved;
  const canWrite = canWriteObservations(scope);

  useEffect(() => {
    let live = true;
    setBuilt(null);
    setBuildError(null);
    buildWriteBundle(results, extra).then(
      (b) => {
        if (!live) return;
        setBuilt({ results, extra, bundle: b });
        const done = savedOutcomes.get(bundleKey(serverUrl, b));
        setState(done ? { phase: 'saved', outcome: done } : (s) => (s.phase === 'saved' ? { phase: 'idle' } : s));
      },
      (e: unknown) => live && setBuildError(e instanceof Error ? e : new Error(String(e))),
    );
    return () => {
      live = false;
    };
  }, [results, extra, serverUrl]);

  const openPreview = useCallback(() => setState((s) => (s.phase === 'saving' ? s : { phase: 'preview' })), []);
  const cancel = useCallback(() => setState((s) => (s.phase === 'saving' ? s : { phase: 'idle' })), []);

  const save = useCallback(() => {
    if (!bundle || busy.current) return;
    if (canWrite === false) {
      setState({
        phase: 'failed',
        error: new WriteError(
          'no-scope',
          'This launch was not granted permission to add Observations to the chart (its access token has no Observation write scope), so nothing was sent. Ask your EHR administrator to allow Tidemark write access, or download the results as FHIR JSON.',
        ),
      });
      return;
    }
    busy.current = true;
    setState({ phase: 'saving' });
    saveOnce(request, bundle, serverUrl).then(
      (outcome) => {
        busy.current = false;
        for (const r of results) savedResponses.add(r.response);
        emit();
        setState({ phase: 'saved', outcome });
        onSavedRef.current?.(outcome);
      },
      (error: unknown) => {
        busy.current = false;
        const e =
          error instanceof WriteError
            ? error
            : new WriteError('server', `Saving failed: ${error instanceof Error ? error.message : String(error)}`);
        setState({ phase: 'failed', error: e });
      },
    );
  }, [bundle, canWrite, request, results, serverUrl]);

  return { bundle, buildError, state, canWrite, openPreview, cancel, save };
}
