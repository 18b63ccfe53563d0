// What one save will write, and where, under the chosen strategy: every resource with its identity,
// its place in the chart (shown in the preview before anything is sent), and how it is found again
// (conditional create, or a search by patient + code/type + date matched by our marker). The
// clinical note is built for every strategy: written where it is the strategy, offered to copy or
// download everywhere. Pure apart from hashing.
import type { Bundle, BundleEntry, Observation, Resource } from '@medplum/fhirtypes';
import { phq9Band, TIDEMARK_RESULT } from '../terminology.ts';
import { flowsheetReading, FLOWSHEET_LABEL, type FlowsheetValue } from './flowsheet.ts';
import { resultHash, uuidFromHash } from './identity.ts';
import { buildClinicalNote, type ClinicalNote, type NoteMeasurement, type NotePhq9, noteResultLines } from './note.ts';
import { buildWriteBundle, type EngineResult, ifNoneExistFor, resultIdentifierValue } from './observations.ts';
import { type EnteredPhq9, enteredIdentity, enteredPhq9Observation, enteredPhq9Response, phq9Total } from './phq9-entry.ts';
import type { WritableType, WriteStrategy } from './strategy.ts';

export interface PlannedWrite {
  /** An engine result, a flowsheet value, the clinical note, or a PHQ-9 entered in Tidemark. */
  role: 'result' | 'flowsheet' | 'note' | 'entered';
  identity: string;
  resourceType: WritableType;
  resource: Resource;
  /** Where it goes in the chart, in words: "Observation (survey)", "Flowsheet row …", "Clinical note …". */
  where: string;
  what: string;
  value: string;
  interpretation: string;
  effective?: string;
  detail: string;
  /** Relative search that finds it again (patient + identifier, or patient + code/type + date). */
  search: string;
  /** The If-None-Exist query, where the server does conditional create. */
  ifNoneExist?: string;
}

export interface WritePlan {
  strategy: WriteStrategy;
  writes: PlannedWrite[];
  /** The clinical note (written by the note strategies; copy/download for every strategy). */
  note: ClinicalNote;
  /** Everything that would be written, as one transaction Bundle (the FHIR JSON shown and offered). */
  bundle: Bundle;
}

export interface PlanInput {
  strategy: WriteStrategy;
  patientId: string;
  results: readonly EngineResult[];
  /** PHQ-9s the clinician entered in Tidemark and has not saved yet. */
  entered: readonly EnteredPhq9[];
  /** The latest PHQ-9 read from the chart, for the note. */
  chartPhq9: NotePhq9 | null;
  /** Safety findings for the note, one line each. */
  safety: readonly string[];
  /** fhirUser of the launch ("Practitioner/…"): author of the note and the entered PHQ-9. */
  author?: string;
  now: Date;
  /**
   * Observations built elsewhere with the same identity rules (a voice sample, fhir/write/voice.ts):
   * written as coded Observations where the strategy writes them, carried in the note otherwise.
   */
  extra?: readonly Observation[];
}

const day = (iso: string) => iso.slice(0, 10);
const search = (type: string, params: Record<string, string>) => `${type}?${new URLSearchParams(params).toString()}`;

function firstCode(o: Observation): string {
  const c = o.code.coding?.find((x) => x.system && x.code);
  return c ? `${c.system}|${c.code}` : '';
}

function valueText(o: Observation): string {
  if (typeof o.valueInteger === 'number') return String(o.valueInteger);
  if (o.valueQuantity?.value !== undefined) return `${o.valueQuantity.value}${o.valueQuantity.unit ? ` ${o.valueQuantity.unit}` : ''}`;
  if (o.valueCodeableConcept) return o.valueCodeableConcept.text ?? o.valueCodeableConcept.coding?.find((c) => c.display)?.display ?? '—';
  if (typeof o.valueString === 'string') return o.valueString;
  return '—';
}

function interpretationText(o: Observation): string {
  const i = o.interpretation?.[0];
  if (!i) return '—';
  const coded = i.coding?.[0];
  if (coded?.display && i.text && coded.display.toLowerCase() !== i.text.toLowerCase()) return `${coded.display} (${i.text})`;
  return coded?.display ?? i.text ?? '—';
}

const categoryOf = (o: Observation) => o.category?.[0]?.coding?.[0]?.code ?? 'no category';

