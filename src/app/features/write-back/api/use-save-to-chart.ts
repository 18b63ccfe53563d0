// The write-back state machine: choose the strategy → build the plan → preview → save (once) →
// saved | failed. Plain React state rather than a react-query mutation: the guard against duplicates
// must hold across double clicks in one tick and across remounts (module-level in-flight map + saved
// cache); the server-side guard (conditional create, or search-then-create) holds across launches.
import type { Observation } from '@medplum/fhirtypes';
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { parseCapabilities, type ServerCapabilities } from '../../../../fhir/ehr/capabilities.ts';
import { scopeAllows } from '../../../../fhir/ehr/scopes.ts';
import { executePlan, findExisting, type FhirRequest, WriteError, type WriteOutcome } from '../../../../fhir/write/execute.ts';
import type { EngineResult } from '../../../../fhir/write/index.ts';
import type { NotePhq9 } from '../../../../fhir/write/note.ts';
import type { EnteredPhq9 } from '../../../../fhir/write/phq9-entry.ts';
import { buildWritePlan, type WritePlan } from '../../../../fhir/write/plan.ts';
import type { SiteServerConfig } from '../../../../fhir/write/site-config.ts';
import { chooseWriteStrategy, type WriteStrategy } from '../../../../fhir/write/strategy.ts';

export type SavePhase =
  | { phase: 'idle' }
  | { phase: 'preview' }
  | { phase: 'saving' }
  | { phase: 'saved'; outcome: WriteOutcome }
  | { phase: 'failed'; error: WriteError };

export interface UseSaveToChartOptions {
  /** Successful engine results ({patientId, engine, request, response}). */
  results: readonly EngineResult[];
  /** Observations built elsewhere (e.g. a voice sample) written with them; keep the array stable. */
  extra?: readonly Observation[];
  /** Authenticated request to the FHIR server (see fhir-writer.ts). */
  request: FhirRequest;
  /** FHIR base URL (links to what was written). */
  serverUrl: string;
  /** Granted SMART scope (tokenResponse.scope); undefined/null = unknown, the server decides. */
  scope?: string | null;
  onSaved?: (outcome: WriteOutcome, plan: WritePlan) => void;
  /** What the server publishes; read from /metadata through `request` when absent. */
  capabilities?: ServerCapabilities;
  site?: SiteServerConfig;
  /** PHQ-9s entered in Tidemark (written where the strategy allows, else in the note). */
  entered?: readonly (EnteredPhq9 & { identity: string })[];
  /** The chart's latest PHQ-9, for the note. */
  chartPhq9?: NotePhq9 | null;
  /** The safety banner's findings, one line each, for the note. */
  safety?: readonly string[];
  /** fhirUser of the launch: author of the note. */
  author?: string;
  now?: () => Date;
  /** Every result is in: check (by search) what a search-based strategy would find already in the chart. */
  settled?: boolean;
}

export interface SaveToChart {
  strategy: WriteStrategy | null;
  /** The plan that will be written (null while it is being built). */
  plan: WritePlan | null;
  buildError: Error | null;
  state: SavePhase;
  /** false: the token may not create any of what the plan writes (known before posting); null: unknown. */
  canWrite: boolean | null;
  /** Resource types the plan writes that this launch's scope does not allow. */
  notAllowed: string[];
  /** For search-based strategies: what is already in the chart, by identity (null: not checked yet). */
  existing: ReadonlyMap<string, { id: string | null }> | null;
  openPreview: () => void;
  cancel: () => void;
  /** Write the plan; a no-op while a save of the same plan is in flight. */
  save: () => void;
}

// ------------------------------------------------------------------ client-side duplicate guard

const inflight = new Map<string, Promise<WriteOutcome>>();
const savedOutcomes = new Map<string, WriteOutcome>();
const statements = new WeakMap<FhirRequest, Promise<ServerCapabilities>>();

function planKey(serverUrl: string, plan: Pick<WritePlan, 'writes'>): string {
  return `${serverUrl}|${plan.writes.map((w) => w.identity).sort().join(',')}`;
}

/** Saves a plan at most once at a time per server; an identical save joins the one in flight. */
export function saveOnce(request: FhirRequest, plan: Pick<WritePlan, 'writes' | 'strategy'>, serverUrl: string): Promise<WriteOutcome> {
  const key = planKey(serverUrl, plan);
  const running = inflight.get(key);
  if (running) return running;
  const p = executePlan(request, plan, { serverUrl })
    .then((outcome) => {
      savedOutcomes.set(key, outcome);
      return outcome;
    })
    .finally(() => inflight.delete(key));
  inflight.set(key, p);
  return p;
}

