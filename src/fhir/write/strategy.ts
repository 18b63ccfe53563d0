// Which write-back strategy a FHIR server gets, decided from what it publishes (CapabilityStatement,
// SMART configuration) and the site's configuration, and shown before anything is saved:
// - observations: today's coded Observations (open servers: the sandbox's default, HAPI, the launcher);
// - flowsheet-and-note (Epic-like): numeric results as flowsheet vitals where the site mapped a row,
//   everything else in one clinical note;
// - note (Cerner-like): the clinical note;
// - download-only: nothing can be written; the note and the FHIR JSON are offered instead.
// Vendor rules the statement cannot express (which Observation categories a create accepts) come from
// the vendor's public API documentation, recognised by the statement's software/publisher.
import { canCreateType, conditionalCreate, type ServerCapabilities, supportsSearchParam } from '../ehr/capabilities.ts';
import type { FlowsheetKey, SiteServerConfig } from './site-config.ts';

export type StrategyKind = 'observations' | 'flowsheet-and-note' | 'note' | 'download-only';

/** How a write is kept from duplicating: the server's own checks, or ours (search, then match our marker). */
export type Idempotence = 'transaction' | 'conditional-create' | 'search-identifier' | 'search-marker';

export type WritableType = 'Observation' | 'DocumentReference' | 'QuestionnaireResponse';

export interface WriteStrategy {
  kind: StrategyKind;
  /** The rules applied: the vendor's documented ones, or plain FHIR. */
  rules: 'fhir' | 'epic' | 'cerner';
  /** One line for the preview: what this EHR takes. */
  label: string;
  /** Why this strategy, in plain words (what the server said). */
  reasons: string[];
  idempotence: Idempotence;
  /** Resource types this strategy creates (the scopes asked for follow them). */
  creates: WritableType[];
  /** Resource types read back to check what is already there. */
  reads: WritableType[];
  /** Flowsheet rows (flowsheet-and-note only): result key → row coding. */
  flowsheetRows: SiteServerConfig['flowsheetRows'];
  /** Where a clinician-entered PHQ-9 goes. */
  enteredPhq9: 'questionnaire-response' | 'observation' | 'flowsheet-and-note' | 'note' | 'download';
  note: { type: { system: string; code: string; display?: string }; format: 'text/plain' | 'text/html' };
}

/** LOINC 11506-3 "Progress note": a note type Epic's and Oracle's note APIs both document. */
export const PROGRESS_NOTE = { system: 'http://loinc.org', code: '11506-3', display: 'Progress note' } as const;

/** The vendor whose documented rules apply, from software.name / publisher / implementation. */
export function vendorOf(caps: ServerCapabilities): 'epic' | 'cerner' | null {
  if (/\bepic\b/i.test(caps.software)) return 'epic';
  if (/millennium|cerner|oracle health/i.test(caps.software)) return 'cerner';
  return null;
}

function idempotenceOf(caps: ServerCapabilities, type: WritableType): Idempotence {
  if (caps.transaction && conditionalCreate(caps, type)) return 'transaction';
  if (conditionalCreate(caps, type)) return 'conditional-create';
  return supportsSearchParam(caps, type, 'identifier') ? 'search-identifier' : 'search-marker';
}

const mappedRows = (site: SiteServerConfig | undefined) => Object.keys(site?.flowsheetRows ?? {}) as FlowsheetKey[];

export function chooseWriteStrategy(caps: ServerCapabilities, site?: SiteServerConfig): WriteStrategy {
  const note = { type: site?.noteType ?? PROGRESS_NOTE, format: site?.noteFormat ?? 'text/plain' };
  const forced = site?.strategy && site.strategy !== 'auto' ? site.strategy : null;
  const rules: WriteStrategy['rules'] = forced === 'epic' || forced === 'cerner' ? forced : forced === 'open' ? 'fhir' : (vendorOf(caps) ?? 'fhir');
  const canNote = canCreateType(caps, 'DocumentReference');
  const canObs = canCreateType(caps, 'Observation');
  const reasons: string[] = [];
  if (forced) reasons.push(`This site configures the "${forced}" strategy for this EHR.`);
  else if (rules !== 'fhir') reasons.push(`The EHR identifies itself as ${caps.software}.`);

  const noteOrNothing = (why: string): WriteStrategy => {
    reasons.push(why);
    if (!canNote || forced === 'none') {
      reasons.push(forced === 'none' ? 'Writing is turned off for this EHR.' : 'It does not accept clinical notes (no DocumentReference create) either.');
      return base('download-only', 'Nothing can be written to this EHR: copy or download the note and the FHIR JSON.', [], []);
    }
    return base('note', 'Everything goes into one clinical note (DocumentReference).', ['DocumentReference'], ['DocumentReference']);
  };

  const base = (kind: StrategyKind, label: string, creates: WritableType[], reads: WritableType[], rows: WriteStrategy['flowsheetRows'] = {}): WriteStrategy => ({
    kind,
    rules,
    label,
    reasons,
    idempotence: kind === 'observations' ? idempotenceOf(caps, 'Observation') : 'search-marker',
    creates,
    reads,
    flowsheetRows: rows,
    enteredPhq9:
      kind === 'observations'
        ? canCreateType(caps, 'QuestionnaireResponse') && rules === 'fhir'
          ? 'questionnaire-response'
          : 'observation'
        : kind === 'flowsheet-and-note'
          ? 'flowsheet-and-note'
          : kind === 'note'
            ? 'note'
            : 'download',
    note,
  });

  if (forced === 'none') return noteOrNothing('Writing is turned off for this EHR.');
  if (rules === 'epic') {
    // open.epic: Observation.Create (Vitals) only, into flowsheet rows the organisation has built.
    const rows = mappedRows(site);
    if (canObs && rows.length > 0) {
      reasons.push(`Epic creates Observations only as flowsheet vitals: ${rows.length} result${rows.length === 1 ? '' : 's'} mapped to flowsheet rows by this site; the rest goes into a clinical note.`);
      if (!canNote) return base('flowsheet-and-note', 'Mapped numeric results go to flowsheet rows; the note cannot be written here (copy or download it).', ['Observation'], ['Observation'], site!.flowsheetRows);
      return base('flowsheet-and-note', 'Mapped numeric results go to flowsheet rows; everything, with its confidence and sources, into one clinical note.', ['Observation', 'DocumentReference'], ['Observation', 'DocumentReference'], site!.flowsheetRows);
    }
    return noteOrNothing('Epic creates Observations only as flowsheet vitals, and this site maps no result to a flowsheet row.');
  }
  if (rules === 'cerner') return noteOrNothing('Oracle Health creates Observations only for vital signs and laboratory results.');
  if (canObs && forced !== 'cerner') {
    reasons.push(
      {
        transaction: 'It takes transactions with conditional create: one request, no duplicates.',
        'conditional-create': 'It takes conditional create (If-None-Exist): one request per result, no duplicates.',
        'search-identifier': 'It has no conditional create: each result is searched for by its identifier before it is written.',
        'search-marker': 'It has no conditional create and no identifier search: each result is searched for by code and date and matched by our marker before it is written.',
      }[idempotenceOf(caps, 'Observation')],
    );
    const creates: WritableType[] = canCreateType(caps, 'QuestionnaireResponse') ? ['Observation', 'QuestionnaireResponse'] : ['Observation'];
    return base('observations', 'Each result is written as a coded Observation.', creates, ['Observation']);
  }
  return noteOrNothing('It does not accept Observations.');
}