/** How an Observation is found again: by identifier where the server searches it, else code + day. */
function observationSearch(strategy: WriteStrategy, patientId: string, o: Observation, identity: string): string {
  if (strategy.idempotence === 'search-identifier') return search('Observation', { patient: patientId, identifier: `${TIDEMARK_RESULT}|${identity}` });
  return search('Observation', { patient: patientId, code: firstCode(o), date: `ge${day(o.effectiveDateTime ?? '')}` });
}

function observationWrite(strategy: WriteStrategy, patientId: string, o: Observation, identity: string, where: string): PlannedWrite {
  const conditional = strategy.idempotence === 'transaction' || strategy.idempotence === 'conditional-create';
  return {
    role: 'result',
    identity,
    resourceType: 'Observation',
    resource: o,
    where,
    what: o.code.text ?? o.code.coding?.find((c) => c.display)?.display ?? 'Observation',
    value: valueText(o),
    interpretation: interpretationText(o),
    effective: o.effectiveDateTime,
    detail: o.note?.map((n) => n.text).join(' ') ?? '',
    search: observationSearch(strategy, patientId, o, identity),
    // The match names the subject too: the server searches one patient's resources, not all.
    ...(conditional ? { ifNoneExist: ifNoneExistFor(identity, o.subject?.reference) } : {}),
  };
}

async function enteredWrites(input: PlanInput, identities: readonly string[]): Promise<PlannedWrite[]> {
  const { strategy, patientId } = input;
  if (strategy.enteredPhq9 !== 'questionnaire-response' && strategy.enteredPhq9 !== 'observation') return [];
  const conditional = strategy.idempotence === 'transaction' || strategy.idempotence === 'conditional-create';
  return input.entered.map((e, i) => {
    const identity = identities[i]!;
    const total = phq9Total(e.answers);
    const base = { role: 'entered' as const, identity, what: 'PHQ-9 (entered today)', value: `${total} of 27`, interpretation: '—', effective: e.at, detail: `Item 9: ${e.answers[8]} of 3` };
    if (strategy.enteredPhq9 === 'questionnaire-response') {
      return {
        ...base,
        resourceType: 'QuestionnaireResponse' as const,
        resource: enteredPhq9Response(e, identity, input.author),
        where: 'QuestionnaireResponse (PHQ-9 form)',
        search: search('QuestionnaireResponse', { patient: patientId, identifier: `${TIDEMARK_RESULT}|${identity}` }),
        ...(conditional ? { ifNoneExist: ifNoneExistFor(identity, `Patient/${patientId}`) } : {}),
      };
    }
    const o = enteredPhq9Observation(e, identity, input.author);
    return { ...observationWrite(strategy, patientId, o, identity, 'Observation (survey)'), ...base };
  });
}

/** Numeric values for flowsheet rows: an entered PHQ-9 total, the relapse and outcome scores. */
async function flowsheetValues(input: PlanInput, resultIds: readonly string[], enteredIds: readonly string[]): Promise<FlowsheetValue[]> {
  const values: { key: FlowsheetValue['key']; value: number; of: string }[] = input.entered.map((e, i) => ({ key: 'phq9-total', value: phq9Total(e.answers), of: enteredIds[i]! }));
  input.results.forEach((r, i) => {
    if (r.engine === 'relapse') values.push({ key: 'relapse-risk', value: r.response.score, of: resultIds[i]! });
    if (r.engine === 'outcome') values.push({ key: 'outcome-score', value: r.response.score, of: resultIds[i]! });
  });
  return Promise.all(
    values
      .filter((v) => input.strategy.flowsheetRows[v.key])
      .map(async (v) => ({
        key: v.key,
        value: v.value,
        identity: await resultHash({ patientId: input.patientId, engine: `flowsheet:${v.key}`, inputs: { of: v.of, row: input.strategy.flowsheetRows[v.key] }, engineVersion: 'flowsheet-1' }),
      })),
  );
}

/** The PHQ-9 the note reports: the latest entered one (with its nine answers), else the chart's. */
function notePhq9(input: PlanInput, enteredIds: readonly string[]): NotePhq9 | null {
  const i = input.entered.length - 1;
  const e = input.entered[i];
  if (!e) return input.chartPhq9;
  const total = phq9Total(e.answers);
  if (input.chartPhq9 && Date.parse(input.chartPhq9.at) > Date.parse(e.at)) return input.chartPhq9;
  return { score: total, at: e.at, band: phq9Band(total), item9: e.answers[8] ?? null, entered: true, items: e.answers, identity: enteredIds[i] };
}

