/**
 * `epic`: what Epic's public R4 API list documents (fhir.epic.com / open.epic.com; sources per rule in
 * the README's "Vendor profiles" table). Reads and searches for the clinical types; creates only
 * through Observation.Create (Vitals) into flowsheet rows the site has built (flowsheets.ts),
 * QuestionnaireResponse for patient-entered questionnaires, DocumentReference for clinical notes. No
 * conditional create, batch or transaction; no `identifier` search on Observation; SMART v1 scopes
 * only; PKCE optional; no refresh token for a public client. Refused search parameters carry Epic's
 * documented 4100-series codes.
 */
import type { DocumentReference, Observation, QuestionnaireResponse, Resource } from '@medplum/fhirtypes';
import type { FlowsheetMap } from './flowsheets.ts';
import { flowsheetRowOf } from './flowsheets.ts';
import { categoryCodes, codings, READ_SEARCH, VENDOR_BASE } from './profile.ts';
import type { CreateContext, Refusal, RefusalWording, ResourceRules, VendorProfile } from './profile.ts';

/** Epic's error-code system in OperationOutcome.issue.details (its 4100-series search errors). */
const EPIC_ERRORS = 'urn:oid:1.2.840.114350.1.13.0.1.7.2.657369';

const wording: RefusalWording = (kind, message) => {
  switch (kind) {
    case 'unsupported-param':
      return { status: 400, code: 'invalid', message, vendorCode: { system: EPIC_ERRORS, code: '4100', display: 'The resource request contained an invalid parameter.' } };
    case 'missing-param':
      return { status: 400, code: 'required', message, vendorCode: { system: EPIC_ERRORS, code: '4111', display: 'Required search parameter missing from request.' } };
    case 'unsupported-type':
      return { status: 404, code: 'not-supported', message };
    case 'unsupported-interaction':
      return { status: 405, code: 'not-supported', message };
    default:
      return { status: 422, code: 'business-rule', message };
  }
};

const PATIENT_PARAMS = ['_id', 'patient', 'subject'];
const byPatient = (extra: string[]): string[] => [...PATIENT_PARAMS, ...extra];
const needPatient = [['patient'], ['subject'], ['_id']] as const;

function readSearch(params: string[], required: readonly (readonly string[])[] = needPatient): ResourceRules {
  return { interactions: READ_SEARCH, searchParams: params, requiredParams: required };
}

export function epicProfile(flowsheets: FlowsheetMap): VendorProfile {
  const rules: Record<string, ResourceRules> = {
    Patient: readSearch(['_id', 'identifier', 'name', 'family', 'given', 'birthdate', 'gender', 'address', 'telecom'], [['_id'], ['identifier'], ['family'], ['given'], ['name'], ['birthdate']]),
    Practitioner: readSearch(['_id', 'identifier', 'name', 'family', 'given'], [['_id'], ['identifier'], ['name'], ['family'], ['given']]),
    Organization: readSearch(['_id', 'identifier', 'name', 'address'], [['_id'], ['identifier'], ['name'], ['address']]),
    Location: readSearch(['_id', 'identifier', 'name', 'address'], [['_id'], ['identifier'], ['name'], ['address']]),
    Medication: readSearch(['_id', 'code'], [['_id'], ['code']]),
    Encounter: readSearch(byPatient(['date', 'status', 'class', 'identifier'])),
    // Observation.Search: patient plus code or category (open.epic "Observation": "Both patient and code or category are required").
    Observation: {
      interactions: ['read', 'search-type', 'create'],
      searchParams: byPatient(['category', 'code', 'date', 'encounter', 'issued']),
      requiredParams: [['patient', 'code'], ['patient', 'category'], ['subject', 'code'], ['subject', 'category'], ['_id']],
      checkCreate: (r, ctx) => checkVitalsCreate(r as Observation, flowsheets, ctx),
      prepareCreate: (r) => fileToFlowsheetRow(r as Observation, flowsheets),
    },
    QuestionnaireResponse: {
      interactions: ['read', 'search-type', 'create'],
      searchParams: byPatient(['questionnaire', 'status', 'authored']),
      requiredParams: needPatient,
      hidden: (r) => !patientEntered(r as QuestionnaireResponse),
      checkCreate: (r) =>
        patientEntered(r as QuestionnaireResponse, true)
          ? undefined
          : wording('business-rule', "Epic's QuestionnaireResponse.Create is for patient-entered questionnaires: author (or source) must be the patient."),
    },
    DocumentReference: {
      interactions: ['read', 'search-type', 'create'],
      searchParams: byPatient(['category', 'type', 'date', 'encounter', 'status']),
      requiredParams: needPatient,
      checkCreate: (r) => checkClinicalNote(r as DocumentReference),
    },
    MedicationRequest: readSearch(byPatient(['status', 'intent', 'category', 'authoredon'])),
    MedicationStatement: readSearch(byPatient(['status'])),
    Condition: readSearch(byPatient(['category', 'clinical-status', 'encounter'])),
    DiagnosticReport: readSearch(byPatient(['category', 'code', 'date', 'status'])),
    Procedure: readSearch(byPatient(['date', 'status', 'category'])),
    AllergyIntolerance: readSearch(byPatient(['clinical-status'])),
    Immunization: readSearch(byPatient(['date', 'status'])),
    CarePlan: readSearch(byPatient(['category', 'date', 'status'])),
    Goal: readSearch(byPatient(['lifecycle-status'])),
    Device: readSearch(byPatient(['type'])),
    Provenance: readSearch(['_id', 'target'], [['_id'], ['target']]),
  };
  return {
    name: 'epic',
    software: 'Tidemark sandbox EHR (Epic profile)',
    rules: (type) => rules[type],
    types: Object.keys(rules),
    ...VENDOR_BASE,
    count: { default: 50, max: 1000, shortLaterPages: false },
    scopes: { v1: true, v2: false, wildcards: true },
    pkceRequired: false,
    refresh: { publicClients: false, rotate: true, minIntervalSeconds: 0, onlineLifetimeSeconds: 8 * 3600, offlineLifetimeSeconds: 90 * 86400 },
    refuse: wording,
    smartCapabilities: ['permission-v1'],
  };
}

