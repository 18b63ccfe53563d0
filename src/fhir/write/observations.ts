// Engine results → FHIR R4 Observations, and one transaction Bundle of conditional creates.
// Form: interpretations never carry the `laboratory` category (they would read as lab results); risk
// bands and anything beside a safety finding carry no v3 "Normal"; quantities carry UCUM units;
// derivedFrom lists the chart Observations/QuestionnaireResponses used; a medication signal points at
// its MedicationRequest in `focus`; each safety finding is written as its own coded result.
import type { Bundle, BundleEntry, CodeableConcept, Coding, Observation, ObservationComponent, Quantity, Reference } from '@medplum/fhirtypes';
import { ANSWER_CODES, ANSWER_LABELS, FINDING_CODES, UCUM, recognizeAnalyte, toCanonical } from '../../clinical/index.ts';
import type { Assessment, EngineName, EngineRequest, EngineRequestInput, EngineResponse, ModuleSignal, SafetyFinding } from '../../contract/index.ts';
import { ENDPOINTS } from '../../contract/index.ts';
import {
  DATA_ABSENT_REASON,
  DEPRESSION_SEVERITY,
  DEPRESSION_SEVERITY_ANSWERS,
  ENGINE_CODES,
  LOINC,
  OBSERVATION_CATEGORY,
  PHQ9,
  SIGNAL_CODE,
  TIDEMARK_ENGINE,
  TIDEMARK_RESULT,
  analyteForLoinc,
  inputCode,
  instrumentForPanel,
  instrumentForTotal,
  isWrongCode,
  phq9Band,
} from '../terminology.ts';
import { resultHash, sha256Hex, uuidFromHash } from './identity.ts';
import { interpretationFor, v3 } from './interpretation.ts';

export interface EngineResultOf<E extends EngineName> {
  patientId: string;
  engine: E;
  /** The request that was sent (its inputs are hashed and kept as components). */
  request: EngineRequest<E> | EngineRequestInput<E>;
  response: EngineResponse<E>;
}
/** One engine's result with its request (a union over engines, so request/response stay paired). */
export type EngineResult = { [E in EngineName]: EngineResultOf<E> }[EngineName];
type AnyEngineResult = EngineResult;

/** Fields of a request that are not inputs: left out of the identity hash and the components. */
const NOT_INPUTS = new Set(['previous', 'sessionRef', 'explain']);
const MAX_DERIVED_FROM = 200;
/** R4 Observation.derivedFrom may only point at these types. */
const DERIVABLE = /^(Observation|QuestionnaireResponse|DocumentReference|ImagingStudy|Media|MolecularSequence)\/[A-Za-z0-9\-.]{1,64}$/;

type StandardCategory = { code: string; display: string } | null;

/**
 * Standard observation-category where one fits: scale-derived results are `survey`, the digital MSE
 * `exam`, medication signals `therapy`. Biomarker interpretations and critical-lab findings get no
 * standard category: `laboratory` would make them read as lab results in the EHR.
 */
const CATEGORY: Record<EngineName, StandardCategory> = {
  relapse: { code: 'survey', display: 'Survey' },
  outcome: { code: 'survey', display: 'Survey' },
  medication: { code: 'survey', display: 'Survey' },
  dmse: { code: 'exam', display: 'Exam' },
  biomarker: null,
};
/** Every Observation Tidemark writes also carries our own category (easy to find, never a lab result). */
const DECISION_SUPPORT: Coding = { system: TIDEMARK_ENGINE, code: 'clinical-decision-support', display: 'Clinical decision support (Tidemark)' };

const category = (c: StandardCategory): CodeableConcept[] => [
  ...(c ? [{ coding: [{ system: OBSERVATION_CATEGORY, code: c.code, display: c.display }] }] : []),
  { coding: [DECISION_SUPPORT] },
];

