// The clinical note: what a server that takes no coded results of ours (Epic, Oracle Health) gets —
// one DocumentReference with a LOINC note type and one text attachment (plain text or XHTML), carrying
// the safety findings, the PHQ-9 with item 9, every result with its confidence and sources, the date,
// and the `urn:tidemark:result` identity of each result and of the note itself (its marker, for
// idempotence without server help). Pure: the same input gives the same note, byte for byte.
import type { Coding, DocumentReference } from '@medplum/fhirtypes';
import type { EngineName } from '../../contract/index.ts';
import { ENDPOINTS } from '../../contract/index.ts';
import { resultHash } from './identity.ts';
import { markerText, toBase64 } from './marker.ts';
import { type EngineResult, engineVersionOf } from './observations.ts';
import { PHQ9_ANSWER_TEXT, PHQ9_ITEM_TEXT } from './phq9-params.ts';

export interface NoteResultLine {
  engine: EngineName;
  title: string;
  identity: string;
  status: string;
  /** "68 of 100", "+22 (−100 to 100)", or null for a categorical result. */
  score: string | null;
  headline: string;
  confidence: { level: string; score: number; reasons: string[] };
  /** Chart resources the result used. */
  sources: string[];
  requiresReview: boolean;
  engineVersion: string;
}

export interface NotePhq9 {
  score: number;
  at: string;
  band: string;
  /** Item 9 answer 0–3, null when not charted. */
  item9: number | null;
  /** Entered in Tidemark today (not read from the chart). */
  entered: boolean;
  /** All nine answers (entered PHQ-9). */
  items?: readonly number[];
  sourceRef?: string;
  identity?: string;
}

export interface NoteFlowsheetLine {
  label: string;
  row: string;
  value: string;
  identity: string;
}

/** A measurement written with the results (e.g. a voice sample), as lines for the note. */
export interface NoteMeasurement {
  title: string;
  lines: string[];
  identity: string;
}

export interface NoteInput {
  patientId: string;
  /** When the note is written (ISO). */
  at: string;
  results: readonly NoteResultLine[];
  phq9: NotePhq9 | null;
  /** Safety findings, one line each (item 9 positive, critical values), worded for the clinician. */
  safety: readonly string[];
  /** Values written to flowsheet rows with this note. */
  flowsheet: readonly NoteFlowsheetLine[];
  /** Other measurements saved with this summary (a voice sample); none by default. */
  measurements?: readonly NoteMeasurement[];
  /** "Practitioner/…" (fhirUser) when known: the note's author. */
  author?: string;
  type: Coding;
  format: 'text/plain' | 'text/html';
}

export interface ClinicalNote {
  identity: string;
  text: string;
  xhtml: string;
  resource: DocumentReference;
}

