// zod schemas of the FHIR R4 resources Tidemark reads. Lenient about what we don't use (unknown
// fields pass through, real charts are messy), strict about what we do: a resource that breaks
// these is excluded as 'malformed', never half-read.
import { z } from 'zod';

export const coding = z.looseObject({
  system: z.string().optional(),
  code: z.string().optional(),
  display: z.string().optional(),
});
export type Coding = z.infer<typeof coding>;

export const codeableConcept = z.looseObject({
  coding: z.array(coding).optional(),
  text: z.string().optional(),
});
export type CodeableConcept = z.infer<typeof codeableConcept>;

export const quantity = z.looseObject({
  value: z.number().optional(),
  unit: z.string().optional(),
  system: z.string().optional(),
  code: z.string().optional(),
  comparator: z.string().optional(),
});
export type Quantity = z.infer<typeof quantity>;

export const reference = z.looseObject({ reference: z.string().optional(), display: z.string().optional() });
export const period = z.looseObject({ start: z.string().optional(), end: z.string().optional() });
export const identifier = z.looseObject({ system: z.string().optional(), value: z.string().optional() });

const value = {
  valueQuantity: quantity.optional(),
  valueInteger: z.number().optional(),
  valueDecimal: z.number().optional(),
  valueString: z.string().optional(),
  valueBoolean: z.boolean().optional(),
  valueCodeableConcept: codeableConcept.optional(),
  dataAbsentReason: codeableConcept.optional(),
};

export const referenceRange = z.looseObject({
  low: quantity.optional(),
  high: quantity.optional(),
  text: z.string().optional(),
});

export const observationComponent = z.looseObject({
  code: codeableConcept,
  ...value,
  interpretation: z.array(codeableConcept).optional(),
  referenceRange: z.array(referenceRange).optional(),
});
export type ObservationComponent = z.infer<typeof observationComponent>;

export const observation = z.looseObject({
  resourceType: z.literal('Observation'),
  id: z.string().min(1),
  status: z.string(),
  identifier: z.array(identifier).optional(),
  category: z.array(codeableConcept).optional(),
  code: codeableConcept,
  effectiveDateTime: z.string().optional(),
  effectiveInstant: z.string().optional(),
  effectivePeriod: period.optional(),
  issued: z.string().optional(),
  ...value,
  interpretation: z.array(codeableConcept).optional(),
  referenceRange: z.array(referenceRange).optional(),
  hasMember: z.array(reference).optional(),
  derivedFrom: z.array(reference).optional(),
  component: z.array(observationComponent).optional(),
  note: z.array(z.looseObject({ text: z.string().optional() })).optional(),
  device: reference.optional(),
});
export type FhirObservation = z.infer<typeof observation>;

export interface QrItem {
  linkId: string;
  text?: string;
  definition?: string;
  code?: Coding[];
  answer?: QrAnswer[];
  item?: QrItem[];
}
export interface QrAnswer {
  valueCoding?: Coding;
  valueInteger?: number;
  valueDecimal?: number;
  valueString?: string;
  item?: QrItem[];
}
const qrAnswer: z.ZodType<QrAnswer> = z.lazy(() =>
  z.looseObject({
    valueCoding: coding.optional(),
    valueInteger: z.number().optional(),
    valueDecimal: z.number().optional(),
    valueString: z.string().optional(),
    item: z.array(qrItem).optional(),
  }),
);
const qrItem: z.ZodType<QrItem> = z.lazy(() =>
  z.looseObject({
    linkId: z.string(),
    text: z.string().optional(),
    definition: z.string().optional(),
    code: z.array(coding).optional(),
    answer: z.array(qrAnswer).optional(),
    item: z.array(qrItem).optional(),
  }),
);

export const questionnaireResponse = z.looseObject({
  resourceType: z.literal('QuestionnaireResponse'),
  id: z.string().min(1),
  status: z.string(),
  questionnaire: z.string().optional(),
  authored: z.string().optional(),
  item: z.array(qrItem).optional(),
});
export type FhirQuestionnaireResponse = z.infer<typeof questionnaireResponse>;

const dosage = z.looseObject({ text: z.string().optional() });

export const medicationRequest = z.looseObject({
  resourceType: z.literal('MedicationRequest'),
  id: z.string().min(1),
  status: z.string(),
  intent: z.string().optional(),
  medicationCodeableConcept: codeableConcept.optional(),
  medicationReference: reference.optional(),
  authoredOn: z.string().optional(),
  dosageInstruction: z.array(dosage).optional(),
  dispenseRequest: z.looseObject({ validityPeriod: period.optional() }).optional(),
});
export type FhirMedicationRequest = z.infer<typeof medicationRequest>;

export const medicationStatement = z.looseObject({
  resourceType: z.literal('MedicationStatement'),
  id: z.string().min(1),
  status: z.string(),
  medicationCodeableConcept: codeableConcept.optional(),
  medicationReference: reference.optional(),
  effectiveDateTime: z.string().optional(),
  effectivePeriod: period.optional(),
  dateAsserted: z.string().optional(),
  dosage: z.array(dosage).optional(),
});
export type FhirMedicationStatement = z.infer<typeof medicationStatement>;

export const encounter = z.looseObject({
  resourceType: z.literal('Encounter'),
  id: z.string().min(1),
  status: z.string(),
  period: period.optional(),
});
export type FhirEncounter = z.infer<typeof encounter>;

export const bundleLink = z.looseObject({ relation: z.string(), url: z.string() });
export const bundle = z.looseObject({
  resourceType: z.literal('Bundle'),
  type: z.string().optional(),
  total: z.number().optional(),
  link: z.array(bundleLink).optional(),
  entry: z
    .array(
      z.looseObject({
        fullUrl: z.string().optional(),
        resource: z.looseObject({ resourceType: z.string() }).optional(),
        search: z.looseObject({ mode: z.string().optional() }).optional(),
      }),
    )
    .optional(),
});
export type FhirBundle = z.infer<typeof bundle>;

/** A resource we read, identified just enough to report it when it fails validation. */
export const anyResource = z.looseObject({ resourceType: z.string(), id: z.string().optional() });
