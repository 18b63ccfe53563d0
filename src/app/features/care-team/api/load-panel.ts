// Reads the care-team panel from the chart, page by page, into a PanelStore: the Group's members,
// the patients' names, every relapse result Tidemark wrote and every safety finding. The four reads
// run in parallel and each page is shown as it arrives (time to first rows = one page).
import { z } from 'zod';
import { ENGINE_CODES, FINDING_CODES, TIDEMARK_ENGINE } from '../../../../clinical/index.ts';
import type { FhirFetchJson } from '../../launch-session/data-layer.tsx';
import { summarizePatient } from '../../launch-session/get-patient.ts';
import type { PanelStore, PatientInfo, StoredFinding, StoredRelapse } from '../panel-model.ts';
import { PANEL_PARAMS } from '../panel-params.ts';


export type PanelPart = 'group' | 'patients' | 'results' | 'findings';

export interface PanelProgress {
  done: Set<PanelPart>;
  errors: Partial<Record<PanelPart, string>>;
}

const bundle = z.object({
  entry: z.array(z.object({ resource: z.unknown() })).optional(),
  link: z.array(z.object({ relation: z.string(), url: z.string() })).optional(),
});

const reference = z.object({ reference: z.string().optional() });
const observation = z.object({
  resourceType: z.literal('Observation'),
  id: z.string(),
  status: z.string().optional(),
  subject: reference.optional(),
  effectiveDateTime: z.string().optional(),
  issued: z.string().optional(),
  valueInteger: z.number().optional(),
  interpretation: z.array(z.object({ text: z.string().optional() })).optional(),
  note: z.array(z.object({ text: z.string().optional() })).optional(),
  code: z.object({ coding: z.array(z.object({ system: z.string().optional(), code: z.string().optional() })).optional(), text: z.string().optional() }),
  component: z
    .array(
      z.object({
        code: z.object({ coding: z.array(z.object({ code: z.string().optional() })).optional() }),
        valueInteger: z.number().optional(),
        valueQuantity: z.object({ value: z.number().optional() }).optional(),
      }),
    )
    .optional(),
  valueCodeableConcept: z.object({ text: z.string().optional() }).optional(),
});
const group = z.object({ resourceType: z.literal('Group'), member: z.array(z.object({ entity: reference, inactive: z.boolean().optional() })).optional() });

const patientIdOf = (ref: string | undefined) => /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(ref ?? '')?.[1];
const code = (c: string) => `${TIDEMARK_ENGINE}|${c}`;

export const panelQueries = (groupId: string) => ({
  group: `Group/${encodeURIComponent(groupId)}`,
  patients: `Patient?${new URLSearchParams({ _count: String(PANEL_PARAMS.pageSize), _elements: 'name,birthDate,gender,identifier' })}`,
  // Unsorted: the panel orders rows itself, and a server-side sort over the population costs every page.
  results: `Observation?${new URLSearchParams({ code: code(ENGINE_CODES.relapse.code), _count: String(PANEL_PARAMS.pageSize) })}`,
  findings: `Observation?${new URLSearchParams({ code: [FINDING_CODES.item9.code, FINDING_CODES.criticalLab.code].map(code).join(','), _count: String(PANEL_PARAMS.pageSize) })}`,
});

/** Every page of a search (following `next`), each handed to `onPage` as it arrives. */
async function eachPage(fhir: FhirFetchJson, url: string, onPage: (resources: unknown[]) => void, signal?: AbortSignal): Promise<void> {
  let next: string | undefined = url;
  for (let page = 0; next && page < 10_000; page++) {
    if (signal?.aborted) return;
    const b = bundle.parse(await fhir(next));
    onPage((b.entry ?? []).map((e) => e.resource));
    next = b.link?.find((l) => l.relation === 'next')?.url;
  }
}