/** UCUM units of the scalar inputs kept as components (counts are dimensionless "1"). */
const INPUT_UNITS: Record<string, { unit: string; code: string }> = {
  avgSleepHours: { unit: 'h', code: 'h' },
  daysSinceMedChange: { unit: 'd', code: 'd' },
  daysSinceLastVisit: { unit: 'd', code: 'd' },
  dmseLatencyPctChange: { unit: '%', code: '%' },
  responseLatencySeconds: { unit: 's', code: 's' },
  sessionDurationSeconds: { unit: 's', code: 's' },
  speechRateWpm: { unit: 'words/min', code: '{words}/min' },
  psychomotorFidgetEpisodes: { unit: 'episodes', code: '{episodes}' },
  sustainedAttentionPct: { unit: '%', code: '%' },
  activeMedications: { unit: 'medications', code: '{medications}' },
  biomarkerWatchCount: { unit: 'items', code: '{items}' },
  latestScore: { unit: 'score', code: '{score}' },
};

/** The inputs of a request as hashed: everything but previous/sessionRef/explain. */
export function requestInputs(request: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(request).filter(([k, v]) => !NOT_INPUTS.has(k) && v !== undefined));
}

export function engineVersionOf(response: EngineResponse<EngineName>): string {
  const v = response.intelligence.provenance.engineVersion;
  return response.model.version === null ? v : `${v}+model.${response.model.version}`;
}

/** identifier value of an engine result (stable for the same patient, engine, inputs and version). */
export function resultIdentifierValue(r: AnyEngineResult): Promise<string> {
  return resultHash({
    patientId: r.patientId,
    engine: r.engine,
    inputs: requestInputs(r.request),
    engineVersion: engineVersionOf(r.response),
  });
}

/** Every Observation one engine result writes: the result, flagged signals, and the PHQ-9 severity. */
export async function buildResultObservations(r: AnyEngineResult): Promise<Observation[]> {
  const id = await resultIdentifierValue(r);
  const main = buildResultObservation(r, id);
  const out: Observation[] = [main];
  if (r.engine === 'medication' || r.engine === 'biomarker') {
    for (const s of r.response.signals) {
      if (!['watch', 'concern', 'critical'].includes(s.tone)) continue;
      out.push(buildSignalObservation(r, s, await sha256Hex(`${id}|${s.module}|${s.signalKey}|${s.sourceRef ?? ''}`)));
    }
  }
  const severity = await buildDepressionSeverityObservation(r);
  if (severity) out.push(severity);
  // The findings written as their own results: the current item-9 answer and critical labs (an earlier
  // positive answer was current, and written, when it was charted).
  for (const f of r.response.safety ?? []) if (f.kind === 'critical_lab' || f.current !== false) out.push(await buildSafetyObservation(r, f));
  return out;
}

/** The engine result itself (pure; `identifierValue` from resultIdentifierValue). */
export function buildResultObservation(r: AnyEngineResult, identifierValue: string): Observation {
  const { engine, response } = r;
  const intel = response.intelligence;
  const status = intel.summary.status;
  const ours: Coding = { system: TIDEMARK_ENGINE, code: ENGINE_CODES[engine].code, display: ENGINE_CODES[engine].display };
  const obs: Observation = {
    resourceType: 'Observation',
    identifier: [{ system: TIDEMARK_RESULT, value: identifierValue }],
    status: 'final',
    category: category(CATEGORY[engine]),
    code: { coding: [...standardCodes(intel.codes), ours], text: `Tidemark ${ENDPOINTS[engine].title}` },
    subject: { reference: `Patient/${r.patientId}` },
    effectiveDateTime: validDateTime(intel.provenance.generatedAt) ?? validDateTime(response.generatedAt)!,
    ...scoreValue(r),
    interpretation: [interpretationFor(status, { safety: (response.safety ?? []).length > 0 })],
    note: [{ text: intel.summary.headline }, ...changeNote(intel.change)],
    device: { display: `Tidemark ${engine} engine ${engineVersionOf(response)}` },
  };
  const derived = derivedFrom(r);
  if (derived.length > 0) obs.derivedFrom = derived;
  const components = inputComponents(r);
  if (components.length > 0) obs.component = components;
  return obs;
}

