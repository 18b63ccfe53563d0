/**
 * `cerner`: what Oracle Health's Millennium R4 pages document (fhir.cerner.com, cerner/fhir.cerner.com
 * content/millennium/r4/**; the README lists the page behind each rule). The served types and their
 * search parameters are the pages' "Parameters" tables. Observation create only for one category,
 * vital-signs or laboratory, with the documented body fields (anything else: 422 "Body contained
 * unsupported fields"); DocumentReference create for clinical notes; QuestionnaireResponse read/search
 * of social history only; `_count` default 50, at most 200, later pages may be short; no conditional
 * create, batch or transaction; tokens live 570 s; wildcard scopes refused; refreshes at most once a
 * minute and without a new refresh token.
 */
import type { DocumentReference, Observation, QuestionnaireResponse } from '@medplum/fhirtypes';
import { categoryCodes, fhirWording, READ_SEARCH, VENDOR_BASE } from './profile.ts';
import type { CreateContext, Refusal, RefusalWording, ResourceRules, VendorProfile } from './profile.ts';

/**
 * FHIR's wording (404 type, 405 interaction, 400 parameters, 422 bodies — fhir.cerner.com R4 "Client Errors"
 * and "Operation Outcomes": 422 business-rule "Body contained unsupported fields"), with Oracle's text for a
 * missing parameter.
 */
const wording: RefusalWording = (kind, message) =>
  fhirWording(kind, kind === 'missing-param' ? `no supported search parameters provided: ${message}` : message);

/** Search parameters per type, from each R4 page's "Parameters" table (result parameters apart). */
const PARAMS: Record<string, string[]> = {
  Patient: ['_id', 'identifier', 'name', 'family', 'given', 'birthdate', 'phone', 'email', 'address-postalcode', 'gender'],
  Practitioner: ['_id', 'identifier', 'name', 'family', 'given', 'active'],
  Organization: ['_id', 'identifier', 'name', 'address', 'type'],
  Location: ['_id', 'identifier', 'name', 'address', 'address-city', 'address-state', 'address-postalcode', 'type', 'organization'],
  RelatedPerson: ['_id', 'identifier', 'patient'],
  Device: ['_id', 'patient'],
  Encounter: ['_id', 'patient', 'subject', 'account', 'identifier', 'date', 'status', '_lastUpdated'],
  Appointment: ['_id', 'patient', 'practitioner', 'location', 'date', 'status'],
  CarePlan: ['_id', 'patient', 'category', 'date'],
  CareTeam: ['_id', 'patient', 'category', 'encounter', 'status'],
  Goal: ['_id', 'patient', 'target-date'],
  ServiceRequest: ['_id', 'patient', 'subject', 'code', '_lastUpdated'],
  DiagnosticReport: ['_id', 'patient', 'category', 'code', 'date', 'encounter', '_lastUpdated'],
  Observation: ['_id', 'patient', 'subject', 'code', 'date', 'category', '_lastUpdated'],
  QuestionnaireResponse: ['_id', 'patient'],
  Immunization: ['_id', 'patient', 'date', 'target-disease', '_lastUpdated'],
  MedicationAdministration: ['_id', 'patient', 'effective-time', 'performer', 'status'],
  MedicationRequest: ['_id', 'patient', 'intent', 'status', '_lastUpdated'],
  AllergyIntolerance: ['_id', 'patient', 'clinical-status', '_lastUpdated'],
  Condition: ['_id', 'patient', 'subject', 'category', 'clinical-status', 'encounter', '_lastUpdated'],
  Procedure: ['_id', 'patient', 'subject', 'date', '_lastUpdated'],
  Coverage: ['patient'],
  Account: ['_id', 'patient', 'identifier', 'type'],
  DocumentReference: ['_id', 'patient', 'category', 'date', 'encounter', 'period', 'type', '_lastUpdated'],
  Consent: ['_id', 'patient', 'actor'],
  Provenance: ['_id', 'target'],
  Questionnaire: ['_id'],
};

/** Every page requires one identifying parameter: the id, the patient, or (for directories) an identifier or name. */
function requiredFor(params: string[]): string[][] {
  const identifying = ['_id', 'patient', 'subject', 'identifier', 'target', 'name', 'family', 'given', 'account'];
  return identifying.filter((p) => params.includes(p)).map((p) => [p]);
}

function rulesFor(type: string, params: string[]): ResourceRules {
  const base: ResourceRules = { interactions: READ_SEARCH, searchParams: params, requiredParams: requiredFor(params), revinclude: ['Provenance:target'] };
  if (type === 'Observation') return { ...base, interactions: ['read', 'search-type', 'create'], checkCreate: (r, ctx) => checkObservationCreate(r as Observation, ctx) };
  if (type === 'DocumentReference') return { ...base, interactions: ['read', 'search-type', 'create'], checkCreate: (r, ctx) => checkDocumentCreate(r as DocumentReference, ctx) };
  if (type === 'QuestionnaireResponse') return { ...base, hidden: (r) => !socialHistory(r as QuestionnaireResponse) };
  return base;
}

export function cernerProfile(): VendorProfile {
  const rules = Object.fromEntries(Object.entries(PARAMS).map(([type, params]) => [type, rulesFor(type, params)]));
  return {
    name: 'cerner',
    software: 'Tidemark sandbox EHR (Oracle Health Millennium profile)',
    rules: (type) => rules[type],
    types: Object.keys(rules),
    ...VENDOR_BASE,
    count: { default: 50, max: 200, shortLaterPages: true },
    scopes: { v1: true, v2: true, wildcards: false },
    pkceRequired: false,
    accessLifetimeSeconds: 570,
    refresh: { publicClients: true, rotate: false, minIntervalSeconds: 60, onlineLifetimeSeconds: 8 * 3600, offlineLifetimeSeconds: 90 * 86400 },
    refuse: wording,
    smartCapabilities: ['permission-v1', 'permission-v2', 'authorize-post'],
  };
}