export function readRelapse(raw: unknown): (StoredRelapse & { patientId: string }) | null {
  const o = observation.safeParse(raw);
  if (!o.success || o.data.status === 'entered-in-error' || o.data.status === 'cancelled') return null;
  const patientId = patientIdOf(o.data.subject?.reference);
  const at = o.data.effectiveDateTime ?? o.data.issued;
  const atMs = at ? Date.parse(at) : Number.NaN;
  if (!patientId || !at || !Number.isFinite(atMs)) return null;
  const visit = o.data.component?.find((c) => c.code.coding?.some((x) => x.code === 'input.daysSinceLastVisit'));
  return {
    patientId,
    ref: `Observation/${o.data.id}`,
    at,
    atMs,
    score: o.data.valueInteger ?? null,
    level: o.data.interpretation?.[0]?.text ?? null,
    headline: o.data.note?.[0]?.text ?? null,
    change: o.data.note?.[1]?.text ?? null,
    // Days as an integer, or (with its UCUM unit) as a quantity.
    daysSinceVisit: visit?.valueInteger ?? visit?.valueQuantity?.value ?? null,
  };
}

export function readFinding(raw: unknown): (StoredFinding & { patientId: string }) | null {
  const o = observation.safeParse(raw);
  if (!o.success || o.data.status === 'entered-in-error' || o.data.status === 'cancelled') return null;
  const patientId = patientIdOf(o.data.subject?.reference);
  const ours = o.data.code.coding?.find((c) => c.system === TIDEMARK_ENGINE)?.code;
  const kind = ours === FINDING_CODES.item9.code ? 'item9' : ours === FINDING_CODES.criticalLab.code ? 'critical_lab' : null;
  const at = o.data.effectiveDateTime ?? o.data.issued;
  const atMs = at ? Date.parse(at) : Number.NaN;
  if (!patientId || !kind || !at || !Number.isFinite(atMs)) return null;
  const text = o.data.note?.[0]?.text ?? o.data.valueCodeableConcept?.text ?? o.data.code.text ?? (kind === 'item9' ? 'PHQ-9 item 9 positive' : 'Critical lab value');
  return { patientId, kind, ref: `Observation/${o.data.id}`, at, atMs, text };
}

function readPatient(raw: unknown): PatientInfo | null {
  const id = (raw as { resourceType?: string; id?: unknown } | null)?.id;
  if ((raw as { resourceType?: string } | null)?.resourceType !== 'Patient' || typeof id !== 'string') return null;
  const s = summarizePatient(raw, id);
  return { id, name: s.name, birthDate: s.birthDate, gender: s.gender };
}

/** Loads the four parts in parallel; a part that fails is named in `progress.errors`, the rest goes on. */
export async function loadPanel(fhir: FhirFetchJson, groupId: string, store: PanelStore, onChange: (progress: PanelProgress) => void, signal?: AbortSignal): Promise<PanelProgress> {
  const q = panelQueries(groupId);
  const progress: PanelProgress = { done: new Set(), errors: {} };
  const part = async (name: PanelPart, work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      progress.errors[name] = error instanceof Error ? error.message : String(error);
    }
    progress.done.add(name);
    onChange(progress);
  };
  const keep = <T,>(list: unknown[], read: (r: unknown) => T | null) => list.map(read).filter((x): x is T => x !== null);
  await Promise.all([
    part('group', async () => {
      let raw: unknown;
      try {
        raw = await fhir(q.group);
      } catch (error) {
        throw new Error(`Group/${groupId} could not be read (${statusOf(error)}): showing every patient this session can read instead.`);
      }
      const g = group.parse(raw);
      store.setMembers((g.member ?? []).filter((m) => !m.inactive).map((m) => patientIdOf(m.entity.reference)).filter((x): x is string => !!x));
      onChange(progress);
    }),
    part('patients', () => eachPage(fhir, q.patients, (list) => (store.addPatients(keep(list, readPatient)), onChange(progress)), signal)),
    part('results', () => eachPage(fhir, q.results, (list) => (store.addResults(keep(list, readRelapse)), onChange(progress)), signal)),
    part('findings', () => eachPage(fhir, q.findings, (list) => (store.addFindings(keep(list, readFinding)), onChange(progress)), signal)),
  ]);
  return progress;
}

/** HTTP status of a failed read (fhirclient and fetch errors carry it differently), for messages. */
function statusOf(error: unknown): string {
  const e = error as { status?: number; statusCode?: number; message?: string };
  const status = e.status ?? e.statusCode ?? /\b([45]\d\d)\b/.exec(e.message ?? '')?.[1];
  return status ? `HTTP ${status}` : 'no answer';
}