export const NOTE_DISCLAIMER = 'Decision support for clinician review — not a diagnosis. Computed by deterministic rules from the chart data listed.';
const NOTE_CATEGORY = { system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category', code: 'clinical-note', display: 'Clinical Note' };

function scoreText(r: EngineResult): string | null {
  if (r.engine === 'relapse') return `${r.response.score} of 100`;
  if (r.engine === 'outcome') return `${r.response.score > 0 ? '+' : ''}${r.response.score} (−100 to 100)`;
  return null;
}

/** Chart resources a result used: its provenance inputs and the request's own sources. */
function sourcesOf(r: EngineResult): string[] {
  const refs: string[] = [];
  for (const i of r.response.intelligence.provenance.inputs) if (i.sourceRef) refs.push(i.sourceRef);
  const req = r.request as { assessments?: { sourceRef?: string }[]; labs?: { results: { biomarkers: { sourceRef?: string }[] } }[] };
  for (const a of req.assessments ?? []) if (a.sourceRef) refs.push(a.sourceRef);
  for (const p of req.labs ?? []) for (const b of p.results.biomarkers) if (b.sourceRef) refs.push(b.sourceRef);
  return [...new Set(refs)];
}

/** One note line per engine result (identities from resultIdentifierValue, same order). */
export function noteResultLines(results: readonly EngineResult[], identities: readonly string[]): NoteResultLine[] {
  return results.map((r, i) => {
    const intel = r.response.intelligence;
    return {
      engine: r.engine,
      title: ENDPOINTS[r.engine].title,
      identity: identities[i]!,
      status: intel.summary.status,
      score: scoreText(r),
      headline: intel.summary.headline,
      confidence: { level: intel.confidence.level, score: intel.confidence.score, reasons: intel.confidence.reasons },
      sources: sourcesOf(r),
      requiresReview: intel.summary.requiresClinicianReview,
      engineVersion: engineVersionOf(r.response),
    };
  });
}

/** The note's own identity: every identity it carries, in a stable order. */
export function noteIdentity(input: Pick<NoteInput, 'patientId' | 'results' | 'phq9' | 'flowsheet' | 'measurements'>): Promise<string> {
  const carried = [
    ...input.results.map((r) => r.identity),
    ...(input.phq9?.identity ? [input.phq9.identity] : []),
    ...input.flowsheet.map((f) => f.identity),
    ...(input.measurements ?? []).map((m) => m.identity),
  ].sort();
  return resultHash({ patientId: input.patientId, engine: 'clinical-note', inputs: carried, engineVersion: 'note-1' });
}

const answer = (score: number) => `${PHQ9_ANSWER_TEXT[score] ?? `score ${score}`} (${score})`;

interface Section {
  title: string;
  lines: string[];
}

function sections(input: NoteInput): Section[] {
  const out: Section[] = [];
  out.push({ title: 'Safety', lines: input.safety.length > 0 ? [...input.safety] : ['No safety finding (PHQ-9 item 9 not positive, no critical value) in the data read.'] });
  if (input.phq9) {
    const p = input.phq9;
    const lines = [
      `PHQ-9 total ${p.score} of 27 (${p.band}) on ${p.at.slice(0, 10)}${p.entered ? ', entered by the clinician in Tidemark' : ''}${p.sourceRef ? ` — source ${p.sourceRef}` : ''}.`,
      p.item9 === null ? 'Item 9 (thoughts of self-harm): not charted.' : `Item 9 (thoughts that you would be better off dead, or of hurting yourself): ${answer(p.item9)}${p.item9 > 0 ? ' — POSITIVE' : ''}.`,
    ];
    if (p.items) lines.push(...p.items.map((s, i) => `  ${i + 1}. ${PHQ9_ITEM_TEXT[i]}: ${answer(s)}`));
    if (p.identity) lines.push(`Identity: ${markerText(p.identity)}`);
    out.push({ title: 'PHQ-9', lines });
  } else {
    out.push({ title: 'PHQ-9', lines: ['No PHQ-9 could be read from the chart, and none was entered.'] });
  }
  out.push({
    title: 'Results',
    lines: input.results.flatMap((r) => [
      `${r.title}: ${r.status}${r.score ? `, ${r.score}` : ''} — ${r.headline}`,
      `  Confidence: ${r.confidence.level} (${r.confidence.score.toFixed(2)})${r.confidence.reasons.length > 0 ? ` — ${r.confidence.reasons.join('; ')}` : ''}`,
      `  Sources: ${r.sources.length > 0 ? r.sources.join(', ') : 'none named'}`,
      ...(r.requiresReview ? ['  Requires clinician review.'] : []),
      `  Engine ${r.engine} ${r.engineVersion}; identity ${markerText(r.identity)}`,
    ]),
  });
  for (const m of input.measurements ?? []) out.push({ title: m.title, lines: [...m.lines, `Identity: ${markerText(m.identity)}`] });
  if (input.flowsheet.length > 0) {
    out.push({ title: 'Flowsheet values', lines: input.flowsheet.map((f) => `${f.label}: ${f.value} → flowsheet row ${f.row} (${markerText(f.identity)})`) });
  }
  return out;
}

function plainText(input: NoteInput, identity: string): string {
  const head = ['Tidemark — measurement-based care summary', `Date: ${input.at}`, NOTE_DISCLAIMER, ''];
  const body = sections(input).flatMap((s) => [s.title.toUpperCase(), ...s.lines, '']);
  return [...head, ...body, `Note identity: ${markerText(identity)}`, ''].join('\n');
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function xhtml(input: NoteInput, identity: string): string {
  const parts = [
    '<div xmlns="http://www.w3.org/1999/xhtml">',
    '<h1>Tidemark — measurement-based care summary</h1>',
    `<p>Date: ${esc(input.at)}</p>`,
    `<p><em>${esc(NOTE_DISCLAIMER)}</em></p>`,
    ...sections(input).flatMap((s) => [`<h2>${esc(s.title)}</h2>`, '<ul>', ...s.lines.map((l) => `<li>${esc(l.trim())}</li>`), '</ul>']),
    `<p>Note identity: ${esc(markerText(identity))}</p>`,
    '</div>',
  ];
  return parts.join('');
}

export async function buildClinicalNote(input: NoteInput): Promise<ClinicalNote> {
  const identity = await noteIdentity(input);
  const text = plainText(input, identity);
  const html = xhtml(input, identity);
  const day = input.at.slice(0, 10);
  const resource: DocumentReference = {
    resourceType: 'DocumentReference',
    status: 'current',
    docStatus: 'final',
    type: { coding: [input.type], text: input.type.display ?? 'Progress note' },
    category: [{ coding: [NOTE_CATEGORY] }],
    subject: { reference: `Patient/${input.patientId}` },
    date: input.at,
    ...(input.author && /^(Practitioner|PractitionerRole)\//.test(input.author) ? { author: [{ reference: input.author }] } : {}),
    // The marker where every server keeps it: the description (searched first) and the body.
    description: `Tidemark decision-support summary ${day} · ${markerText(identity)}`,
    content: [
      {
        attachment:
          input.format === 'text/html'
            ? { contentType: 'text/html; charset=utf-8', data: toBase64(html), title: `Tidemark summary ${day}` }
            : { contentType: 'text/plain; charset=utf-8', data: toBase64(text), title: `Tidemark summary ${day}` },
      },
    ],
    context: { period: { start: input.at, end: input.at } },
  };
  return { identity, text, xhtml: html, resource };
}