/** Social history questionnaires: the only QuestionnaireResponses Millennium's R4 API returns. */
function socialHistory(qr: QuestionnaireResponse): boolean {
  const marker = /social[-\s_]?history/i;
  return marker.test(qr.questionnaire ?? '') || (qr.meta?.tag ?? []).some((t) => marker.test(`${t.code ?? ''} ${t.display ?? ''}`));
}

/** Body fields the Observation create table documents; anything else is "unsupported". */
const OBSERVATION_FIELDS = new Set([
  'resourceType', 'id', 'meta', 'text', 'extension', 'status', 'category', 'code', 'subject', 'encounter', 'effectiveDateTime', 'issued', 'performer',
  'valueQuantity', 'valueCodeableConcept', 'valueString', 'valueAttachment', 'valueBoolean', 'valueInteger', 'valueRatio', 'valueDateTime',
  'interpretation', 'note', 'referenceRange', 'component',
]);

function checkObservationCreate(o: Observation, ctx: CreateContext): Refusal | undefined {
  if (ctx.actor === 'patient') return { status: 403, code: 'forbidden', message: 'Observation create is for provider and system access (Vital Signs and Laboratory).' };
  const common = checkBodyShape(o as unknown as Record<string, unknown>, OBSERVATION_FIELDS);
  if (common) return common;
  const refuse = (message: string) => wording('business-rule', message);
  const categories = categoryCodes(o);
  if (categories.length !== 1) return refuse('Only one category may be supplied on create.');
  const category = categories[0];
  if (category !== 'vital-signs' && category !== 'laboratory') return refuse(`Vital Signs and Laboratory categories are supported; not '${category}'.`);
  if (!['final', 'amended', 'corrected'].includes(o.status)) return refuse('Status codes final, amended and corrected are supported.');
  if (!/(^|\/)Patient\/[^/]+$/.test(o.subject?.reference ?? '')) return refuse('subject must only include references to Patient.');
  if (!o.effectiveDateTime) return refuse('Only a type of dateTime is supported for effective[x] (required).');
  if ((o.interpretation?.length ?? 0) > 1) return refuse('Only one interpretation may be supplied.');
  if ((o.referenceRange?.length ?? 0) > 1) return refuse('Only one referenceRange is supported.');
  if (category === 'vital-signs') {
    if (!o.performer?.some((p) => /(^|\/)Practitioner\/[^/]+$/.test(p.reference ?? ''))) return refuse('Vital Signs require a performer (a Practitioner reference).');
    if (!o.valueQuantity && !o.component?.length) return refuse('Vital Signs are written with valueQuantity.');
  }
  return undefined;
}

const DOCUMENT_FIELDS = new Set(['resourceType', 'id', 'meta', 'text', 'extension', 'status', 'docStatus', 'type', 'category', 'subject', 'author', 'authenticator', 'date', 'description', 'content', 'context']);
const DOCUMENT_TYPES = ['application/pdf', 'text/plain', 'text/richtext', 'text/rtf', 'text/html', 'application/xml', 'application/xhtml+xml'];

function checkDocumentCreate(d: DocumentReference, ctx: CreateContext): Refusal | undefined {
  const common = checkBodyShape(d as unknown as Record<string, unknown>, DOCUMENT_FIELDS);
  if (common) return common;
  const refuse = (message: string) => wording('business-rule', message);
  if (d.status !== 'current') return refuse('Only status current is supported.');
  const allowedDoc = ctx.actor === 'system' ? ['final', 'amended'] : ['final'];
  if (!allowedDoc.includes(d.docStatus ?? '')) return refuse(`docStatus must be ${allowedDoc.join(' or ')}.`);
  if (!(d.type?.coding?.length ?? 0)) return refuse('type must include a LOINC or a proprietary coding.');
  if (!/(^|\/)Patient\/[^/]+$/.test(d.subject?.reference ?? '')) return refuse('Only patient references are supported for subject.');
  if (ctx.actor !== 'system' && (d.author?.length !== 1 || !/(^|\/)Practitioner\/[^/]+$/.test(d.author[0]?.reference ?? ''))) {
    return refuse('For provider access a single author, the authorized Practitioner, must be provided.');
  }
  const content = d.content ?? [];
  const type = (content[0]?.attachment?.contentType ?? '').split(';')[0]?.trim() ?? '';
  if (content.length !== 1 || !content[0]?.attachment?.data || !DOCUMENT_TYPES.includes(type)) {
    return refuse('content must contain one entry whose attachment has data and a supported contentType.');
  }
  if (!d.context?.period?.end) return refuse('context.period.end is required (with a time).');
  return undefined;
}

/** fhir.cerner.com R4 "Operation Outcomes" for create/update: unsupported fields, modifier extensions, implicit rules. */
function checkBodyShape(body: Record<string, unknown>, allowed: ReadonlySet<string>): Refusal | undefined {
  if ('modifierExtension' in body) return { status: 422, code: 'extension', message: 'Body contained modifier extensions.' };
  if ('implicitRules' in body) return { status: 422, code: 'not-supported', message: 'Body contained implicit rules.' };
  const unsupported = Object.keys(body).filter((k) => !allowed.has(k));
  if (unsupported.length > 0) return { status: 422, code: 'business-rule', message: `Body contained unsupported fields: ${unsupported.join(', ')}.` };
  return undefined;
}