/** GET metadata once per writer: the server's capabilities (unknown when it cannot be read). */
function capabilitiesVia(request: FhirRequest): Promise<ServerCapabilities> {
  let p = statements.get(request);
  if (!p) {
    p = request('metadata', { method: 'GET', headers: { Accept: 'application/fhir+json' } })
      .then(async (res) => parseCapabilities(res.ok ? await res.json().catch(() => null) : null))
      .catch(() => parseCapabilities(null));
    statements.set(request, p);
  }
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

/** True once this exact engine response was saved to the chart as a coded Observation in this session. */
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

/** The strategy: from the given capabilities at once, else from /metadata (read once per writer). */
function useStrategy(capabilities: ServerCapabilities | undefined, request: FhirRequest, site: SiteServerConfig | undefined): WriteStrategy | null {
  const given = useMemo(() => (capabilities ? chooseWriteStrategy(capabilities, site) : null), [capabilities, site]);
  const [fetched, setFetched] = useState<{ request: FhirRequest; strategy: WriteStrategy } | null>(null);
  useEffect(() => {
    if (capabilities) return;
    let live = true;
    void capabilitiesVia(request).then((caps) => live && setFetched({ request, strategy: chooseWriteStrategy(caps, site) }));
    return () => {
      live = false;
    };
  }, [capabilities, request, site]);
  return given ?? (fetched?.request === request ? fetched.strategy : null);
}

const NO_EXTRA: readonly Observation[] = [];

/** The patient of a save: from its results, else from an extra Observation's subject. */
function patientOf(results: readonly EngineResult[], extra: readonly Observation[]): string | undefined {
  return results[0]?.patientId ?? extra[0]?.subject?.reference?.replace(/^Patient\//, '');
}

export function useSaveToChart(opts: UseSaveToChartOptions): SaveToChart {
  const { request, serverUrl, scope, settled = true } = opts;
  const results = useStableResults(opts.results);
  const extra = opts.extra ?? NO_EXTRA;
  const strategy = useStrategy(opts.capabilities, request, opts.site);
  const enteredKey = (opts.entered ?? []).map((e) => e.identity).join(',');
  const safetyKey = (opts.safety ?? []).join('\n');
  // The plan with what it was built from: never offer a plan of earlier results.
  const [built, setBuilt] = useState<{ key: unknown[]; plan: WritePlan } | null>(null);
  const buildKey = useMemo(() => [results, extra, strategy, enteredKey, safetyKey, opts.chartPhq9?.sourceRef ?? null, opts.author ?? null], [results, extra, strategy, enteredKey, safetyKey, opts.chartPhq9?.sourceRef, opts.author]);
  const plan = built && built.key === buildKey ? built.plan : null;
  const [buildError, setBuildError] = useState<Error | null>(null);
  const [state, setState] = useState<SavePhase>({ phase: 'idle' });
  const [existing, setExisting] = useState<{ plan: WritePlan; found: Map<string, { id: string | null }> } | null>(null);
  const busy = useRef(false);
  const latest = useRef(opts);
  latest.current = opts;

  useEffect(() => {
    const patientId = patientOf(results, extra);
    if (!strategy || !patientId) return;
    let live = true;
    setBuildError(null);
    const o = latest.current;
    buildWritePlan({
      strategy,
      patientId,
      results,
      extra,
      entered: o.entered ?? [],
      chartPhq9: o.chartPhq9 ?? null,
      safety: o.safety ?? [],
      ...(o.author ? { author: o.author } : {}),
      now: (o.now ?? (() => new Date()))(),
    }).then(
      (p) => {
        if (!live) return;
        setBuilt({ key: buildKey, plan: p });
        const done = savedOutcomes.get(planKey(serverUrl, p));
        setState(done ? { phase: 'saved', outcome: done } : (s) => (s.phase === 'saved' ? { phase: 'idle' } : s));
      },
      (e: unknown) => live && setBuildError(e instanceof Error ? e : new Error(String(e))),
    );
    return () => {
      live = false;
    };
  }, [buildKey, results, extra, serverUrl, strategy]);

  // Search-based strategies: what is already in the chart (a relaunch after a save), before any write.
  useEffect(() => {
    if (!plan || !settled || plan.writes.length === 0 || plan.strategy.idempotence === 'transaction' || plan.strategy.idempotence === 'conditional-create') return;
    let live = true;
    findExisting(request, plan.writes).then(
      (found) => live && setExisting({ plan, found: new Map([...found].map(([k, r]) => [k, { id: r.id ?? null }])) }),
      () => undefined, // the write itself checks again and reports any failure
    );
    return () => {
      live = false;
    };
  }, [plan, request, settled]);

  const notAllowed = useMemo(() => {
    if (!plan) return [];
    const types = [...new Set(plan.writes.map((w) => w.resourceType))];
    return types.filter((t) => scopeAllows(scope, t, 'c') === false);
  }, [plan, scope]);
  const canWrite = !plan || scope === null || scope === undefined || scope.trim() === '' ? null : plan.writes.some((w) => !notAllowed.includes(w.resourceType));

  const openPreview = useCallback(() => setState((s) => (s.phase === 'saving' ? s : { phase: 'preview' })), []);
  const cancel = useCallback(() => setState((s) => (s.phase === 'saving' ? s : { phase: 'idle' })), []);

  const save = useCallback(() => {
    if (!plan || busy.current) return;
    if (canWrite === false) {
      setState({
        phase: 'failed',
        error: new WriteError(
          'no-scope',
          `This launch was not granted permission to add ${notAllowed.join(' or ')} to the chart (its access token has no such write scope), so nothing was sent. Ask your EHR administrator to allow Tidemark write access, or copy or download the note and the FHIR JSON.`,
        ),
      });
      return;
    }
    busy.current = true;
    setState({ phase: 'saving' });
    const allowed = { strategy: plan.strategy, writes: plan.writes.filter((w) => !notAllowed.includes(w.resourceType)) };
    saveOnce(request, allowed, serverUrl).then(
      (outcome) => {
        busy.current = false;
        if (plan.strategy.kind === 'observations') for (const r of results) savedResponses.add(r.response);
        emit();
        setState({ phase: 'saved', outcome });
        latest.current.onSaved?.(outcome, plan);
      },
      (error: unknown) => {
        busy.current = false;
        const e = error instanceof WriteError ? error : new WriteError('server', `Saving failed: ${error instanceof Error ? error.message : String(error)}`);
        setState({ phase: 'failed', error: e });
      },
    );
  }, [plan, canWrite, notAllowed, request, results, serverUrl]);

  return { strategy, plan, buildError, state, canWrite, notAllowed, existing: existing && existing.plan === plan ? existing.found : null, openPreview, cancel, save };
}
