// Generators of small FHIR R4 fixtures: every sandbox story is built from these, never hand-edited JSON.
import { LOINC, OBSERVATION_CATEGORY, PHQ9, RXNORM, TIDEMARK_ENGINE, UCUM } from '../../src/fhir/terminology.ts';

type Json = Record<string, unknown>;
const DAY = 86_400_000;
export const NOW = new Date('2026-06-30T12:00:00Z');
export const daysAgo = (d: number, base = NOW): string => new Date(base.getTime() - d * DAY).toISOString();

const cat = (code: string) => [{ coding: [{ system: OBSERVATION_CATEGORY, code }] }];
const loinc = (code: string, display?: string) => ({ coding: [{ system: LOINC, code, ...(display ? { display } : {}) }] });

export function observation(id: string, code: string, at: string | undefined, extra: Json = {}): Json {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: loinc(code),
    subject: { reference: 'Patient/p1' },
    ...(at !== undefined ? { effectiveDateTime: at } : {}),
    ...extra,
  };
}

export const phq9Total = (id: string, score: number, at: string, extra: Json = {}) =>
  observation(id, PHQ9.total, at, { category: cat('survey'), valueInteger: score, ...extra });

export const phq9Quantity = (id: string, score: number, at: string) =>
  observation(id, PHQ9.total, at, { category: cat('survey'), valueQuantity: { value: score, unit: '{score}', system: UCUM, code: '{score}' } });

const LA = ['LA6568-5', 'LA6569-3', 'LA6570-1', 'LA6571-9'];

/** PHQ-9 panel Observation with nine item components coded with LOINC answers. */
export function phq9Panel(id: string, items: number[], at: string, withTotal = true): Json {
  return observation(id, PHQ9.panel!, at, {
    category: cat('survey'),
    component: [
      ...items.map((v, i) => ({ code: loinc(PHQ9.items[i]!), valueCodeableConcept: { coding: [{ system: LOINC, code: LA[v] }] } })),
      ...(withTotal ? [{ code: loinc(PHQ9.total), valueInteger: items.reduce((a, b) => a + b, 0) }] : []),
    ],
  });
}

/** PHQ-9 QuestionnaireResponse, items by LOINC linkId with LA answers (no total item unless asked). */
export function phq9Qr(id: string, items: number[], authored: string, opts: { total?: boolean; linkIds?: 'loinc' | 'plain' } = {}): Json {
  const plain = opts.linkIds === 'plain';
  return {
    resourceType: 'QuestionnaireResponse',
    id,
    status: 'completed',
    questionnaire: 'http://loinc.org/q/44249-1',
    subject: { reference: 'Patient/p1' },
    authored,
    item: [
      {
        linkId: 'phq9',
        item: [
          ...items.map((v, i) => ({
            linkId: plain ? `q${i + 1}` : `/44249-1/${PHQ9.items[i]}`,
            answer: [{ valueCoding: { system: LOINC, code: LA[v] } }],
          })),
          ...(opts.total ? [{ linkId: '44261-6', answer: [{ valueInteger: items.reduce((a, b) => a + b, 0) }] }] : []),
        ],
      },
    ],
  };
}

export const scaleTotal = (id: string, code: string, score: number, at: string) =>
  observation(id, code, at, { category: cat('survey'), valueQuantity: { value: score, unit: '{score}' } });

export function lab(id: string, code: string, value: number | undefined, unit: string | undefined, at: string, opts: { low?: number; high?: number; interp?: string; category?: boolean; status?: string } = {}): Json {
  return observation(id, code, at, {
    ...(opts.category === false ? {} : { category: cat('laboratory') }),
    ...(opts.status ? { status: opts.status } : {}),
    ...(value !== undefined ? { valueQuantity: { value, ...(unit ? { unit, system: UCUM, code: unit } : {}) } } : {}),
    ...(opts.interp ? { interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: opts.interp }] }] } : {}),
    ...(opts.low !== undefined || opts.high !== undefined
      ? { referenceRange: [{ ...(opts.low !== undefined ? { low: { value: opts.low, unit } } : {}), ...(opts.high !== undefined ? { high: { value: opts.high, unit } } : {}) }] }
      : {}),
  });
}

