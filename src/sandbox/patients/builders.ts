/**
 * Resource builders for the synthetic stories. Dates are offsets in days before the anchor
 * (the start of the current UTC day), so "days since last PHQ-9" stays meaningful and the data
 * is identical for every start on the same day.
 */
import type { Encounter, MedicationRequest, MedicationStatement, Observation, Patient, QuestionnaireResponse, Resource } from '@medplum/fhirtypes';
import { ITEM9, criticalOf, referenceFlagOf } from '../../clinical/index.ts';
import { LOINC, OBSERVATION_CATEGORY, PHQ9, RXNORM, UCUM, V3_INTERPRETATION } from '../../fhir/terminology.ts';
import { ANSWERS, PHQ9_ITEMS, SCORES } from './codes.ts';
import type { Drug, LabDef } from './codes.ts';
import { Rng } from './prng.ts';

export const PRACTITIONER_ID = 'practitioner-morgan';

export class Story {
  readonly resources: Resource[] = [];
  private serial = 0;

  constructor(
    readonly patientId: string,
    readonly anchor: Date,
    readonly rng: Rng,
  ) {}

  get subject() {
    return { reference: `Patient/${this.patientId}` };
  }

  /** ISO instant `days` before the anchor at a clinic-like hour. */
  at(days: number, hour = 9 + (Math.abs(Math.round(days)) % 8), minute = 0): string {
    const t = this.anchor.getTime() - Math.round(days * 86_400_000) + hour * 3_600_000 + minute * 60_000;
    return new Date(t).toISOString().replace('.000Z', 'Z');
  }

  date(days: number): string {
    return this.at(days).slice(0, 10);
  }

  id(kind: string): string {
    this.serial++;
    return `${this.patientId}-${kind}-${this.serial}`;
  }

  add<T extends Resource>(resource: T): T {
    this.resources.push(resource);
    return resource;
  }

  patient(given: string, family: string, gender: Patient['gender'], birthDate: string, story: string): Patient {
    return this.add<Patient>({
      resourceType: 'Patient',
      id: this.patientId,
      meta: { tag: [{ system: 'urn:tidemark:sandbox', code: 'story', display: story }] },
      identifier: [{ system: 'urn:tidemark:sandbox:mrn', value: `MRN-${this.patientId.toUpperCase()}` }],
      active: true,
      name: [{ use: 'official', given: [given], family }],
      gender,
      birthDate,
      generalPractitioner: [{ reference: `Practitioner/${PRACTITIONER_ID}` }],
    });
  }