export async function buildWritePlan(input: PlanInput): Promise<WritePlan> {
  const { strategy, patientId } = input;
  const at = new Date(Math.floor(input.now.getTime() / 1000) * 1000).toISOString();
  const resultIds = await Promise.all(input.results.map((r) => resultIdentifierValue(r)));
  const enteredIds = await Promise.all(input.entered.map((e) => enteredIdentity(e)));
  const writes: PlannedWrite[] = [];

  if (strategy.kind === 'observations') {
    const bundle = await buildWriteBundle(input.results, input.extra ?? []);
    for (const e of bundle.entry ?? []) {
      const o = e.resource!;
      writes.push(observationWrite(strategy, patientId, o, o.identifier![0]!.value!, `Observation (${categoryOf(o)})`));
    }
    writes.push(...(await enteredWrites(input, enteredIds)));
  }

  const flowsheet = strategy.kind === 'flowsheet-and-note' ? await flowsheetValues(input, resultIds, enteredIds) : [];
  const flowsheetLines = [];
  for (const v of flowsheet) {
    const reading = flowsheetReading(patientId, v, strategy.flowsheetRows, at);
    if (!reading) continue;
    flowsheetLines.push({ label: FLOWSHEET_LABEL[v.key], row: reading.row, value: String(v.value), identity: v.identity });
    const o = reading.observation;
    writes.push({
      ...observationWrite({ ...strategy, idempotence: 'search-marker' }, patientId, o, v.identity, `Flowsheet row ${reading.row}`),
      role: 'flowsheet',
      what: FLOWSHEET_LABEL[v.key],
      detail: 'Filed as a flowsheet value (vital signs).',
      search: search('Observation', { patient: patientId, code: firstCode(o), date: `ge${day(at)}` }),
    });
  }

  const note = await buildClinicalNote({
    patientId,
    at,
    results: noteResultLines(input.results, resultIds),
    phq9: notePhq9(input, enteredIds),
    safety: input.safety,
    flowsheet: flowsheetLines,
    measurements: (input.extra ?? []).map(measurementOf),
    ...(input.author ? { author: input.author } : {}),
    type: strategy.note.type,
    format: strategy.note.format,
  });
  if (strategy.kind === 'flowsheet-and-note' || strategy.kind === 'note') {
    if (strategy.creates.includes('DocumentReference')) {
      writes.push({
        role: 'note',
        identity: note.identity,
        resourceType: 'DocumentReference',
        resource: note.resource,
        where: `Clinical note — ${strategy.note.type.display ?? strategy.note.type.code} (DocumentReference)`,
        what: 'Tidemark summary note',
        value: `${input.results.length} result${input.results.length === 1 ? '' : 's'}${notePhq9(input, enteredIds) ? ', PHQ-9 with item 9' : ''}`,
        interpretation: '—',
        effective: at,
        detail: 'Safety findings, PHQ-9 and item 9, every result with its confidence and sources.',
        search: search('DocumentReference', { patient: patientId, type: `${strategy.note.type.system}|${strategy.note.type.code}`, date: `ge${day(at)}` }),
      });
    }
  }
  return { strategy, writes, note, bundle: transactionOf(writes) };
}

/** An Observation as note lines: its value and interpretation, then one line per component. */
function measurementOf(o: Observation): NoteMeasurement {
  const lines = [`${valueText(o)}${o.interpretation ? ` — ${interpretationText(o)}` : ''}${o.effectiveDateTime ? ` on ${day(o.effectiveDateTime)}` : ''}.`];
  for (const c of o.component ?? []) {
    const name = c.code.text ?? c.code.coding?.find((x) => x.display)?.display ?? c.code.coding?.[0]?.code ?? 'component';
    const interp = c.interpretation?.[0]?.text ?? c.interpretation?.[0]?.coding?.[0]?.display;
    lines.push(`  ${name}: ${valueText(c as Observation)}${interp ? ` (${interp})` : ''}`);
  }
  for (const n of o.note ?? []) if (n.text) lines.push(n.text);
  return { title: o.code.text ?? o.code.coding?.find((x) => x.display)?.display ?? 'Measurement', lines, identity: o.identifier?.[0]?.value ?? '' };
}

function transactionOf(writes: readonly PlannedWrite[]): Bundle {
  const entry: BundleEntry[] = writes.map((w) => ({
    fullUrl: `urn:uuid:${uuidFromHash(w.identity)}`,
    resource: w.resource,
    request: { method: 'POST', url: w.resourceType, ...(w.ifNoneExist ? { ifNoneExist: w.ifNoneExist } : {}) },
  }));
  return { resourceType: 'Bundle', type: 'transaction', entry };
}