export function medicationRequest(id: string, rxnorm: string, display: string, authoredOn: string | undefined, status = 'active', dose?: string): Json {
  return {
    resourceType: 'MedicationRequest',
    id,
    status,
    intent: 'order',
    medicationCodeableConcept: { coding: [{ system: RXNORM, code: rxnorm, display }], text: display },
    subject: { reference: 'Patient/p1' },
    ...(authoredOn ? { authoredOn } : {}),
    ...(dose ? { dosageInstruction: [{ text: dose }] } : {}),
  };
}

export function medicationStatement(id: string, display: string, start: string, end?: string, status = 'active'): Json {
  return {
    resourceType: 'MedicationStatement',
    id,
    status,
    medicationCodeableConcept: { text: display },
    subject: { reference: 'Patient/p1' },
    effectivePeriod: { start, ...(end ? { end } : {}) },
  };
}

export const encounter = (id: string, end: string, status = 'finished') => ({
  resourceType: 'Encounter',
  id,
  status,
  class: { code: 'AMB' },
  subject: { reference: 'Patient/p1' },
  period: { start: end, end },
});

export const sleep = (id: string, value: number, unit: string, at: string) =>
  observation(id, '93832-4', at, { valueQuantity: { value, unit } });

export const dmseLatency = (id: string, seconds: number, at: string) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: TIDEMARK_ENGINE, code: 'dmse_response_latency' }] },
  effectiveDateTime: at,
  valueQuantity: { value: seconds, unit: 's' },
});

// ---- Sandbox stories -------------------------------------------------------------------------------

/** PHQ-9 falling 19 → 6 after sertraline started. */
export function improvingOnSertraline(): Json[] {
  const scores = [19, 18, 15, 12, 9, 6];
  return [
    medicationRequest('rx-sert', '36437', 'sertraline 50 MG Oral Tablet', daysAgo(120), 'active', '50 mg daily'),
    ...scores.map((s, i) => phq9Total(`phq-${i}`, s, daysAgo(130 - i * 24))),
    ...Array.from({ length: 7 }, (_, i) => sleep(`sl-${i}`, 7 + i * 0.1, 'h', daysAgo(i + 1))),
    encounter('enc-1', daysAgo(10)),
  ];
}

/** Rising PHQ-9 with short sleep, a missed follow-up and a recent stop. */
export function relapse(): Json[] {
  const scores = [6, 5, 8, 12, 16, 19];
  return [
    medicationRequest('rx-esc', '321988', 'escitalopram 10 MG', daysAgo(300), 'stopped'),
    medicationStatement('ms-esc', 'Escitalopram 10 mg', daysAgo(300), daysAgo(20), 'stopped'),
    ...scores.map((s, i) => phq9Total(`phq-${i}`, s, daysAgo(150 - i * 28))),
    ...Array.from({ length: 10 }, (_, i) => sleep(`sl-${i}`, 300, 'min', daysAgo(i + 1))),
    dmseLatency('lat-1', 1.2, daysAgo(90)),
    dmseLatency('lat-2', 1.8, daysAgo(5)),
    encounter('enc-1', daysAgo(75)),
  ];
}

/** Elevated TSH and low vitamin D (flags from interpretation and from the range). */
export function thyroidVitD(): Json[] {
  return [
    lab('tsh', '3016-3', 6.8, 'mIU/L', daysAgo(14), { low: 0.4, high: 4.0, interp: 'H' }),
    lab('vitd', '1989-3', 18, 'ng/mL', daysAgo(14), { low: 30, high: 100 }),
    lab('hgb', '718-7', 14.1, 'g/dL', daysAgo(14), { low: 12, high: 16 }),
    phq9Total('phq-1', 11, daysAgo(20)),
  ];
}

