// FHIR resources (any mix, any order, from any number of searches) → ChartData. Pure: no I/O,
// never throws; every entry it leaves out is in `excluded` with a reason.
import type { EngineName } from '../../contract/index.ts';
import type { ChartData, DatedValue, StoredResult } from '../chart.ts';
import { DMSE_LATENCY_CODE, SLEEP_DURATION, TIDEMARK_ENGINE, VOICE_SAMPLE_CODE } from '../terminology.ts';
import { isTidemarkObservation, readStoredResult } from '../write/read-back.ts';
import { AssessmentReader, instrumentOfObservation } from './assessments.ts';
import { LabReader, analyteOf, isLaboratory } from './labs.ts';
import { mergeDuplicatePrescriptions, readMedicationRequest, readMedicationStatement, sortPrescriptions } from './medications.ts';
import * as S from './schemas.ts';
import { MapContext, hasCode, loincCodes } from './values.ts';
import { readDmseLatency, readSleep, readVisit } from './vitals.ts';
import { readVoiceSpeechRate } from './voice.ts';

const READ_TYPES = ['Observation', 'QuestionnaireResponse', 'MedicationRequest', 'MedicationStatement', 'Encounter'] as const;

export function mapChart(patientId: string, resources: readonly unknown[]): ChartData {
  const ctx = new MapContext();
  const assessments = new AssessmentReader(ctx);
  const labs = new LabReader(ctx);
  const prescriptions = [];
  const sleep: DatedValue[] = [];
  const dmseLatency: DatedValue[] = [];
  const speechRate: DatedValue[] = [];
  let lastVisit: { at: string; ms: number; sourceRef: string } | undefined;
  const history: Partial<Record<EngineName, StoredResult[]>> = {};
  const seen = new Set<string>();

  for (const raw of resources) {
    const head = S.anyResource.safeParse(raw);
    if (!head.success) {
      ctx.exclude('(unknown)', 'malformed', 'an entry without resourceType');
      continue;
    }
    const type = head.data.resourceType;
    if (!(READ_TYPES as readonly string[]).includes(type)) continue; // OperationOutcome, Patient, …
    const ref = `${type}/${head.data.id ?? '(no id)'}`;
    if (head.data.id && seen.has(ref)) continue; // the same resource returned by two searches
    if (head.data.id) seen.add(ref);

    switch (type) {
      case 'Observation': {
        const o = parseOr(ctx, S.observation, raw, ref);
        if (!o) break;
        if (isTidemarkObservation(o)) {
          if (hasCode(o.code, TIDEMARK_ENGINE, DMSE_LATENCY_CODE)) {
            const v = readDmseLatency(ctx, o);
            if (v) dmseLatency.push(v);
            break;
          }
          if (hasCode(o.code, TIDEMARK_ENGINE, VOICE_SAMPLE_CODE)) {
            const v = readVoiceSpeechRate(ctx, o);
            if (v) speechRate.push(v);
            break;
          }
          const stored = readStoredResult(o);
          if (stored) {
            const list = history[stored.engine] ?? [];
            list.push(stored);
            history[stored.engine] = list;
          }
          break;
        }
        const inst = instrumentOfObservation(o);
        if (inst) assessments.addObservation(o, inst);
        else if (loincCodes(o.code).includes(SLEEP_DURATION)) {
          const v = readSleep(ctx, o);
          if (v) sleep.push(v);
        } else if (isLaboratory(o) || analyteOf(o)) labs.add(o);
        break;
      }
      case 'QuestionnaireResponse': {
        const qr = parseOr(ctx, S.questionnaireResponse, raw, ref);
        if (qr) assessments.addQuestionnaireResponse(qr);
        break;
      }
      case 'MedicationRequest': {
        const r = parseOr(ctx, S.medicationRequest, raw, ref);
        const p = r && readMedicationRequest(ctx, r);
        if (p) prescriptions.push(p);
        break;
      }
      case 'MedicationStatement': {
        const s = parseOr(ctx, S.medicationStatement, raw, ref);
        const p = s && readMedicationStatement(ctx, s);
        if (p) prescriptions.push(p);
        break;
      }
      case 'Encounter': {
        const e = parseOr(ctx, S.encounter, raw, ref);
        const v = e && readVisit(ctx, e);
        if (v && (!lastVisit || v.ms > lastVisit.ms)) lastVisit = v;
        break;
      }
    }
  }

  for (const list of Object.values(history)) list.sort((a, b) => a.computedAt.localeCompare(b.computedAt));
  const byTime = (a: DatedValue, b: DatedValue) => a.at.localeCompare(b.at);
  return {
    patientId,
    assessments: assessments.finish(),
    item9Answers: assessments.item9,
    labs: labs.finish(),
    prescriptions: sortPrescriptions(mergeDuplicatePrescriptions(ctx, prescriptions)),
    sleep: sleep.sort(byTime),
    dmseLatency: dmseLatency.sort(byTime),
    speechRate: speechRate.sort(byTime),
    lastVisit: lastVisit ? { at: lastVisit.at, sourceRef: lastVisit.sourceRef } : null,
    history,
    excluded: ctx.excluded,
    notes: ctx.notes,
  };
}

function parseOr<T>(ctx: MapContext, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } } }, raw: unknown, ref: string): T | undefined {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue ? `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}` : 'invalid';
  ctx.exclude(ref, 'malformed', `not a valid FHIR ${ref.split('/')[0]} (${where})`.slice(0, 300));
  return undefined;
}
