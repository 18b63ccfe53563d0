// A PHQ-9 the clinician entered in Tidemark, as the chart should hold it: a QuestionnaireResponse
// (LOINC 44249-1 form, item linkIds ending with the item's LOINC code, LA answer codes, the total) or,
// where the server takes no QuestionnaireResponse from us, one PHQ-9 total Observation with its nine
// answers as components. Both carry our identity and are read back by src/fhir/read like any other.
import type { Observation, QuestionnaireResponse } from '@medplum/fhirtypes';
import { LOINC, OBSERVATION_CATEGORY, PHQ9, TIDEMARK_RESULT } from '../terminology.ts';
import { resultHash } from './identity.ts';
import { PHQ9_ANSWER_CODES, PHQ9_ANSWER_TEXT, PHQ9_ITEM_TEXT } from './phq9-params.ts';

export interface EnteredPhq9 {
  patientId: string;
  /** Nine answers, 0–3, item 1 first. */
  answers: readonly number[];
  /** When it was administered (ISO, with timezone). */
  at: string;
}

export const phq9Total = (answers: readonly number[]): number => answers.reduce((a, b) => a + b, 0);

/** A complete, valid set of answers (nine, each 0–3)? */
export function validAnswers(answers: readonly (number | null | undefined)[]): answers is number[] {
  return answers.length === 9 && answers.every((a) => Number.isInteger(a) && (a as number) >= 0 && (a as number) <= 3);
}

export function enteredIdentity(e: EnteredPhq9): Promise<string> {
  return resultHash({ patientId: e.patientId, engine: 'phq9-entry', inputs: { answers: e.answers, at: e.at }, engineVersion: 'phq9-entry-1' });
}

const answerCoding = (score: number) => ({ system: LOINC, code: PHQ9_ANSWER_CODES[score]!, display: PHQ9_ANSWER_TEXT[score]! });

export function enteredPhq9Response(e: EnteredPhq9, identity: string, author?: string): QuestionnaireResponse {
  return {
    resourceType: 'QuestionnaireResponse',
    identifier: { system: TIDEMARK_RESULT, value: identity },
    questionnaire: `http://loinc.org/q/${PHQ9.panel}`,
    status: 'completed',
    subject: { reference: `Patient/${e.patientId}` },
    authored: e.at,
    ...(author ? { author: { reference: author } } : {}),
    item: [
      {
        linkId: `/${PHQ9.panel}`,
        text: 'PHQ-9 quick depression assessment panel',
        item: [
          ...e.answers.map((a, i) => ({
            linkId: `/${PHQ9.panel}/${PHQ9.items[i]}`,
            text: PHQ9_ITEM_TEXT[i],
            answer: [{ valueCoding: answerCoding(a) }],
          })),
          { linkId: `/${PHQ9.panel}/${PHQ9.total}`, text: 'Patient Health Questionnaire 9 item (PHQ-9) total score', answer: [{ valueInteger: phq9Total(e.answers) }] },
        ],
      },
    ],
  };
}

export function enteredPhq9Observation(e: EnteredPhq9, identity: string, performer?: string): Observation {
  return {
    resourceType: 'Observation',
    identifier: [{ system: TIDEMARK_RESULT, value: identity }],
    status: 'final',
    category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: 'survey', display: 'Survey' }] }],
    code: { coding: [{ system: LOINC, code: PHQ9.total, display: 'Patient Health Questionnaire 9 item (PHQ-9) total score' }], text: 'PHQ-9 total' },
    subject: { reference: `Patient/${e.patientId}` },
    effectiveDateTime: e.at,
    ...(performer ? { performer: [{ reference: performer }] } : {}),
    valueInteger: phq9Total(e.answers),
    component: e.answers.map((a, i) => ({ code: { coding: [{ system: LOINC, code: PHQ9.items[i]! }], text: PHQ9_ITEM_TEXT[i] }, valueCodeableConcept: { coding: [answerCoding(a)] } })),
  };
}
