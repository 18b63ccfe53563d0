// What the preview and the "written" list show for each Observation (pure).
import type { Bundle, Observation } from '@medplum/fhirtypes';
import { displayOf } from './api/write-to-chart.ts';

export interface PreviewRow {
  identifier: string;
  code: string;
  /** Codes as system|code, for the title attribute. */
  codings: string[];
  value: string;
  interpretation: string;
  effective: string | undefined;
  note: string;
  resource: Observation;
}

export function valueText(o: Observation): string {
  if (typeof o.valueInteger === 'number') return String(o.valueInteger);
  if (o.valueQuantity?.value !== undefined) return `${o.valueQuantity.value}${o.valueQuantity.unit ? ` ${o.valueQuantity.unit}` : ''}`;
  if (o.valueCodeableConcept) return o.valueCodeableConcept.text ?? o.valueCodeableConcept.coding?.find((c) => c.display)?.display ?? '—';
  if (typeof o.valueString === 'string') return o.valueString;
  return '—';
}

export function interpretationOf(o: Observation): string {
  const i = o.interpretation?.[0];
  if (!i) return '—';
  const coded = i.coding?.[0];
  if (coded?.display && i.text && coded.display.toLowerCase() !== i.text.toLowerCase()) return `${coded.display} (${i.text})`;
  return coded?.display ?? i.text ?? '—';
}

export function previewRows(bundle: Bundle<Observation>): PreviewRow[] {
  return (bundle.entry ?? []).flatMap((e) => {
    const o = e.resource;
    if (!o) return [];
    return [
      {
        identifier: o.identifier?.[0]?.value ?? '',
        code: displayOf(o),
        codings: (o.code.coding ?? []).map((c) => `${c.system}|${c.code}`),
        value: valueText(o),
        interpretation: interpretationOf(o),
        effective: o.effectiveDateTime,
        note: o.note?.map((n) => n.text).join(' ') ?? '',
        resource: o,
      },
    ];
  });
}

/** Save the Bundle as a .json file (a Blob download); never throws. */
export function downloadBundle(bundle: Bundle, fileName: string): boolean {
  try {
    const blob = new Blob([JSON.stringify(bundle, null, 2)], { type: 'application/fhir+json' });
    const url = URL.createObjectURL(blob);
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

export function bundleFileName(patientId: string, at: Date = new Date()): string {
  const safe = patientId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64);
  return `tidemark-${safe}-${at.toISOString().slice(0, 10)}.fhir.json`;
}