/** Patient-entered: no clinician, organization or device is named as author or source. */
function patientEntered(qr: QuestionnaireResponse, strict = false): boolean {
  const refs = [qr.author?.reference, qr.source?.reference].filter((r): r is string => !!r);
  if (strict) return refs.length > 0 && refs.every((r) => /(^|\/)(Patient|RelatedPerson)\/[^/]+$/.test(r));
  return refs.every((r) => /(^|\/)(Patient|RelatedPerson)\/[^/]+$/.test(r));
}

/**
 * Observation.Create (Vitals): one vital-sign reading, status final, coded with a flowsheet row the
 * site has built (its id, or a LOINC code the row is mapped to), the value as `valueString`.
 */
async function checkVitalsCreate(o: Observation, flowsheets: FlowsheetMap, ctx: CreateContext): Promise<Refusal | undefined> {
  const refuse = (message: string) => wording('business-rule', message);
  const categories = categoryCodes(o);
  if (categories.length !== 1 || categories[0] !== 'vital-signs') {
    return refuse(`Epic creates Observations only through Observation.Create (Vitals) (category vital-signs); category '${categories.join(',') || 'none'}' has no create API.`);
  }
  if (o.status !== 'final') return refuse("Observation.Create (Vitals) files final readings only: status must be 'final'.");
  const row = flowsheetRowOf(codings(o.code), flowsheets);
  if (!row) return refuse('Observation.code is not a flowsheet row built at this site (neither its flowsheet id nor a LOINC code mapped to one; see SANDBOX_EPIC_FLOWSHEETS).');
  const valueKeys = Object.keys(o).filter((k) => k.startsWith('value'));
  if (valueKeys.length !== 1 || typeof o.valueString !== 'string') return refuse('Observation.Create (Vitals) takes the reading as valueString.');
  if (o.component?.length || o.hasMember?.length) return refuse('Observation.Create (Vitals) files one reading per request (no component or hasMember).');
  if (!o.effectiveDateTime) return refuse('effectiveDateTime is required: flowsheet values are filed at an instant.');
  const patient = o.subject?.reference;
  const query = new URLSearchParams({ code: `${flowsheets.system}|${row.id}`, date: `eq${o.effectiveDateTime}` });
  if (await ctx.exists('Observation', query.toString(), patient?.replace(/^.*Patient\//, ''))) {
    return { status: 409, code: 'duplicate', message: `Flowsheet row ${row.id} already holds a value at ${o.effectiveDateTime} for this patient (flowsheet rows are non-duplicable).` };
  }
  return undefined;
}

/** Files the reading under its row: both the flowsheet id and the row's LOINC codes are kept. */
function fileToFlowsheetRow(o: Observation, flowsheets: FlowsheetMap): Resource {
  const row = flowsheetRowOf(codings(o.code), flowsheets);
  if (!row) return o;
  const have = new Set(codings(o.code).map((c) => `${c.system}|${c.code}`));
  const extra = [{ system: flowsheets.system, code: row.id, display: row.name }, ...row.loinc.map((code) => ({ system: 'http://loinc.org', code }))].filter(
    (c) => !have.has(`${c.system}|${c.code}`),
  );
  return { ...o, code: { ...o.code, coding: [...(o.code.coding ?? []), ...extra] } };
}

const NOTE_TYPES = new Set(['text/plain', 'text/html', 'text/rtf', 'application/xhtml+xml']);

/** DocumentReference.Create (Clinical Notes): a coded note type, the patient, one inline text note. */
function checkClinicalNote(d: DocumentReference): Refusal | undefined {
  const refuse = (message: string) => wording('business-rule', message);
  if (d.status !== 'current') return refuse("A clinical note is created with status 'current'.");
  if (codings(d.type).length === 0) return refuse('DocumentReference.type must carry a note type coding (e.g. LOINC 11506-3 Progress note).');
  if (!/(^|\/)Patient\/[^/]+$/.test(d.subject?.reference ?? '')) return refuse('DocumentReference.subject must be the patient.');
  const attachments = (d.content ?? []).map((c) => c.attachment);
  const type = (attachments[0]?.contentType ?? '').split(';')[0]?.trim() ?? '';
  if (attachments.length !== 1 || !attachments[0]?.data || !NOTE_TYPES.has(type)) {
    return refuse('A clinical note has exactly one inline attachment (data) of type text/plain, text/html or text/rtf.');
  }
  return undefined;
}