/** Item 9 positive, charted only through a QuestionnaireResponse. */
export function item9ViaQr(): Json[] {
  return [phq9Qr('qr-1', [2, 2, 1, 2, 1, 2, 1, 1, 2], daysAgo(3)), phq9Total('phq-0', 9, daysAgo(60))];
}

export const sparseSinglePhq9 = (): Json[] => [phq9Total('only', 14, daysAgo(7))];

/** Five years of PHQ-9 every week (≈ 260) plus monthly labs. */
export function fiveYearHistory(): Json[] {
  const out: Json[] = [];
  for (let w = 0; w < 260; w++) out.push(phq9Total(`phq-${w}`, 5 + ((w * 7) % 15), daysAgo(5 * 365 - w * 7)));
  for (let m = 0; m < 60; m++) out.push(lab(`na-${m}`, '2951-2', 138 + (m % 5), 'mmol/L', daysAgo(5 * 365 - m * 30), { low: 135, high: 145 }));
  return out;
}

/** Missing values, valueString scores, unknown units, entered-in-error, cancelled, duplicates, dates without timezone. */
export function messy(): Json[] {
  return [
    phq9Total('ok-1', 12, '2026-05-01T09:00:00Z'),
    observation('str', PHQ9.total, '2026-05-15T09:00:00Z', { valueString: '14' }),
    observation('str-bad', PHQ9.total, '2026-05-16T09:00:00Z', { valueString: 'refused' }),
    observation('missing', PHQ9.total, '2026-05-20T09:00:00Z', { dataAbsentReason: { text: 'asked but declined' } }),
    phq9Total('eie', 27, '2026-05-21T09:00:00Z', { status: 'entered-in-error' }),
    phq9Total('cancel', 3, '2026-05-22T09:00:00Z', { status: 'cancelled' }),
    phq9Total('no-date', 10, undefined as unknown as string),
    phq9Total('dup-a', 16, '2026-06-01T10:00:00Z'),
    phq9Total('dup-b', 16, '2026-06-01T10:00:30Z'),
    phq9Total('no-tz', 13, '2026-06-10T08:30:00'),
    phq9Total('too-high', 31, '2026-06-11T08:30:00Z'),
    lab('tsh-furlong', '3016-3', 2.1, 'furlongs', '2026-06-01T10:00:00Z'),
    lab('tsh-nounit', '3016-3', 2.1, undefined, '2026-06-01T10:00:00Z'),
    lab('tsh-missing', '3016-3', undefined, 'mIU/L', '2026-06-01T10:00:00Z'),
    medicationRequest('rx-cancel', '36437', 'Sertraline 50 MG', '2026-01-01', 'cancelled'),
    { resourceType: 'Observation', id: 'broken', status: 'final' },
  ];
}

/** Lithium in the toxic range (HH) with low sodium (L). */
export function lithiumToxic(): Json[] {
  return [
    medicationRequest('rx-li', '6448', 'lithium carbonate 300 MG Oral Capsule', daysAgo(400), 'active', '300 mg three times daily'),
    lab('li', '14334-7', 1.9, 'mmol/L', daysAgo(2), { low: 0.6, high: 1.2, interp: 'HH' }),
    lab('na', '2951-2', 129, 'mmol/L', daysAgo(2), { low: 135, high: 145, interp: 'L' }),
    lab('li-old', '14334-7', 0.9, 'mmol/L', daysAgo(90), { low: 0.6, high: 1.2, interp: 'N' }),
    phq9Total('phq-1', 7, daysAgo(30)),
  ];
}

/** A searchset Bundle page. */
export function searchsetPage(resources: Json[], next?: string, self = 'page'): Json {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    link: [{ relation: 'self', url: self }, ...(next ? [{ relation: 'next', url: next }] : [])],
    entry: resources.map((r) => ({ fullUrl: `urn:${String(r.resourceType)}/${String(r.id)}`, resource: r, search: { mode: 'match' } })),
  };
}
