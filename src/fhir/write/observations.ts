// Engine results → FHIR R4 Observations (issue 6), and one transaction Bundle of conditional creates.
import type { Bundle, BundleEntry, CodeableConcept, Coding, Observation, ObservationComponent, Reference } from '@medplum/fhirtypes';
import type { Assessment, EngineName, EngineRequest, EngineRequestInput, EngineResponse, ModuleSignal } from '../../contract/index.ts';
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
import { interpretationFor } from './interpretation.ts';

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

const CATEGORY: Record<EngineName, { code: string; display: string }> = {
  relapse: { code: 'survey', display: 'Survey' },
  outcome: { code: 'survey', display: 'Survey' },
  medication: { code: 'survey', display: 'Survey' },
  dmse: { code: 'exam', display: 'Exam' },
  biomarker: { code: 'laboratory', display: 'Laboratory' },
};

const category = (c: { code: string; display: string }): CodeableConcept[] => [
  { coding: [{ system: OBSERVATION_CATEGORY, code: c.code, display: c.display }] },
];

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
    interpretation: [interpretationFor(status)],
    note: [{ text: intel.summary.headline }],
    device: { display: `Tidemark ${engine} engine ${engineVersionOf(response)}` },
  };
  const derived = derivedFrom(r);
  if (derived.length > 0) obs.derivedFrom = derived;
  const components = inputComponents(r);
  if (components.length > 0) obs.component = components;
  return obs;
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

/** Chart resources this result used: provenance sourceRefs and every sourceRef of the request. */
function derivedFrom(r: AnyEngineResult): NonNullable<Observation['derivedFrom']> {
  const refs: string[] = [];
  for (const i of r.response.intelligence.provenance.inputs) if (i.sourceRef) refs.push(i.sourceRef);
  const req = r.request as { assessments?: Assessment[]; labs?: Array<{ results: { biomarkers: Array<{ sourceRef?: string }> } }> };
  for (const a of req.assessments ?? []) if (a.sourceRef) refs.push(a.sourceRef);
  for (const p of req.labs ?? []) for (const b of p.results.biomarkers) if (b.sourceRef) refs.push(b.sourceRef);
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
  return Number.isInteger(v) ? { code, valueInteger: v } : { code, valueQuantity: { value: v } };
}

function buildSignalObservation(r: AnyEngineResult, s: ModuleSignal, identifierValue: string): Observation {
  const obs: Observation = {
    resourceType: 'Observation',
    identifier: [{ system: TIDEMARK_RESULT, value: identifierValue }],
    status: 'final',
    category: category(s.module === 'biomarker' ? CATEGORY.biomarker : { code: 'therapy', display: 'Therapy' }),
    code: { coding: [{ system: TIDEMARK_ENGINE, code: SIGNAL_CODE[s.module], display: `Tidemark ${s.module} signal` }], text: s.label },
    subject: { reference: `Patient/${r.patientId}` },
    effectiveDateTime: validDateTime(r.response.intelligence.provenance.generatedAt) ?? validDateTime(r.response.generatedAt)!,
    valueCodeableConcept: { coding: [{ system: TIDEMARK_ENGINE, code: `${s.module}.${s.signalKey}`, display: s.label }], text: s.summaryLine || s.label },
    interpretation: [interpretationFor(s.tone)],
    note: [{ text: s.detail }],
    device: { display: `Tidemark ${r.engine} engine ${engineVersionOf(r.response)}` },
  };
  if (s.sourceRef && DERIVABLE.test(s.sourceRef)) obs.derivedFrom = [{ reference: s.sourceRef }];
  return obs;
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
  const entries: BundleEntry<Observation>[] = [];
  const seen = new Set<string>();
  const all: Observation[] = [];
  for (const r of results) all.push(...(await buildResultObservations(r)));
  all.push(...extra);
  {
    for (const obs of all) {
      const value = obs.identifier![0]!.value!;
      if (seen.has(value)) continue;
      seen.add(value);
      entries.push({
        fullUrl: `urn:uuid:${uuidFromHash(value)}`,
        resource: obs,
        request: { method: 'POST', url: 'Observation', ifNoneExist: ifNoneExistFor(value) },
      });
    }
  }
  return { resourceType: 'Bundle', type: 'transaction', entry: entries };
}

/** The If-None-Exist query of one written Observation (URLSearchParams-encoded). */
export function ifNoneExistFor(identifierValue: string): string {
  return new URLSearchParams({ identifier: `${TIDEMARK_RESULT}|${identifierValue}` }).toString();
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