  score(kind: keyof typeof SCORES, value: number, days: number, extra: Partial<Observation> = {}): Observation {
    const def = SCORES[kind];
    return this.add<Observation>({
      resourceType: 'Observation',
      id: this.id(kind),
      status: 'final',
      category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: 'survey', display: 'Survey' }] }],
      code: { coding: [{ system: LOINC, code: def.code, display: def.display }], text: def.display },
      subject: this.subject,
      effectiveDateTime: this.at(days),
      issued: this.at(days, 18),
      valueInteger: value,
      ...extra,
    });
  }

  lab(def: LabDef, value: number, days: number, extra: Partial<Observation> = {}): Observation {
    const rounded = Number(value.toFixed(def.decimals));
    const flag = interpret(def, rounded);
    const a = def.analyte;
    return this.add<Observation>({
      resourceType: 'Observation',
      id: this.id(`lab-${def.code}`),
      status: 'final',
      category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: 'laboratory', display: 'Laboratory' }] }],
      code: { coding: [{ system: LOINC, code: def.code, display: def.display }], text: def.display },
      subject: this.subject,
      effectiveDateTime: this.at(days, 7, 30),
      issued: this.at(days, 15),
      valueQuantity: { value: rounded, unit: a.unitDisplay, system: UCUM, code: a.unit },
      interpretation: [{ coding: [{ system: V3_INTERPRETATION, code: flag.code, display: flag.display }] }],
      referenceRange: [referenceRange(def)],
      ...extra,
    });
  }

  sleep(hours: number, days: number): Observation {
    return this.add<Observation>({
      resourceType: 'Observation',
      id: this.id('sleep'),
      status: 'final',
      category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: 'activity', display: 'Activity' }] }],
      code: { coding: [{ system: LOINC, code: '93832-4', display: 'Sleep duration' }], text: 'Sleep duration' },
      subject: this.subject,
      effectiveDateTime: this.at(days, 7),
      valueQuantity: { value: Number(hours.toFixed(1)), unit: 'h', system: UCUM, code: 'h' },
    });
  }

  encounter(days: number, status: Encounter['status'] = 'finished', reason = 'Follow-up, depression'): Encounter {
    const start = this.at(days, 10);
    return this.add<Encounter>({
      resourceType: 'Encounter',
      id: this.id('enc'),
      status,
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' },
      type: [{ text: reason }],
      subject: this.subject,
      participant: [{ individual: { reference: `Practitioner/${PRACTITIONER_ID}` } }],
      period: status === 'finished' ? { start, end: this.at(days, 10, 40) } : { start },
    });
  }

  /** One prescription; `days` is when it was written, `doseMg` per day. */
  prescribe(drug: Drug, doseMg: number, days: number, status: MedicationRequest['status'] = 'active', extra: Partial<MedicationRequest> = {}): MedicationRequest {
    return this.add<MedicationRequest>({
      resourceType: 'MedicationRequest',
      id: this.id(`rx-${drug.code}`),
      status,
      intent: 'order',
      medicationCodeableConcept: { coding: [{ system: RXNORM, code: drug.code, display: drug.display }], text: `${drug.display} ${doseMg} mg` },
      subject: this.subject,
      authoredOn: this.at(days),
      requester: { reference: `Practitioner/${PRACTITIONER_ID}` },
      dosageInstruction: [
        {
          text: `${doseMg} mg by mouth once daily`,
          timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } },
          doseAndRate: [{ doseQuantity: { value: doseMg, unit: 'mg', system: UCUM, code: 'mg' } }],
        },
      ],
      dispenseRequest: { expectedSupplyDuration: { value: 30, unit: 'days', system: UCUM, code: 'd' }, numberOfRepeatsAllowed: 2 },
      ...extra,
    });
  }

  statement(drug: Drug, doseMg: number, fromDays: number, status: MedicationStatement['status'] = 'active'): MedicationStatement {
    return this.add<MedicationStatement>({
      resourceType: 'MedicationStatement',
      id: this.id(`ms-${drug.code}`),
      status,
      medicationCodeableConcept: { coding: [{ system: RXNORM, code: drug.code, display: drug.display }], text: drug.display },
      subject: this.subject,
      effectivePeriod: { start: this.at(fromDays) },
      dateAsserted: this.at(fromDays),
      dosage: [{ text: `${doseMg} mg daily`, doseAndRate: [{ doseQuantity: { value: doseMg, unit: 'mg', system: UCUM, code: 'mg' } }] }],
    });
  }

  /** PHQ-9 as a QuestionnaireResponse with LOINC linkIds, plus its total Observation. */
  phq9Response(answers: number[], days: number): { response: QuestionnaireResponse; total: Observation } {
    const response = this.phq9Questionnaire(answers, days, 'completed');
    const total = this.score('phq9', sum(answers), days, { derivedFrom: [{ reference: `QuestionnaireResponse/${response.id}` }] });
    return { response, total };
  }

  /**
   * A PHQ-9 QuestionnaireResponse only (no total Observation). `null` = not answered; with any item
   * unanswered there is no total item either (e.g. an in-progress form saved half-way).
   */
  phq9Questionnaire(answers: (number | null)[], days: number, status: QuestionnaireResponse['status']): QuestionnaireResponse {
    const complete = answers.length === PHQ9_ITEMS.length && answers.every((a) => a !== null);
    return this.add<QuestionnaireResponse>({
      resourceType: 'QuestionnaireResponse',
      id: this.id('qr-phq9'),
      questionnaire: `http://loinc.org/q/${PHQ9.panel}`,
      status,
      subject: this.subject,
      authored: this.at(days),
      item: [
        ...PHQ9_ITEMS.map((item, i) => {
          const a = answers[i];
          if (a === null || a === undefined) return { linkId: item.linkId, text: item.text };
          const answer = ANSWERS[a] ?? ANSWERS[0]!;
          return { linkId: item.linkId, text: item.text, answer: [{ valueCoding: { system: LOINC, code: answer.code, display: answer.display } }] };
        }),
        ...(complete ? [{ linkId: PHQ9.total, text: 'PHQ-9 total score', answer: [{ valueInteger: sum(answers as number[]) }] }] : []),
      ],
    });
  }

  /** PHQ-9 item 9 charted on its own (LOINC 44260-8), as some EHR flowsheets do. */
  item9Observation(answer: number, days: number): Observation {
    const a = ANSWERS[answer]!;
    return this.add<Observation>({
      resourceType: 'Observation',
      id: this.id('item9'),
      status: 'final',
      category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: 'survey', display: 'Survey' }] }],
      code: { coding: [{ system: LOINC, code: ITEM9.loinc, display: ITEM9.question }], text: 'PHQ-9 item 9' },
      subject: this.subject,
      effectiveDateTime: this.at(days),
      valueCodeableConcept: { coding: [{ system: LOINC, code: a.code, display: a.display }], text: a.display },
    });
  }
}

export function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** The lab's reference range: src/clinical's reference limits for the analyte (canonical unit). */
function referenceRange(def: LabDef) {
  const { low, high } = def.analyte.reference;
  const unit = def.analyte.unitDisplay;
  const q = (value: number) => ({ value, unit, system: UCUM, code: def.analyte.unit });
  return {
    ...(low !== undefined ? { low: q(low) } : {}),
    ...(high !== undefined ? { high: q(high) } : {}),
    text: `${low ?? ''}${low !== undefined && high !== undefined ? '–' : low !== undefined ? ' or more' : '≤ '}${high ?? ''} ${unit}`.trim(),
  };
}

/** The flag a lab would send: critical (HH/LL) and reference (H/L/N) from src/clinical's limits. */
function interpret(def: LabDef, value: number): { code: string; display: string } {
  const c = criticalOf(def.analyte, value);
  if (c) return c.direction === 'high' ? { code: 'HH', display: 'Critical high' } : { code: 'LL', display: 'Critical low' };
  const f = referenceFlagOf(def.analyte, value);
  return f === 'high' ? { code: 'H', display: 'High' } : f === 'low' ? { code: 'L', display: 'Low' } : { code: 'N', display: 'Normal' };
}