/** The engine's change explanations (when `previous` was sent) as a second note: the chart keeps why a result moved. */
function changeNote(change: EngineResponse<EngineName>['intelligence']['change']): Array<{ text: string }> {
  if (!change || change.explanations.length === 0) return [];
  const since = change.previousComputedAt ? ` since ${change.previousComputedAt.slice(0, 10)}` : '';
  return [{ text: `Change${since}: ${change.explanations.join(' ')}`.slice(0, 2000) }];
}

function scoreValue(r: AnyEngineResult): Pick<Observation, 'valueInteger' | 'valueCodeableConcept'> {
  if (r.engine === 'relapse' || r.engine === 'outcome') return { valueInteger: Math.round(r.response.score) };
  const status = r.response.intelligence.summary.status;
  return { valueCodeableConcept: { text: status } };
}

/**
 * Codes from intelligence.codes that describe the result itself (mapsTo summary/score/level),
 * minus known-wrong SNOMED codes, our own system (added once), and LOINC codes of instruments or
 * analytes (they would make the result read as a PHQ-9 total or a lab value elsewhere).
 */
function standardCodes(codes: EngineResponse<EngineName>['intelligence']['codes']): Coding[] {
  const seen = new Set<string>();
  const out: Coding[] = [];
  for (const c of codes) {
    if (c.system === TIDEMARK_ENGINE || isWrongCode(c.system, c.code, c.display)) continue;
    if (!/^(summary|score|level|direction|$)/.test(c.mapsTo)) continue;
    if (c.system === LOINC && (instrumentForTotal(c.code) || instrumentForPanel(c.code) || analyteForLoinc(c.code) || PHQ9.items.includes(c.code))) continue;
    const key = `${c.system}|${c.code}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ system: c.system, code: c.code, display: c.display });
  }
  return out;
}

/**
 * Chart resources this result used: provenance sourceRefs, every sourceRef of the request (assessments,
 * lab readings), the resources behind each scalar input (`sources`: sleep, latency …) and the safety
 * findings. Only types R4 allows in derivedFrom (Observation, QuestionnaireResponse, …).
 */
function derivedFrom(r: AnyEngineResult): NonNullable<Observation['derivedFrom']> {
  const refs: string[] = [];
  for (const i of r.response.intelligence.provenance.inputs) if (i.sourceRef) refs.push(i.sourceRef);
  const req = r.request as {
    assessments?: Assessment[];
    labs?: Array<{ results: { biomarkers: Array<{ sourceRef?: string }> } }>;
    sources?: Record<string, string[]>;
  };
  for (const a of req.assessments ?? []) if (a.sourceRef) refs.push(a.sourceRef);
  for (const p of req.labs ?? []) for (const b of p.results.biomarkers) if (b.sourceRef) refs.push(b.sourceRef);
  for (const list of Object.values(req.sources ?? {})) refs.push(...list);
  for (const f of r.response.safety ?? []) if (f.sourceRef) refs.push(f.sourceRef);
  return references(refs);
}

function references(refs: readonly string[]): NonNullable<Observation['derivedFrom']> {
  const unique = [...new Set(refs.filter((x) => DERIVABLE.test(x)))];
  return unique.slice(-MAX_DERIVED_FROM).map((reference) => ({ reference }) as Reference<Observation>);
}

/** Scalar inputs kept for a later `previous`: the engine's own provenance inputs, then the request's scalars. */
function inputComponents(r: AnyEngineResult): ObservationComponent[] {
  const values = new Map<string, number | string | boolean | null>();
  for (const i of r.response.intelligence.provenance.inputs) {
    if (i.name.length <= 60 && (i.value === null || ['number', 'string', 'boolean'].includes(typeof i.value))) values.set(i.name, i.value);
  }
  for (const [k, v] of Object.entries(requestInputs(r.request))) {
    if (!values.has(k) && (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string')) values.set(k, v);
  }
  const assessments = (r.request as { assessments?: Assessment[] }).assessments;
  const latest = assessments?.at(-1);
  if (latest && !values.has('latestScore')) values.set('latestScore', latest.score);
  if (latest && !values.has('latestInstrument')) values.set('latestInstrument', latest.instrumentId);
  return [...values.entries()].map(([name, v]) => component(name, v));
}

function component(name: string, v: number | string | boolean | null): ObservationComponent {
  const code: CodeableConcept = { coding: [{ system: TIDEMARK_ENGINE, code: inputCode(name), display: name }], text: name };
  if (v === null || (typeof v === 'number' && !Number.isFinite(v)))
    return { code, dataAbsentReason: { coding: [{ system: DATA_ABSENT_REASON, code: 'unknown', display: 'Unknown' }] } };
  if (typeof v === 'boolean') return { code, valueBoolean: v };
  if (typeof v === 'string') return { code, valueString: v.slice(0, 200) };
  const unit = INPUT_UNITS[name];
  if (unit) return { code, valueQuantity: { value: v, unit: unit.unit, system: UCUM, code: unit.code } };
  return Number.isInteger(v) ? { code, valueInteger: v } : { code, valueQuantity: { value: v, unit: '1', system: UCUM, code: '1' } };
}

function buildSignalObservation(r: AnyEngineResult, s: ModuleSignal, identifierValue: string): Observation {
  const safety = (r.response.safety ?? []).length > 0;
  const obs: Observation = {
    resourceType: 'Observation',
    identifier: [{ system: TIDEMARK_RESULT, value: identifierValue }],
    status: 'final',
    category: category(s.module === 'biomarker' ? CATEGORY.biomarker : { code: 'therapy', display: 'Therapy' }),
    code: { coding: [{ system: TIDEMARK_ENGINE, code: SIGNAL_CODE[s.module], display: `Tidemark ${s.module} signal` }], text: s.label },
    subject: { reference: `Patient/${r.patientId}` },
    effectiveDateTime: validDateTime(r.response.intelligence.provenance.generatedAt) ?? validDateTime(r.response.generatedAt)!,
    valueCodeableConcept: { coding: [{ system: TIDEMARK_ENGINE, code: `${s.module}.${s.signalKey}`, display: s.label }], text: s.summaryLine || s.label },
    interpretation: [interpretationFor(s.tone, { safety })],
    note: [{ text: s.detail }],
    device: { display: `Tidemark ${r.engine} engine ${engineVersionOf(r.response)}` },
  };
  // derivedFrom: the readings compared (assessments before/after, the lab reading); the prescription
  // a medication signal is about goes in `focus` (derivedFrom cannot point at a MedicationRequest).
  const derived = references([...(s.evidenceRefs ?? []), ...(s.sourceRef ? [s.sourceRef] : [])]);
  if (derived.length > 0) obs.derivedFrom = derived;
  if (s.module === 'medication' && s.sourceRef && /^(MedicationRequest|MedicationStatement)\/[A-Za-z0-9\-.]{1,64}$/.test(s.sourceRef))
    obs.focus = [{ reference: s.sourceRef }];
  return obs;
}

/** A safety finding as its own coded result: a positive item-9 answer, or a critical lab value. */
async function buildSafetyObservation(r: AnyEngineResult, f: SafetyFinding): Promise<Observation> {
  const key = f.kind === 'phq9_item9' ? { kind: f.kind, ref: f.sourceRef ?? null, at: f.at, answer: f.answer } : { kind: f.kind, ref: f.sourceRef ?? null, at: f.at, analyte: f.analyte, value: f.value };
  const id = await resultHash({ patientId: r.patientId, engine: 'safety', inputs: key, engineVersion: 'tidemark-safety-1' });
  const effective = validDateTime(f.at) ?? validDateTime(r.response.intelligence.provenance.generatedAt)!;
  const base = {
    resourceType: 'Observation' as const,
    identifier: [{ system: TIDEMARK_RESULT, value: id }],
    status: 'final' as const,
    subject: { reference: `Patient/${r.patientId}` },
    effectiveDateTime: effective,
    note: [{ text: f.message }],
    device: { display: `Tidemark safety path (${engineVersionOf(r.response)})` },
    ...(f.sourceRef && DERIVABLE.test(f.sourceRef) ? { derivedFrom: [{ reference: f.sourceRef } as Reference<Observation>] } : {}),
  };
  if (f.kind === 'phq9_item9') {
    const answer = Number.isInteger(f.answer) && f.answer >= 0 && f.answer <= 3 ? f.answer : null;
    return {
      ...base,
      category: category({ code: 'survey', display: 'Survey' }),
      code: { coding: [{ system: TIDEMARK_ENGINE, ...FINDING_CODES.item9 }], text: 'PHQ-9 item 9 positive — thoughts of self-harm reported' },
      valueCodeableConcept:
        answer !== null
          ? { coding: [{ system: LOINC, code: ANSWER_CODES[answer]!, display: ANSWER_LABELS[answer]! }], text: `${ANSWER_LABELS[answer]} (${answer} of 3)` }
          : { text: `answer ${f.answer} (outside the 0–3 scale)` },
      interpretation: [v3('POS', f.current === false ? 'positive (earlier answer; the latest is 0)' : 'positive')],
    };
  }
  return {
    ...base,
    category: category(null),
    code: { coding: [{ system: TIDEMARK_ENGINE, ...FINDING_CODES.criticalLab }], text: `Critical value: ${f.label}` },
    ...criticalQuantity(f),
    interpretation: [v3(f.direction === 'high' ? 'HH' : f.direction === 'low' ? 'LL' : 'AA', `critical (${f.limit})`)],
  };
}

/** The critical value in its analyte's UCUM unit (converted when the lab charted another unit). */
function criticalQuantity(f: Extract<SafetyFinding, { kind: 'critical_lab' }>): Pick<Observation, 'valueQuantity' | 'valueString'> {
  if (f.value === null) return { valueString: 'non-numeric value flagged critical by the lab' };
  const a = recognizeAnalyte(f.loinc, f.label, f.unit);
  const c = a ? toCanonical(a, f.value, f.unit) : null;
  const q: Quantity = a && c ? { value: Number(c.value.toPrecision(4)), unit: a.unitDisplay, system: UCUM, code: a.unit } : { value: f.value, ...(f.unit ? { unit: f.unit } : {}) };
  return { valueQuantity: q };
}

/** LOINC 94023-9 Depression severity from the latest PHQ-9 the result used (one per PHQ-9 administration). */
async function buildDepressionSeverityObservation(r: AnyEngineResult): Promise<Observation | undefined> {
  const measures = 'measures' in r.response ? r.response.measures : [];
  const m = measures.find((x) => x.instrumentId === PHQ9.instrumentId);
  const fromRequest = ((r.request as { assessments?: Assessment[] }).assessments ?? []).filter((a) => a.instrumentId === PHQ9.instrumentId).at(-1);
  const latest = m ? { score: m.latest.score, at: m.latest.at, sourceRef: m.latest.sourceRef } : fromRequest ? { score: fromRequest.score, at: fromRequest.createdAt, sourceRef: fromRequest.sourceRef } : undefined;
  if (!latest || !Number.isFinite(latest.score) || latest.score < 0 || latest.score > PHQ9.maxScore) return undefined;
  const effective = validDateTime(latest.at);
  if (!effective) return undefined;
  const band = phq9Band(latest.score);
  const answer = DEPRESSION_SEVERITY_ANSWERS[band];
  const coding: Coding[] = [
    ...(answer ? [{ system: LOINC, code: answer.code, display: answer.display }] : []),
    { system: TIDEMARK_ENGINE, code: `phq9_severity.${band.replace(' ', '_')}`, display: `PHQ-9 ${band}` },
  ];
  const id = await resultHash({ patientId: r.patientId, engine: 'phq9-severity', inputs: { score: latest.score, at: effective, ref: latest.sourceRef ?? null }, engineVersion: 'kroenke-2001' });
  const obs: Observation = {
    resourceType: 'Observation',
    identifier: [{ system: TIDEMARK_RESULT, value: id }],
    status: 'final',
    category: category({ code: 'survey', display: 'Survey' }),
    code: { coding: [{ ...DEPRESSION_SEVERITY }], text: 'Depression severity (PHQ-9)' },
    subject: { reference: `Patient/${r.patientId}` },
    effectiveDateTime: effective,
    valueCodeableConcept: { coding, text: band[0]!.toUpperCase() + band.slice(1) },
    note: [{ text: `PHQ-9 total ${latest.score} of 27: ${band} (Kroenke 2001 bands).` }],
    device: { display: 'Tidemark PHQ-9 severity bands (Kroenke 2001)' },
  };
  if (latest.sourceRef && DERIVABLE.test(latest.sourceRef)) obs.derivedFrom = [{ reference: latest.sourceRef }];
  return obs;
}

/**
 * One transaction Bundle of conditional creates (If-None-Exist on the identifier); duplicates dropped.
 * `extra`: Observations built elsewhere with the same identity rules (e.g. a voice sample, fhir/write/voice.ts).
 */
export async function buildWriteBundle(results: readonly AnyEngineResult[], extra: readonly Observation[] = []): Promise<Bundle<Observation>> {
  const all: Observation[] = [];
  for (const r of results) all.push(...(await buildResultObservations(r)));
  all.push(...extra);
  return transactionBundle(all);
}

/** Observations built by buildResultObservations → one transaction Bundle of conditional creates (duplicates dropped). */
export function transactionBundle(observations: readonly Observation[]): Bundle<Observation> {
  const entries: BundleEntry<Observation>[] = [];
  const seen = new Set<string>();
  for (const obs of observations) {
    const value = obs.identifier![0]!.value!;
    if (seen.has(value)) continue;
    seen.add(value);
    entries.push({
      fullUrl: `urn:uuid:${uuidFromHash(value)}`,
      resource: obs,
      request: { method: 'POST', url: 'Observation', ifNoneExist: ifNoneExistFor(value, obs.subject?.reference) },
    });
  }
  return { resourceType: 'Bundle', type: 'transaction', entry: entries };
}

/**
 * The If-None-Exist query of one written Observation (URLSearchParams-encoded). With the subject the
 * match is the same (the identity already hashes the patient) but the server searches one patient's
 * Observations, not every Observation it holds.
 */
export function ifNoneExistFor(identifierValue: string, subject?: string): string {
  return new URLSearchParams({ identifier: `${TIDEMARK_RESULT}|${identifierValue}`, ...(subject ? { subject } : {}) }).toString();
}

/** For servers without transactions: each entry as an individual conditional create. */
export function individualCreates(b: Bundle<Observation>): Array<{ resource: Observation; ifNoneExist: string }> {
  return (b.entry ?? []).map((e) => ({ resource: e.resource!, ifNoneExist: e.request!.ifNoneExist! }));
}

function validDateTime(s: string | undefined): string | undefined {
  if (!s) return undefined;
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) return undefined;
  // FHIR dateTime with a time needs a timezone: keep the string when it has one, else normalise.
  return /T.*(Z|[+-]\d{2}:\d{2})$/.test(s) || /^\d{4}-\d{2}-\d{2}$/.test(s) ? s : new Date(ms).toISOString();
}
