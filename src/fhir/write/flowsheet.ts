// Numeric results as flowsheet vitals (Epic's Observation.Create (Vitals)): one reading per request,
// category vital-signs, status final, the row the site mapped as the code, the value as valueString,
// our marker in the reading's comment. Only rows the site configured; nothing is filed by default.
import type { Observation } from '@medplum/fhirtypes';
import { OBSERVATION_CATEGORY } from '../terminology.ts';
import { markerText } from './marker.ts';
import type { FlowsheetKey, SiteServerConfig } from './site-config.ts';

export const FLOWSHEET_LABEL: Record<FlowsheetKey, string> = {
  'phq9-total': 'PHQ-9 total',
  'gad7-total': 'GAD-7 total',
  'relapse-risk': 'Relapse risk score',
  'outcome-score': 'Treatment outcome score',
};

export interface FlowsheetValue {
  key: FlowsheetKey;
  value: number;
  identity: string;
}

/** The reading for one mapped value; undefined when the site mapped no row for it. */
export function flowsheetReading(
  patientId: string,
  v: FlowsheetValue,
  rows: SiteServerConfig['flowsheetRows'],
  at: string,
): { observation: Observation; row: string } | undefined {
  const row = rows[v.key];
  if (!row) return undefined;
  const observation: Observation = {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: 'vital-signs', display: 'Vital Signs' }] }],
    code: { coding: [{ system: row.system, code: row.code, ...(row.display ? { display: row.display } : {}) }], text: row.display ?? FLOWSHEET_LABEL[v.key] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: at,
    valueString: String(v.value),
    note: [{ text: `Tidemark ${FLOWSHEET_LABEL[v.key]} · ${markerText(v.identity)}` }],
  };
  return { observation, row: `${row.display ?? row.code} (${row.code})` };
}
