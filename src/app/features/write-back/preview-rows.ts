// What the preview and the "written" list show for each planned write, and the never-a-dead-end
// exits: download the note or the FHIR JSON, copy the note. Pure apart from the download/clipboard.
import type { Bundle, Observation } from '@medplum/fhirtypes';
import type { PlannedWrite, WritePlan } from '../../../fhir/write/plan.ts';

export interface PreviewRow {
  identifier: string;
  role: PlannedWrite['role'];
  resourceType: string;
  where: string;
  what: string;
  /** Codes as system|code, for the title attribute. */
  codings: string[];
  value: string;
  interpretation: string;
  effective: string | undefined;
  note: string;
}

export function previewRows(plan: Pick<WritePlan, 'writes'>): PreviewRow[] {
  return plan.writes.map((w) => ({
    identifier: w.identity,
    role: w.role,
    resourceType: w.resourceType,
    where: w.where,
    what: w.what,
    codings: ((w.resource as Observation).code?.coding ?? []).map((c) => `${c.system}|${c.code}`),
    value: w.value,
    interpretation: w.interpretation,
    effective: w.effective,
    note: w.detail,
  }));
}

/** "Write 3 Observations to the chart", "Write 1 flowsheet value and the clinical note to the chart". */
export function writeLabel(plan: Pick<WritePlan, 'writes'>): string {
  const count = (pred: (w: PlannedWrite) => boolean) => plan.writes.filter(pred).length;
  const n = (k: number, one: string, many: string) => (k === 0 ? null : `${k} ${k === 1 ? one : many}`);
  const parts = [
    n(count((w) => w.resourceType === 'Observation' && w.role !== 'flowsheet'), 'Observation', 'Observations'),
    n(count((w) => w.role === 'flowsheet'), 'flowsheet value', 'flowsheet values'),
    n(count((w) => w.resourceType === 'QuestionnaireResponse'), 'QuestionnaireResponse', 'QuestionnaireResponses'),
    count((w) => w.role === 'note') > 0 ? 'the clinical note' : null,
  ].filter((p): p is string => !!p);
  const list = parts.length <= 1 ? (parts[0] ?? 'nothing') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
  return `Write ${list} to the chart`;
}

/** Save text as a file (a Blob download); never throws. */
export function downloadText(text: string, fileName: string, type: string): boolean {
  try {
    const url = URL.createObjectURL(new Blob([text], { type }));
    const a = document.createElement('a');
    a.href = url;
    a.download = fileName;
    a.rel = 'noopener';
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 0);
    return true;
  } catch {
    return false;
  }
}

/** Save the Bundle as a .json file; never throws. */
export function downloadBundle(bundle: Bundle, fileName: string): boolean {
  return downloadText(JSON.stringify(bundle, null, 2), fileName, 'application/fhir+json');
}

/** Copy text to the clipboard; false where the browser refuses (then the text is on screen to select). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

export function bundleFileName(patientId: string, at: Date = new Date(), ext = 'fhir.json'): string {
  const safe = patientId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64);
  return `tidemark-${safe}-${at.toISOString().slice(0, 10)}.${ext}`;
}
